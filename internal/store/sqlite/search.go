package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

const alertColumns = `a.seq, a.id, a.create_ns, a.stored_ns, a.updated_ns, a.state, coalesce(a.assignee, ''),
	coalesce(a.superseded_by, ''), coalesce(a.changed_ns, 0), a.priority, d.doc`

type scannedAlert struct {
	store.Alert
	seq      int64
	createNS int64
	priority int64
}

func scanAlert(rs interface{ Scan(...any) error }) (scannedAlert, error) {
	var (
		r                        scannedAlert
		stored, updated, changed int64
		state                    string
		doc                      []byte
	)
	err := rs.Scan(&r.seq, &r.ID, &r.createNS, &stored, &updated, &state, &r.Lifecycle.Assignee,
		&r.Lifecycle.SupersededBy, &changed, &r.priority, &doc)
	if err != nil {
		return r, err
	}
	r.JSON = doc
	r.CreateTime, r.StoredAt, r.UpdatedAt = unixNS(r.createNS), unixNS(stored), unixNS(updated)
	r.Lifecycle.State, r.Lifecycle.ChangedAt = store.State(state), unixNS(changed)
	return r, nil
}

// Alert implements store.Alerts.
func (s *Store) Alert(ctx context.Context, id string) (store.Alert, error) {
	var out store.Alert
	err := s.readTx(ctx, "alert", func(tx *sql.Tx) error {
		r, err := scanAlert(tx.QueryRowContext(ctx, alertByIDSQL, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: alert %q: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: alert %q: %w", id, err)
		}
		rows := []scannedAlert{r}
		if err := loadTags(ctx, tx, rows); err != nil {
			return err
		}
		out = rows[0].Alert
		return nil
	})
	return out, err
}

// loadTags fills the tags of rows.
func loadTags(ctx context.Context, tx *sql.Tx, rows []scannedAlert) error {
	if len(rows) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(rows))
	args := make([]any, len(rows))
	for i, r := range rows {
		idx[r.seq] = i
		args[i] = r.seq
	}
	rs, err := tx.QueryContext(ctx, `SELECT seq, tag FROM alert_tags WHERE seq IN (`+placeholders(len(args))+`) ORDER BY tag`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: load tags: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var seq int64
		var tag string
		if err := rs.Scan(&seq, &tag); err != nil {
			return fmt.Errorf("sqlite: load tags: %w", err)
		}
		i := idx[seq]
		rows[i].Lifecycle.Tags = append(rows[i].Lifecycle.Tags, tag)
	}
	return rs.Err()
}

// sortSpec is how one sort order reads: its ORDER BY and the key columns of
// its cursor, all in the same direction.
type sortSpec struct {
	keys []string // "a.create_ns", "a.seq"
	desc bool
}

func lookupSort(s store.Sort) (sortSpec, error) {
	switch s {
	case "", store.SortTimeDesc:
		return sortSpec{[]string{"a.create_ns", "a.seq"}, true}, nil
	case store.SortTimeAsc:
		return sortSpec{[]string{"a.create_ns", "a.seq"}, false}, nil
	case store.SortPriorityDesc:
		return sortSpec{[]string{"a.priority", "a.create_ns", "a.seq"}, true}, nil
	case store.SortPriorityAsc:
		return sortSpec{[]string{"a.priority", "a.create_ns", "a.seq"}, false}, nil
	}
	return sortSpec{}, fmt.Errorf("sort %q: %w (want time_desc, time_asc, priority_desc or priority_asc)", s, store.ErrInvalidQuery)
}

func (sp sortSpec) orderBy() string {
	dir := " ASC"
	if sp.desc {
		dir = " DESC"
	}
	return strings.Join(sp.keys, dir+", ") + dir
}

// after is the keyset condition "(keys) > (cursor)" in the sort direction.
func (sp sortSpec) after(vals []int64) (string, []any) {
	op := " > "
	if sp.desc {
		op = " < "
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return "(" + strings.Join(sp.keys, ", ") + ")" + op + "(" + placeholders(len(vals)) + ")", args
}

func (sp sortSpec) keyValues(r scannedAlert) []int64 {
	if len(sp.keys) == 3 {
		return []int64{r.priority, r.createNS, r.seq}
	}
	return []int64{r.createNS, r.seq}
}

// A cursor is "v1.<sort>.<key>.<key>…" in URL-safe base64: opaque to
// clients, checked on the way back.
func encodeCursor(sort store.Sort, keys []int64) string {
	parts := []string{"v1", string(sort)}
	for _, k := range keys {
		parts = append(parts, strconv.FormatInt(k, 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ".")))
}

func decodeCursor(c string, sort store.Sort, n int) ([]int64, error) {
	bad := fmt.Errorf("cursor: %w: not a cursor of this search", store.ErrInvalidQuery)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != n+2 || parts[0] != "v1" || parts[1] != string(sort) {
		return nil, bad
	}
	keys := make([]int64, n)
	for i, p := range parts[2:] {
		if keys[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return nil, bad
		}
	}
	return keys, nil
}

// Search implements store.Alerts.
func (s *Store) Search(ctx context.Context, req store.SearchRequest) (store.SearchResult, error) {
	res := store.SearchResult{Total: -1}
	if req.Sort == "" {
		req.Sort = store.SortTimeDesc
	}
	sp, err := lookupSort(req.Sort)
	if err != nil {
		return res, fmt.Errorf("sqlite: search: %w", err)
	}
	limit := req.Limit
	switch {
	case limit <= 0:
		limit = 50
	case limit > 1000:
		limit = 1000
	}
	e, err := query.Parse(req.Filter.Query)
	if err != nil {
		return res, fmt.Errorf("sqlite: search: %w: %w", store.ErrInvalidQuery, err)
	}
	w, err := compileExpr(e, req.Filter, s.now(), probeNone)
	if err != nil {
		return res, fmt.Errorf("sqlite: search: %w", err)
	}
	if err := s.syncText(ctx, w); err != nil {
		return res, fmt.Errorf("sqlite: search: %w", err)
	}
	var cursor []int64
	if req.Cursor != "" {
		if cursor, err = decodeCursor(req.Cursor, req.Sort, len(sp.keys)); err != nil {
			return res, fmt.Errorf("sqlite: search: %w", err)
		}
	}
	err = s.readTx(ctx, "search", func(tx *sql.Tx) error {
		plan, err := s.plan(ctx, tx, e, req, w)
		if err != nil {
			return fmt.Errorf("sqlite: search: %w", err)
		}
		cond, err := compileExpr(plan.rest(e), req.Filter, s.now(), plan.probes())
		if err != nil {
			return fmt.Errorf("sqlite: search: %w", err)
		}
		page, pageArgs := pageCondition(sp, cond, cursor)
		var inner string
		var innerArgs []any
		if plan.kind == planWalkText {
			var ok bool
			inner, innerArgs, ok, err = textWalkSQL(ctx, tx, plan.by, sp, page, pageArgs, req.Filter, cursor, limit+1)
			if err != nil {
				return fmt.Errorf("sqlite: search: %w", err)
			}
			if !ok {
				// No bound found: walk the time index instead.
				plan = searchPlan{kind: planWalkSort}
				if cond, err = compileExpr(e, req.Filter, s.now(), plan.probes()); err != nil {
					return fmt.Errorf("sqlite: search: %w", err)
				}
				page, pageArgs = pageCondition(sp, cond, cursor)
			}
		}
		if plan.kind == planWalkValue {
			if inner, innerArgs, err = valueWalkSQL(ctx, tx, plan.by, sp, page, pageArgs, req.Filter, cursor, limit+1); err != nil {
				return fmt.Errorf("sqlite: search: %w", err)
			}
		}
		var rows []scannedAlert
		if plan.kind == planWalkLevels {
			if rows, err = levelWalk(ctx, tx, plan.by, sp, page, pageArgs, req.Filter, cursor, limit+1); err != nil {
				return err
			}
		} else {
			if inner == "" {
				inner, innerArgs = plan.pageSQL(sp, page, pageArgs, req.Filter, cursor, limit+1)
			}
			// The page is chosen on the narrow alerts table first; documents
			// are joined for its rows only, so a sort over many matches never
			// moves their JSON.
			q := `SELECT ` + alertColumns + ` FROM (` + inner + `) a JOIN alert_docs d ON d.seq = a.seq ORDER BY ` + sp.orderBy()
			if rows, err = queryAlerts(ctx, tx, q, innerArgs); err != nil {
				return err
			}
		}
		if len(rows) > limit {
			rows = rows[:limit]
			res.Next = encodeCursor(req.Sort, sp.keyValues(rows[limit-1]))
		}
		if err := loadTags(ctx, tx, rows); err != nil {
			return err
		}
		res.Alerts = make([]store.Alert, len(rows))
		for i, r := range rows {
			res.Alerts[i] = r.Alert
		}
		if req.Total {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts a WHERE `+w.sql.String(), w.args...).Scan(&res.Total); err != nil {
				return fmt.Errorf("sqlite: search: count: %w", err)
			}
		}
		return nil
	})
	return res, err
}

// plan returns the search plan: the one forced by s.forcePlan (tests),
// or the one planSearch picks.
func (s *Store) plan(ctx context.Context, tx *sql.Tx, e query.Expr, req store.SearchRequest, w *where) (searchPlan, error) {
	if s.forcePlan != nil {
		return s.forcePlan(ctx, tx, e, req, w)
	}
	return planSearch(ctx, tx, e, req.Filter, req.Sort, w)
}

// pageCondition is the filter w with the keyset condition of cursor.
func pageCondition(sp sortSpec, w *where, cursor []int64) (string, []any) {
	if cursor == nil {
		return w.sql.String(), w.args
	}
	c, a := sp.after(cursor)
	return w.sql.String() + " AND " + c, append(append([]any(nil), w.args...), a...)
}

func queryAlerts(ctx context.Context, tx *sql.Tx, q string, args []any) ([]scannedAlert, error) {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	defer rs.Close()
	var out []scannedAlert
	for rs.Next() {
		r, err := scanAlert(rs)
		if err != nil {
			return nil, fmt.Errorf("sqlite: search: %w", err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	return out, nil
}
