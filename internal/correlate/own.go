package correlate

import (
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Alerts decoded without a copy of their message (the stage's: see
// Stage.handle) have strings that point into the bus message, a pack of
// hundreds of alerts that one string kept in a window would hold in
// memory for the window's length. The engine copies, once per alert and
// only when it keeps something of it, the strings it keeps (those of
// newAlertInfo) into one allocation of their own, in place: the alert's
// ID, description, priority, categories, and every string of its sources
// and targets. Copying the whole message instead cost its size (≈ 900
// bytes here, most of which no window keeps) per alert.

// own makes a, if it is the borrowed alert being processed, own the
// strings the engine may keep of it (see above). Values read from a
// afterwards are then the copies. The string lists move to arrays of
// their own too: the decoder keeps every list of a message in one array
// (its arena), which a kept list would otherwise keep, with the strings
// of every other list.
func (e *Engine) own(a *idmefv2.Alert) {
	if a != e.borrowed || e.owned {
		return
	}
	e.owned = true
	var sz sizer
	sz.alert(a)
	var b strings.Builder
	b.Grow(sz.n)
	writeAlert(&b, a)
	r := rebaser{whole: b.String()}
	r.strs.init(sz.strs)
	r.cats.init(sz.cats)
	r.scats.init(sz.scats)
	r.tcats.init(sz.tcats)
	r.alert(a)
}

// The three walks of own over the strings it copies: sizer adds up their
// lengths (and counts the list elements), writeAlert writes them, and
// rebaser sets each to its part of the copy and each list to its part of
// a new array. They visit the same strings in the same order.

type sizer struct{ n, strs, cats, scats, tcats int }

func (z *sizer) list(l []string) {
	z.strs += len(l)
	for _, s := range l {
		z.n += len(s)
	}
}

func sizeList[T ~string](z *sizer, l []T, count *int) {
	*count += len(l)
	for _, s := range l {
		z.n += len(s)
	}
}

func (z *sizer) alert(a *idmefv2.Alert) {
	z.n += len(a.ID) + len(a.Description) + len(a.Priority)
	sizeList(z, a.Category, &z.cats)
	for i := range a.Source {
		s := &a.Source[i]
		z.n += len(s.ID) + len(s.IP) + len(s.Hostname) + len(s.Note) + len(s.User) + len(s.Email) +
			len(s.GeoLocation) + len(s.UnLocation) + len(s.Location)
		sizeList(z, s.Category, &z.scats)
		z.list(s.TI)
		z.list(s.Protocol)
		z.list(s.Attachment)
	}
	for i := range a.Target {
		t := &a.Target[i]
		z.n += len(t.ID) + len(t.IP) + len(t.Hostname) + len(t.Note) + len(t.Service) + len(t.User) + len(t.Email) +
			len(t.GeoLocation) + len(t.UnLocation) + len(t.Location)
		sizeList(z, t.Category, &z.tcats)
		z.list(t.Attachment)
	}
}

func writeList[T ~string](b *strings.Builder, l []T) {
	for _, s := range l {
		b.WriteString(string(s))
	}
}

func writeAlert(b *strings.Builder, a *idmefv2.Alert) {
	b.WriteString(a.ID)
	b.WriteString(a.Description)
	b.WriteString(string(a.Priority))
	writeList(b, a.Category)
	for i := range a.Source {
		s := &a.Source[i]
		b.WriteString(s.ID)
		b.WriteString(s.IP)
		b.WriteString(s.Hostname)
		b.WriteString(s.Note)
		b.WriteString(s.User)
		b.WriteString(s.Email)
		b.WriteString(s.GeoLocation)
		b.WriteString(s.UnLocation)
		b.WriteString(s.Location)
		writeList(b, s.Category)
		writeList(b, s.TI)
		writeList(b, s.Protocol)
		writeList(b, s.Attachment)
	}
	for i := range a.Target {
		t := &a.Target[i]
		b.WriteString(t.ID)
		b.WriteString(t.IP)
		b.WriteString(t.Hostname)
		b.WriteString(t.Note)
		b.WriteString(t.Service)
		b.WriteString(t.User)
		b.WriteString(t.Email)
		b.WriteString(t.GeoLocation)
		b.WriteString(t.UnLocation)
		b.WriteString(t.Location)
		writeList(b, t.Category)
		writeList(b, t.Attachment)
	}
}

type rebaser struct {
	whole string
	off   int
	strs  listArena[string]
	cats  listArena[idmefv2.Category]
	scats listArena[idmefv2.SourceCategory]
	tcats listArena[idmefv2.TargetCategory]
}

// str sets *s to its copy. An empty string may point into the message
// too.
func (r *rebaser) str(s *string) {
	n := len(*s)
	if n == 0 {
		*s = ""
		return
	}
	*s = r.whole[r.off : r.off+n]
	r.off += n
}

// listArena holds the copies of the lists of one element type.
type listArena[T ~string] struct{ arr []T }

func (la *listArena[T]) init(n int) {
	if n > 0 {
		la.arr = make([]T, 0, n)
	}
}

// move sets *l to its copy, in la.
func (la *listArena[T]) move(r *rebaser, l *[]T) {
	if len(*l) == 0 {
		if *l != nil {
			*l = []T{}
		}
		return
	}
	start := len(la.arr)
	for _, v := range *l {
		n := len(v)
		la.arr = append(la.arr, T(r.whole[r.off:r.off+n]))
		r.off += n
	}
	*l = la.arr[start:len(la.arr):len(la.arr)]
}

func (r *rebaser) alert(a *idmefv2.Alert) {
	r.str(&a.ID)
	r.str(&a.Description)
	p := string(a.Priority)
	r.str(&p)
	a.Priority = idmefv2.Priority(p)
	r.cats.move(r, &a.Category)
	for i := range a.Source {
		s := &a.Source[i]
		r.str(&s.ID)
		r.str(&s.IP)
		r.str(&s.Hostname)
		r.str(&s.Note)
		r.str(&s.User)
		r.str(&s.Email)
		r.str(&s.GeoLocation)
		r.str(&s.UnLocation)
		r.str(&s.Location)
		r.scats.move(r, &s.Category)
		r.strs.move(r, &s.TI)
		r.strs.move(r, &s.Protocol)
		r.strs.move(r, &s.Attachment)
	}
	for i := range a.Target {
		t := &a.Target[i]
		r.str(&t.ID)
		r.str(&t.IP)
		r.str(&t.Hostname)
		r.str(&t.Note)
		r.str(&t.Service)
		r.str(&t.User)
		r.str(&t.Email)
		r.str(&t.GeoLocation)
		r.str(&t.UnLocation)
		r.str(&t.Location)
		r.tcats.move(r, &t.Category)
		r.strs.move(r, &t.Attachment)
	}
}
