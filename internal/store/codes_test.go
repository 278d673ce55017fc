package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
)

// The merchant side of the code store: listing a card's codes, moving a code's
// status, re-keying and counting. Each function runs in the contract suite.

func mustRecord(t *testing.T, s *store.Store, codes ...service.IssuedCode) {
	t.Helper()
	for _, c := range codes {
		if _, _, err := s.RecordCode(context.Background(), c); err != nil {
			t.Fatalf("RecordCode(%s/%s): %v", c.CardID, c.Code, err)
		}
	}
}

func mustGetCode(t *testing.T, s *store.Store, cardID, code string) service.IssuedCode {
	t.Helper()
	c, err := s.GetCode(context.Background(), cardID, code)
	if err != nil {
		t.Fatalf("GetCode(%s/%s): %v", cardID, code, err)
	}
	return c
}

func testListCodesByCard(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pList", func(c *service.Card) { c.Title = "Latte" }),
		card("pOther", func(c *service.Card) { c.Title = "Mocha" }), card("pMany", nil))
	mustRecord(t, s,
		service.IssuedCode{CardID: "pList", Code: "a1", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base},
		service.IssuedCode{CardID: "pList", Code: "a2", OpenID: "oBob", Status: service.CodeConsumed, ReceivedAt: base.Add(time.Minute)},
		service.IssuedCode{CardID: "pList", Code: "a3", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base.Add(2 * time.Minute)},
		// Received at the same time as a3 but recorded after it: listed before it.
		service.IssuedCode{CardID: "pList", Code: "a4", OpenID: "oCarol", Status: service.CodeIssued, ReceivedAt: base.Add(2 * time.Minute)},
		service.IssuedCode{CardID: "pList", Code: "a5", OpenID: "oAlice", Status: service.CodeUnavailable, ReceivedAt: base.Add(3 * time.Minute)},
		service.IssuedCode{CardID: "pOther", Code: "b1", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base.Add(time.Hour)},
		service.IssuedCode{CardID: "pGone", Code: "z1", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base},
	)
	var many []string // newest first
	for i := range 25 {
		mustRecord(t, s, service.IssuedCode{CardID: "pMany", Code: fmt.Sprintf("m%02d", i), OpenID: "oMany",
			ReceivedAt: base.Add(time.Duration(i) * time.Second)})
	}
	for i := 24; i >= 0; i-- {
		many = append(many, fmt.Sprintf("m%02d", i))
	}
	type item struct{ Code, Title string }
	titled := func(title string, codes ...string) []item {
		var out []item
		for _, c := range codes {
			out = append(out, item{c, title})
		}
		return out
	}
	tests := []struct {
		name      string
		cardID    string
		status    service.CodeStatus
		offset    int
		count     int
		want      []item
		wantTotal int64
	}{
		{"all of a card, newest first", "pList", "", 0, 0, titled("Latte", "a5", "a4", "a3", "a2", "a1"), 5},
		{"a page", "pList", "", 1, 2, titled("Latte", "a4", "a3"), 5},
		{"last partial page", "pList", "", 4, 2, titled("Latte", "a1"), 5},
		{"offset past the end", "pList", "", 10, 2, nil, 5},
		{"negative offset is 0", "pList", "", -3, 1, titled("Latte", "a5"), 5},
		{"issued only", "pList", service.CodeIssued, 0, 0, titled("Latte", "a4", "a3", "a1"), 3},
		{"a page of issued", "pList", service.CodeIssued, 2, 2, titled("Latte", "a1"), 3},
		{"consumed only", "pList", service.CodeConsumed, 0, 0, titled("Latte", "a2"), 1},
		{"a status with none", "pList", service.CodeGifted, 0, 0, nil, 0},
		{"another card", "pOther", "", 0, 0, titled("Mocha", "b1"), 1},
		{"card not in the catalogue has no title", "pGone", "", 0, 0, titled("", "z1"), 1},
		{"unknown card", "pNobody", "", 0, 0, nil, 0},
		{"count 0 is a page of 20", "pMany", "", 0, 0, titled("Coffee pMany", many[:20]...), 25},
		{"second page of many", "pMany", "", 20, 20, titled("Coffee pMany", many[20:]...), 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes, total, _, err := s.ListCodesByCard(ctx, tt.cardID, tt.status, service.Page{Offset: tt.offset, Count: tt.count})
			if err != nil {
				t.Fatalf("ListCodesByCard: %v", err)
			}
			if total != tt.wantTotal {
				t.Errorf("total: got %d, want %d", total, tt.wantTotal)
			}
			var got []item
			for _, c := range codes {
				got = append(got, item{c.Code, c.Title})
				if c.CardID != tt.cardID {
					t.Errorf("code %s: got card %q, want %q", c.Code, c.CardID, tt.cardID)
				}
				if tt.status != "" && c.Status != tt.status {
					t.Errorf("code %s: got status %q, want %q", c.Code, c.Status, tt.status)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("codes:\ngot  %v\nwant %v", got, tt.want)
			}
		})
	}
	t.Run("listed fields", func(t *testing.T) {
		codes, _, _, err := s.ListCodesByCard(ctx, "pList", service.CodeConsumed, service.Page{})
		if err != nil {
			t.Fatalf("ListCodesByCard: %v", err)
		}
		want := mustGetCode(t, s, "pList", "a2")
		want.Title = "Latte"
		if len(codes) != 1 || !reflect.DeepEqual(codes[0], want) {
			t.Errorf("codes:\ngot  %+v\nwant [%+v]", codes, want)
		}
	})
}

func testSetCodeStatus(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pState", nil))
	held := service.IssuedCode{CardID: "pState", Code: "s1", OpenID: "oAlice", Status: service.CodeIssued,
		OuterStr: "poster", ReceivedAt: base}
	mustRecord(t, s, held,
		// Recorded as consumed without a time (as a provider event may report it).
		service.IssuedCode{CardID: "pState", Code: "s2", OpenID: "oBob", Status: service.CodeConsumed, ReceivedAt: base})
	with := func(status service.CodeStatus, consumedAt *time.Time) service.IssuedCode {
		c := held
		c.Status, c.ConsumedAt = status, consumedAt
		return c
	}
	t1, t2, t3, t4 := base.Add(time.Hour), base.Add(2*time.Hour), base.Add(3*time.Hour), base.Add(4*time.Hour)
	// The steps run in order on code s1; each sees what the ones before stored.
	steps := []struct {
		name   string
		status service.CodeStatus
		at     time.Time
		want   service.IssuedCode
	}{
		{"to unavailable leaves consumed_at empty", service.CodeUnavailable, t1, with(service.CodeUnavailable, nil)},
		{"to consumed sets consumed_at", service.CodeConsumed, t2, with(service.CodeConsumed, &t2)},
		{"consumed again keeps consumed_at", service.CodeConsumed, t3, with(service.CodeConsumed, &t2)},
		{"to issued keeps the last consumed_at", service.CodeIssued, t3, with(service.CodeIssued, &t2)},
		{"consumed after leaving consumed sets it anew", service.CodeConsumed, t4, with(service.CodeConsumed, &t4)},
	}
	prev := mustGetCode(t, s, "pState", "s1").UpdatedAt
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := s.SetCodeStatus(ctx, "pState", "s1", st.status, st.at)
			if err != nil {
				t.Fatalf("SetCodeStatus: %v", err)
			}
			if got.UpdatedAt.Before(prev) {
				t.Errorf("updated_at: got %v, want not before %v", got.UpdatedAt, prev)
			}
			prev = got.UpdatedAt
			if stored := mustGetCode(t, s, "pState", "s1"); !reflect.DeepEqual(stored, got) {
				t.Errorf("GetCode after the change:\ngot  %+v\nwant %+v (as returned)", stored, got)
			}
			got.UpdatedAt = time.Time{}
			if !reflect.DeepEqual(got, st.want) {
				t.Errorf("returned:\ngot  %+v\nwant %+v", got, st.want)
			}
		})
	}
	t.Run("consumed without a time gets one, to the millisecond", func(t *testing.T) {
		got, err := s.SetCodeStatus(ctx, "pState", "s2", service.CodeConsumed, t1.Add(999*time.Microsecond))
		if err != nil {
			t.Fatalf("SetCodeStatus: %v", err)
		}
		if got.ConsumedAt == nil || !got.ConsumedAt.Equal(t1) {
			t.Errorf("consumed_at: got %v, want %v", got.ConsumedAt, t1)
		}
	})
	t.Run("zero time means now", func(t *testing.T) {
		mustRecord(t, s, service.IssuedCode{CardID: "pState", Code: "s3", OpenID: "oBob", ReceivedAt: base})
		before := time.Now().Add(-time.Second)
		got, err := s.SetCodeStatus(ctx, "pState", "s3", service.CodeConsumed, time.Time{})
		if err != nil {
			t.Fatalf("SetCodeStatus: %v", err)
		}
		if got.ConsumedAt == nil || got.ConsumedAt.Before(before) {
			t.Errorf("consumed_at: got %v, want about now", got.ConsumedAt)
		}
	})
	errTests := []struct {
		name   string
		cardID string
		code   string
		status service.CodeStatus
		want   error // nil: any error but ErrNotFound
	}{
		{"unknown code", "pState", "nope", service.CodeConsumed, service.ErrNotFound},
		{"code of another card", "pOther", "s1", service.CodeConsumed, service.ErrNotFound},
		{"unknown code to a status other than consumed", "pState", "nope", service.CodeDeleted, service.ErrNotFound},
		{"unknown status", "pState", "s1", service.CodeStatus("lost"), nil},
		{"empty status", "pState", "s1", "", nil},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			before := mustGetCode(t, s, "pState", "s1")
			got, err := s.SetCodeStatus(ctx, tt.cardID, tt.code, tt.status, t1)
			switch {
			case err == nil:
				t.Fatalf("SetCodeStatus: got %+v, nil error; want an error", got)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("error: got %v, want %v", err, tt.want)
			case tt.want == nil && errors.Is(err, service.ErrNotFound):
				t.Errorf("error: got %v, want one that is not ErrNotFound", err)
			}
			if after := mustGetCode(t, s, "pState", "s1"); !reflect.DeepEqual(after, before) {
				t.Errorf("s1 after a failed call:\ngot  %+v\nwant %+v", after, before)
			}
		})
	}
}

func testSetCodeStatusConcurrent(t *testing.T, s *store.Store) {
	ctx := context.Background()
	held := service.IssuedCode{CardID: "pRush", Code: "777", OpenID: "oAlice", Status: service.CodeIssued,
		OuterStr: "poster", ReceivedAt: base}
	mustRecord(t, s, held)
	const n = 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		seen = make(map[time.Time]int) // consumed_at as each call returned it
	)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got, err := s.SetCodeStatus(ctx, "pRush", "777", service.CodeConsumed, base.Add(time.Duration(i+1)*time.Second))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case got.ConsumedAt == nil:
				errs = append(errs, fmt.Errorf("call %d: consumed_at not set", i))
			default:
				seen[*got.ConsumedAt]++
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("errors: got %d (first: %v), want none", len(errs), errs[0])
	}
	if len(seen) != 1 {
		t.Fatalf("distinct consumed_at returned: got %d (%v), want 1", len(seen), seen)
	}
	var first time.Time
	for at := range seen {
		first = at
	}
	if first.Before(base.Add(time.Second)) || first.After(base.Add(n*time.Second)) {
		t.Errorf("consumed_at: got %v, want one of the times given", first)
	}
	want := held
	want.Status, want.ConsumedAt = service.CodeConsumed, &first
	check := func(t *testing.T) {
		t.Helper()
		got := mustGetCode(t, s, "pRush", "777")
		got.UpdatedAt = time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stored:\ngot  %+v\nwant %+v", got, want)
		}
	}
	check(t)
	t.Run("a later call does not move consumed_at", func(t *testing.T) {
		if _, err := s.SetCodeStatus(ctx, "pRush", "777", service.CodeConsumed, base.Add(time.Hour)); err != nil {
			t.Fatalf("SetCodeStatus: %v", err)
		}
		check(t)
	})
}

func testChangeCode(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pChange", nil))
	consumed := base.Add(time.Hour)
	mustRecord(t, s,
		service.IssuedCode{CardID: "pChange", Code: "old1", OpenID: "oAlice", Status: service.CodeConsumed,
			OuterStr: "poster", ReceivedAt: base, ConsumedAt: &consumed},
		service.IssuedCode{CardID: "pChange", Code: "taken", OpenID: "oBob", Status: service.CodeIssued, ReceivedAt: base},
		// The same code under another card does not stand in the way.
		service.IssuedCode{CardID: "pElse", Code: "new1", OpenID: "oCarol", Status: service.CodeIssued, ReceivedAt: base},
	)
	stock := stockOf(t, s, "pChange")
	old := mustGetCode(t, s, "pChange", "old1")

	t.Run("re-keys the code", func(t *testing.T) {
		if err := s.ChangeCode(ctx, "pChange", "old1", "new1"); err != nil {
			t.Fatalf("ChangeCode: got %v, want nil", err)
		}
		if _, err := s.GetCode(ctx, "pChange", "old1"); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("GetCode(old code): got %v, want ErrNotFound", err)
		}
		got := mustGetCode(t, s, "pChange", "new1")
		if got.UpdatedAt.Before(old.UpdatedAt) {
			t.Errorf("updated_at: got %v, want not before %v", got.UpdatedAt, old.UpdatedAt)
		}
		want := old
		want.Code = "new1"
		got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetCode(new code):\ngot  %+v\nwant %+v", got, want)
		}
		if got := mustGetCode(t, s, "pElse", "new1"); got.OpenID != "oCarol" {
			t.Errorf("same code of another card: got holder %q, want %q", got.OpenID, "oCarol")
		}
		counts, err := s.CountCodes(ctx, "pChange")
		if err != nil {
			t.Fatalf("CountCodes: %v", err)
		}
		if want := (service.CodeCounts{Issued: 2, Consumed: 1}); counts != want {
			t.Errorf("counts: got %+v, want %+v", counts, want)
		}
		if got := stockOf(t, s, "pChange"); got != stock {
			t.Errorf("stock: got %d, want %d (unchanged)", got, stock)
		}
	})

	tests := []struct {
		name             string
		cardID, from, to string
		want             error // nil: success; errAny: any error
	}{
		{"old code unknown", "pChange", "old1", "new2", service.ErrNotFound},
		{"card unknown", "pNobody", "new1", "new2", service.ErrNotFound},
		{"new code taken", "pChange", "new1", "taken", service.ErrConflict},
		{"to itself is a no-op", "pChange", "taken", "taken", nil},
		{"unknown code to itself", "pChange", "nope", "nope", service.ErrNotFound},
		{"empty new code", "pChange", "new1", "", errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := codesOfCard(t, s, "pChange")
			err := s.ChangeCode(ctx, tt.cardID, tt.from, tt.to)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("ChangeCode: got %v, want nil", err)
			case tt.want == errAny && err == nil:
				t.Fatalf("ChangeCode: got nil, want an error")
			case tt.want != nil && tt.want != errAny && !errors.Is(err, tt.want):
				t.Fatalf("ChangeCode: got %v, want %v", err, tt.want)
			}
			if after := codesOfCard(t, s, "pChange"); !reflect.DeepEqual(after, before) {
				t.Errorf("codes after:\ngot  %+v\nwant %+v (unchanged)", after, before)
			}
		})
	}
}

var errAny = errors.New("any error")

// codesOfCard is every code of the card, newest first.
func codesOfCard(t *testing.T, s *store.Store, cardID string) []service.IssuedCode {
	t.Helper()
	codes, _, _, err := s.ListCodesByCard(context.Background(), cardID, "", service.Page{Count: store.MaxPageSize})
	if err != nil {
		t.Fatalf("ListCodesByCard(%s): %v", cardID, err)
	}
	return codes
}

func testCountCodes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pCount", nil), card("pFresh", nil))
	statuses := []service.CodeStatus{service.CodeIssued, service.CodeIssued, service.CodeConsumed,
		service.CodeConsumed, service.CodeGifted, service.CodeDeleted, service.CodeUnavailable}
	for i, st := range statuses {
		mustRecord(t, s, service.IssuedCode{CardID: "pCount", Code: fmt.Sprint(i), OpenID: "oAlice", Status: st, ReceivedAt: base})
	}
	mustRecord(t, s,
		service.IssuedCode{CardID: "pOther", Code: "0", OpenID: "oAlice", Status: service.CodeConsumed, ReceivedAt: base},
		service.IssuedCode{CardID: "pIssuedOnly", Code: "0", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base},
	)
	// The steps run in order; a step's change is seen by those after it.
	steps := []struct {
		name   string
		change func(t *testing.T)
		cardID string
		want   service.CodeCounts
	}{
		{"every status counts as issued", nil, "pCount", service.CodeCounts{Issued: 7, Consumed: 2}},
		{"only issued", nil, "pIssuedOnly", service.CodeCounts{Issued: 1}},
		{"card in the catalogue without codes", nil, "pFresh", service.CodeCounts{}},
		{"unknown card", nil, "pNobody", service.CodeCounts{}},
		{"after consuming one more", func(t *testing.T) {
			if _, err := s.SetCodeStatus(ctx, "pCount", "0", service.CodeConsumed, base); err != nil {
				t.Fatalf("SetCodeStatus: %v", err)
			}
		}, "pCount", service.CodeCounts{Issued: 7, Consumed: 3}},
		{"after recording one more", func(t *testing.T) {
			mustRecord(t, s, service.IssuedCode{CardID: "pCount", Code: "new", OpenID: "oBob", ReceivedAt: base})
		}, "pCount", service.CodeCounts{Issued: 8, Consumed: 3}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.change != nil {
				st.change(t)
			}
			got, err := s.CountCodes(ctx, st.cardID)
			if err != nil {
				t.Fatalf("CountCodes: %v", err)
			}
			if got != st.want {
				t.Errorf("counts: got %+v, want %+v", got, st.want)
			}
		})
	}
}

func testMoveCode(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustRecord(t, s, service.IssuedCode{CardID: "pMove", Code: "m1", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base})
	mustRecord(t, s, service.IssuedCode{CardID: "pMove", Code: "m2", OpenID: "oAlice", Status: service.CodeConsumed,
		ReceivedAt: base, ConsumedAt: &base})
	steps := []struct {
		name   string
		code   string
		holder string
		to     service.CodeStatus
		from   []service.CodeStatus
		want   service.CodeStatus
	}{
		{"another holder's code stays", "m1", "oBob", service.CodeDeleted, []service.CodeStatus{service.CodeIssued}, service.CodeIssued},
		{"a state not listed stays", "m1", "oAlice", service.CodeIssued, []service.CodeStatus{service.CodeGifted}, service.CodeIssued},
		{"the holder's issued code is gifted", "m1", "oAlice", service.CodeGifted, []service.CodeStatus{service.CodeIssued}, service.CodeGifted},
		{"any holder when none is named", "m1", "", service.CodeIssued, []service.CodeStatus{service.CodeGifted}, service.CodeIssued},
		{"a consumed code is not deleted", "m2", "oAlice", service.CodeDeleted, []service.CodeStatus{service.CodeIssued, service.CodeGifted}, service.CodeConsumed},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := s.MoveCode(ctx, "pMove", st.code, st.holder, st.to, st.from...); err != nil {
				t.Fatalf("MoveCode: %v", err)
			}
			if got := mustGetCode(t, s, "pMove", st.code).Status; got != st.want {
				t.Errorf("status = %s, want %s", got, st.want)
			}
		})
	}
	t.Run("unknown code is left alone", func(t *testing.T) {
		if err := s.MoveCode(ctx, "pMove", "nope", "", service.CodeDeleted, service.CodeIssued); err != nil {
			t.Errorf("MoveCode(unknown) = %v, want nil", err)
		}
	})
}
