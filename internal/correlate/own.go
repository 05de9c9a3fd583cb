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
	var c compactor
	c.alert(a) // measure
	c.b.Grow(c.n)
	c.pass = 1
	c.alert(a) // copy
	c.whole = c.b.String()
	c.pass = 2
	c.alert(a) // point into the copy
}

// compactor copies strings into one: pass 0 adds up their lengths (and
// the lists' lengths), pass 1 writes them, pass 2 sets each to its part
// of the whole and each list to its part of a new array.
type compactor struct {
	pass  int
	n     int
	b     strings.Builder
	whole string
	off   int

	strs  listArena[string]
	cats  listArena[idmefv2.Category]
	scats listArena[idmefv2.SourceCategory]
	tcats listArena[idmefv2.TargetCategory]
}

func (c *compactor) str(s *string) {
	switch c.pass {
	case 0:
		c.n += len(*s)
	case 1:
		c.b.WriteString(*s)
	case 2:
		if *s == "" {
			*s = "" // an empty string may point into the message too
			return
		}
		*s = c.whole[c.off : c.off+len(*s)]
		c.off += len(*s)
	}
}

// listArena holds the copies of the lists of one element type.
type listArena[T ~string] struct {
	n   int
	arr []T
}

func (la *listArena[T]) list(c *compactor, l *[]T) {
	if c.pass == 0 {
		la.n += len(*l)
	}
	if c.pass < 2 {
		for _, v := range *l {
			s := string(v)
			c.str(&s)
		}
		return
	}
	if len(*l) == 0 {
		if *l != nil {
			*l = []T{}
		}
		return
	}
	if la.arr == nil {
		la.arr = make([]T, 0, la.n)
	}
	start := len(la.arr)
	for _, v := range *l {
		s := string(v)
		c.str(&s)
		la.arr = append(la.arr, T(s))
	}
	*l = la.arr[start:len(la.arr):len(la.arr)]
}

// alert visits the strings newAlertInfo keeps of a.
func (c *compactor) alert(a *idmefv2.Alert) {
	c.str(&a.ID)
	c.str(&a.Description)
	p := string(a.Priority)
	c.str(&p)
	a.Priority = idmefv2.Priority(p)
	c.cats.list(c, &a.Category)
	for i := range a.Source {
		s := &a.Source[i]
		c.str(&s.ID)
		c.str(&s.IP)
		c.str(&s.Hostname)
		c.scats.list(c, &s.Category)
		c.str(&s.Note)
		c.strs.list(c, &s.TI)
		c.str(&s.User)
		c.str(&s.Email)
		c.strs.list(c, &s.Protocol)
		c.str(&s.GeoLocation)
		c.str(&s.UnLocation)
		c.str(&s.Location)
		c.strs.list(c, &s.Attachment)
	}
	for i := range a.Target {
		t := &a.Target[i]
		c.str(&t.ID)
		c.str(&t.IP)
		c.str(&t.Hostname)
		c.tcats.list(c, &t.Category)
		c.str(&t.Note)
		c.str(&t.Service)
		c.str(&t.User)
		c.str(&t.Email)
		c.str(&t.GeoLocation)
		c.str(&t.UnLocation)
		c.str(&t.Location)
		c.strs.list(c, &t.Attachment)
	}
}
