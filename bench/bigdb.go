package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/service"
)

// The read phases for large tables (docs/benchmarks.md, "Ten million codes").
// They run against whatever the database holds: a database filled by
// bench/seed (-database), or the fresh one, where the only codes are those
// the decrypt phase recorded (run decrypt first). The samples are read from
// the database before the phase, outside the timed window.

// openExisting uses a database the run does not own (-database): it must hold
// the schema; the run deletes the rows it added at the end.
func openExisting(ctx context.Context, addr, name string) (*mysqlAdmin, error) {
	db, err := sql.Open("mysql", addr)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(pctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'issued_codes'", name).Scan(&n); err != nil || n != 1 {
		db.Close()
		return nil, fmt.Errorf("-database %s: no issued_codes table there (%v): fill it with go run ./bench/seed", name, err)
	}
	return &mysqlAdmin{db: db, addr: addr, name: name, existing: true}, nil
}

// removeRunRows deletes what a run added to an existing database: its cards
// and their codes (in batches), the audit entries and account of its admin.
func (m *mysqlAdmin) removeRunRows(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	for _, card := range m.benchCards {
		for {
			res, err := m.db.ExecContext(ctx, "DELETE FROM "+m.name+".issued_codes WHERE card_id = ? LIMIT 5000", card)
			if err != nil {
				return fmt.Errorf("remove the run's codes: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				break
			}
		}
		if _, err := m.db.ExecContext(ctx, "DELETE FROM "+m.name+".cards WHERE card_id = ?", card); err != nil {
			return fmt.Errorf("remove the run's card: %w", err)
		}
	}
	for _, stmt := range []string{"DELETE FROM " + m.name + ".audit_entries WHERE actor = 'bench'",
		"DELETE FROM " + m.name + ".admin_users WHERE username = 'bench'"} {
		if _, err := m.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("remove the run's admin: %w", err)
		}
	}
	return nil
}

// sampleHolders returns up to n openids holding codes, each the holder of a
// code picked at random (a user with more codes is likelier, as an active
// user is).
func (m *mysqlAdmin) sampleHolders(ctx context.Context, n int) ([]string, error) {
	var lo, hi sql.NullInt64
	if err := m.db.QueryRowContext(ctx, "SELECT MIN(id), MAX(id) FROM "+m.name+".issued_codes").Scan(&lo, &hi); err != nil {
		return nil, err
	}
	if !hi.Valid {
		return nil, fmt.Errorf("no codes recorded: run the decrypt phase first")
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.FormatInt(lo.Int64+rand.Int64N(hi.Int64-lo.Int64+1), 10)
	}
	return m.strings(ctx, "SELECT DISTINCT openid FROM "+m.name+".issued_codes WHERE id IN ("+strings.Join(ids, ",")+")")
}

func (m *mysqlAdmin) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := m.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// biggestCard is the card with the most codes, its number of codes, and the
// cursor of the row just before its last page of size codes (its size+1-th
// oldest code), read from the database. The card is looked for once per run
// (a scan of every code).
func (m *mysqlAdmin) biggestCard(ctx context.Context, size int) (string, int64, string, error) {
	if m.biggest.card == "" {
		err := m.db.QueryRowContext(ctx, "SELECT card_id, COUNT(*) FROM "+m.name+".issued_codes GROUP BY card_id ORDER BY 2 DESC LIMIT 1").
			Scan(&m.biggest.card, &m.biggest.n)
		if err != nil {
			return "", 0, "", fmt.Errorf("biggest card: %w", err)
		}
	}
	card, n := m.biggest.card, m.biggest.n
	last := n % int64(size)
	if last == 0 {
		last = int64(size)
	}
	var atText string
	var id int64
	err := m.db.QueryRowContext(ctx, "SELECT DATE_FORMAT(received_at, '%Y-%m-%d %H:%i:%s.%f'), id FROM "+m.name+".issued_codes WHERE card_id = ? ORDER BY received_at, id LIMIT 1 OFFSET ?",
		card, last).Scan(&atText, &id)
	if err == sql.ErrNoRows {
		return card, n, "", nil // a single page
	}
	if err != nil {
		return "", 0, "", fmt.Errorf("last page of %s: %w", card, err)
	}
	at, err := time.Parse("2006-01-02 15:04:05.999999", atText)
	if err != nil {
		return "", 0, "", fmt.Errorf("last page of %s: %w", card, err)
	}
	return card, n, service.Cursor{At: at, Key: strconv.FormatInt(id, 10)}.Encode(), nil
}

// userTokens signs user tokens for openids with the server's JWT secret, as
// POST /api/v1/auth/login would.
func userTokens(secret string, openids []string) ([]string, error) {
	j := auth.NewJWT(secret, nil)
	out := make([]string, len(openids))
	for i, o := range openids {
		t, _, err := j.Issue(o, service.RoleUser, 0)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// roundRobin hands out items in turn to every worker.
type roundRobin[T any] struct {
	items []T
	n     atomic.Int64
}

func (r *roundRobin[T]) next() T { return r.items[(r.n.Add(1)-1)%int64(len(r.items))] }

// cardWalk pages through cards' codes with the cursor, each worker on a card
// of its own, from the first page to the last, then the next card.
type cardWalk struct {
	base, token string
	size        int
	cards       roundRobin[string]
	mu          sync.Mutex
	at          []walkState // per worker
	pages       atomic.Int64
	finished    atomic.Int64 // cards walked to their last page
}

type walkState struct {
	card, after string
}

func newCardWalk(base, token string, size, conns int, cards []string) *cardWalk {
	rand.Shuffle(len(cards), func(i, j int) { cards[i], cards[j] = cards[j], cards[i] })
	return &cardWalk{base: base, token: token, size: size, cards: roundRobin[string]{items: cards}, at: make([]walkState, conns)}
}

func (c *cardWalk) nextURL(w int) (string, []byte, string, bool) {
	c.mu.Lock()
	st := &c.at[w]
	if st.card == "" {
		st.card, st.after = c.cards.next(), ""
	}
	u := c.base + "/admin/v1/cards/" + url.PathEscape(st.card) + "/codes?count=" + strconv.Itoa(c.size)
	if st.after != "" {
		u += "&after=" + url.QueryEscape(st.after)
	}
	c.mu.Unlock()
	return u, nil, c.token, true
}

// answered reads the page's next cursor: the worker goes on with it, or, on
// the last page, to another card.
func (c *cardWalk) answered(w int, body []byte) error {
	var page struct {
		Codes []json.RawMessage `json:"codes"`
		Next  string            `json:"next"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return err
	}
	c.pages.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &c.at[w]
	if page.Next == "" {
		c.finished.Add(1)
		st.card = ""
		return nil
	}
	if len(page.Codes) != c.size {
		return fmt.Errorf("a page of %d codes with a next cursor, want %d", len(page.Codes), c.size)
	}
	st.after = page.Next
	return nil
}

// bigPhases are the phases bigPhase prepares.
var bigPhases = map[string]bool{"me-codes": true, "card-codes": true, "card-codes-cursor-last": true,
	"card-codes-offset-last": true, "code-lookup": true}

// bigPhase prepares one of bigPhases: reads its samples from the database and
// sets p's requests. The returned function runs after the phase.
func bigPhase(ctx context.Context, p *phase, o options, db *mysqlAdmin, f *fixture, base, jwtSecret string, rep *report) (func(), error) {
	after := func() {}
	p.get = true
	t := time.Now()
	switch p.name {
	case "me-codes":
		holders, err := db.sampleHolders(ctx, 20_000)
		if err != nil {
			return nil, fmt.Errorf("me-codes: %w", err)
		}
		tokens, err := userTokens(jwtSecret, holders)
		if err != nil {
			return nil, err
		}
		rr := &roundRobin[string]{items: tokens}
		p.nextURL = func(int) (string, []byte, string, bool) { return base + "/api/v1/me/codes", nil, rr.next(), true }
		p.check = wantBytes(`"codes":[{`)
		logf("phase %s: %d holders sampled in %v", p.name, len(holders), time.Since(t).Round(time.Millisecond))
	case "card-codes":
		cards, err := db.strings(ctx, "SELECT card_id FROM "+db.name+".cards")
		if err != nil {
			return nil, err
		}
		walk := newCardWalk(base, f.admin, o.pageSize, p.conns, cards)
		p.nextURL, p.answered = walk.nextURL, walk.answered
		after = func() {
			last := &rep.results[len(rep.results)-1]
			last.verify = fmt.Sprintf("%d pages of %d read with the cursor, %d cards walked to their last page", walk.pages.Load(), o.pageSize, walk.finished.Load())
			last.verified = walk.finished.Load() > 0
			logf("phase %s: %s", p.name, last.verify)
		}
	case "card-codes-cursor-last", "card-codes-offset-last":
		card, n, cursor, err := db.biggestCard(ctx, o.pageSize)
		if err != nil {
			return nil, err
		}
		u := base + "/admin/v1/cards/" + url.PathEscape(card) + "/codes?count=" + strconv.Itoa(o.pageSize)
		how := "after=<cursor>"
		if p.name == "card-codes-offset-last" {
			off := (n - 1) / int64(o.pageSize) * int64(o.pageSize)
			u += "&offset=" + strconv.FormatInt(off, 10)
			how = "offset=" + strconv.FormatInt(off, 10)
		} else if cursor != "" {
			u += "&after=" + url.QueryEscape(cursor)
		}
		// One request at a time: the latency of one page, not a load.
		p.conns = 1
		p.nextURL = func(int) (string, []byte, string, bool) { return u, nil, f.admin, true }
		p.check = func(body []byte) error {
			var page struct {
				Codes []json.RawMessage `json:"codes"`
				Next  *string           `json:"next"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return err
			}
			if page.Next != nil || len(page.Codes) == 0 {
				return fmt.Errorf("not the last page: %d codes, next %v", len(page.Codes), page.Next != nil)
			}
			return nil
		}
		after = func() {
			last := &rep.results[len(rep.results)-1]
			last.verify = fmt.Sprintf("last page of card %s (%d codes), %s", card, n, how)
			last.verified = true
		}
		logf("phase %s: card %s holds %d codes (found in %v)", p.name, card, n, time.Since(t).Round(time.Millisecond))
	case "code-lookup":
		type code struct{ card, code string }
		var codes []code
		rows, err := db.db.QueryContext(ctx, "SELECT card_id, code FROM "+db.name+".issued_codes WHERE card_id = ? LIMIT 20000", f.cardID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c code
			if err := rows.Scan(&c.card, &c.code); err != nil {
				rows.Close()
				return nil, err
			}
			codes = append(codes, c)
		}
		rows.Close()
		if len(codes) == 0 {
			return nil, fmt.Errorf("code-lookup: the run recorded no codes: run the decrypt phase first")
		}
		rr := &roundRobin[code]{items: codes}
		p.nextURL = func(int) (string, []byte, string, bool) {
			c := rr.next()
			return base + "/admin/v1/codes/" + url.PathEscape(c.code) + "?card_id=" + url.QueryEscape(c.card), nil, f.admin, true
		}
		p.check = wantBytes(`"record":{`)
	}
	return after, nil
}
