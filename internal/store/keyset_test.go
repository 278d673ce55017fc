package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// Cursor pages (keyset) walk every list to its last page, through page
// boundaries inside runs of equal timestamps, and match the offset order.

func TestKeysetMySQL(t *testing.T) {
	t.Parallel()
	testKeyset(t, func(t *testing.T) *store.Store {
		return openMigrated(t, store.Config{MySQLDSN: testenv.MySQLDSN(t)})
	})
}

func TestKeysetSQLite(t *testing.T) {
	t.Parallel()
	testKeyset(t, func(t *testing.T) *store.Store {
		return openMigrated(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "coupon.db")})
	})
}

func testKeyset(t *testing.T, open func(t *testing.T) *store.Store) {
	for name, run := range map[string]func(*testing.T, *store.Store){
		"codes of a card": testKeysetCardCodes,
		"codes of a user": testKeysetUserCodes,
		"audit":           testKeysetAudit,
		"cards":           testKeysetCards,
		"members":         testKeysetMembers,
		"stock coupons":   testKeysetCoupons,
		"bad cursors":     testKeysetBadCursor,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run(t, open(t))
		})
	}
}

// walk reads pages of count through next until a page has none, and returns
// every item's key in order. It fails when a page other than the last is short,
// or when the walk does not end.
func walk[T any](t *testing.T, count int, key func(T) string,
	fetch func(after *service.Cursor) ([]T, *service.Cursor, error)) []string {
	t.Helper()
	var out []string
	var after *service.Cursor
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the walk did not end")
		}
		items, next, err := fetch(after)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, it := range items {
			out = append(out, key(it))
		}
		if next == nil {
			return out
		}
		if len(items) != count {
			t.Fatalf("page %d: %d items and a next cursor, want a full page of %d", pages, len(items), count)
		}
		// The cursor travels as the opaque string a client sends back.
		if after, err = service.ParseCursor("after", next.Encode()); err != nil {
			t.Fatalf("page %d: next %q does not parse: %v", pages, next.Encode(), err)
		}
	}
}

// at groups rows in runs of 3 with the same millisecond.
func at(i int) time.Time { return base.Add(time.Duration(i/3) * time.Second) }

func codeKey(c service.IssuedCode) string { return c.Code }

func testKeysetCardCodes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pKeys", nil))
	const n = 23
	var want, consumed []string // newest first: later time, then later insert
	for i := range n {
		st := service.CodeIssued
		if i%4 == 0 {
			st = service.CodeConsumed
		}
		code := fmt.Sprintf("k%02d", i)
		if _, _, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pKeys", Code: code, OpenID: "oKeys", Status: st, ReceivedAt: at(i)}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{code}, want...)
		if st == service.CodeConsumed {
			consumed = append([]string{code}, consumed...)
		}
	}
	for _, count := range []int{1, 2, 3, 4, 5, 22, 23, 100} {
		got := walk(t, count, codeKey, func(after *service.Cursor) ([]service.IssuedCode, *service.Cursor, error) {
			codes, total, next, err := s.ListCodesByCard(ctx, "pKeys", "", service.Page{Count: count, After: after})
			if err == nil && after == nil && total != n {
				t.Errorf("count %d: first page total %d, want %d", count, total, n)
			}
			if err == nil && after != nil && total != 0 {
				t.Errorf("count %d: a cursor page counted %d, want no count", count, total)
			}
			return codes, next, err
		})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("count %d:\ngot  %v\nwant %v", count, got, want)
		}
	}
	got := walk(t, 2, codeKey, func(after *service.Cursor) ([]service.IssuedCode, *service.Cursor, error) {
		codes, _, next, err := s.ListCodesByCard(ctx, "pKeys", service.CodeConsumed, service.Page{Count: 2, After: after})
		return codes, next, err
	})
	if !reflect.DeepEqual(got, consumed) {
		t.Errorf("consumed:\ngot  %v\nwant %v", got, consumed)
	}
	// Offset pages agree with cursor pages, and report next too.
	var byOffset []string
	for off := 0; ; off += 4 {
		codes, _, next, err := s.ListCodesByCard(ctx, "pKeys", "", service.Page{Offset: off, Count: 4})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			byOffset = append(byOffset, c.Code)
		}
		if (next == nil) != (off+4 >= n) {
			t.Fatalf("offset %d: next %v, want one only while rows follow", off, next)
		}
		if next == nil {
			break
		}
	}
	if !reflect.DeepEqual(byOffset, want) {
		t.Errorf("offset pages:\ngot  %v\nwant %v", byOffset, want)
	}

	// Stable under inserts: codes received after the first page was read do
	// not shift the pages that follow (an offset would repeat a row).
	first, _, next, err := s.ListCodesByCard(ctx, "pKeys", "", service.Page{Count: 5})
	if err != nil || next == nil || len(first) != 5 {
		t.Fatalf("first page: %d codes, next %v, %v", len(first), next, err)
	}
	for i := range 3 {
		if _, _, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pKeys", Code: fmt.Sprintf("new%d", i), OpenID: "oKeys", ReceivedAt: at(n + 10)}); err != nil {
			t.Fatal(err)
		}
	}
	rest, _, _, err := s.ListCodesByCard(ctx, "pKeys", "", service.Page{Count: 5, After: next})
	if err != nil {
		t.Fatal(err)
	}
	var restKeys []string
	for _, c := range rest {
		restKeys = append(restKeys, c.Code)
	}
	if !reflect.DeepEqual(restKeys, want[5:10]) {
		t.Errorf("second page after inserts: got %v, want %v", restKeys, want[5:10])
	}
}

func testKeysetUserCodes(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var want []string
	for i := range 10 {
		code := fmt.Sprintf("u%02d", i)
		if _, _, err := s.RecordCode(ctx, service.IssuedCode{CardID: fmt.Sprintf("pUser%d", i%2), Code: code, OpenID: "oWalker", ReceivedAt: at(i)}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{code}, want...)
	}
	if _, _, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pUser0", Code: "other", OpenID: "oOther", ReceivedAt: at(4)}); err != nil {
		t.Fatal(err)
	}
	got := walk(t, 3, codeKey, func(after *service.Cursor) ([]service.IssuedCode, *service.Cursor, error) {
		return s.ListCodesByOpenID(ctx, "oWalker", "", service.Page{Count: 3, After: after})
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages:\ngot  %v\nwant %v", got, want)
	}
	all, next, err := s.ListCodesByOpenID(ctx, "oWalker", "", service.Page{All: true})
	if err != nil || next != nil || len(all) != 10 {
		t.Errorf("all: %d codes, next %v, %v; want 10 and no next", len(all), next, err)
	}
}

func testKeysetAudit(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var want []string
	for i := range 14 {
		action := fmt.Sprintf("a%02d", i)
		if err := s.AppendAudit(ctx, service.AuditEntry{At: at(i), Actor: "boss", Role: service.RoleAdmin, Action: action, Result: "ok"}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{action}, want...)
	}
	got := walk(t, 4, func(e service.AuditEntry) string { return e.Action },
		func(after *service.Cursor) ([]service.AuditEntry, *service.Cursor, error) {
			return s.ListAudit(ctx, service.Page{Count: 4, After: after})
		})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages:\ngot  %v\nwant %v", got, want)
	}
}

func testKeysetCards(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var want []string // newest first, then card_id descending
	for i := range 11 {
		id := fmt.Sprintf("p%02d", i)
		mustUpsert(t, s, card(id, func(c *service.Card) { c.CreatedAt = at(i) }))
		want = append([]string{id}, want...)
	}
	got := walk(t, 2, func(c service.Card) string { return c.CardID },
		func(after *service.Cursor) ([]service.Card, *service.Cursor, error) {
			cards, _, next, err := s.ListCards(ctx, service.CardFilter{Count: 2, After: after})
			return cards, next, err
		})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages:\ngot  %v\nwant %v", got, want)
	}
}

func testKeysetMembers(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var want []string
	for i := range 8 {
		code := fmt.Sprintf("2000000000%02d", i)
		m := service.Member{CardID: "pClub", Code: code, OpenID: fmt.Sprintf("o%d", i), MembershipNumber: code, ActivatedAt: at(i)}
		if _, _, err := s.CreateMember(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
		want = append([]string{code}, want...)
	}
	got := walk(t, 3, func(m service.Member) string { return m.Code },
		func(after *service.Cursor) ([]service.Member, *service.Cursor, error) {
			ms, _, next, err := s.ListMembers(ctx, "pClub", service.Page{Count: 3, After: after})
			return ms, next, err
		})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages:\ngot  %v\nwant %v", got, want)
	}
}

func testKeysetCoupons(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var want []string // newest first, then coupon_code descending
	for i := range 9 {
		code := fmt.Sprintf("C%02d", i)
		if _, _, err := s.RecordCoupon(ctx, service.Coupon{StockID: "1201", CouponCode: code, OpenID: "o-1", ReceivedAt: at(i)}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{code}, want...)
	}
	if _, _, err := s.RecordCoupon(ctx, service.Coupon{StockID: "1202", CouponCode: "C04", OpenID: "o-1", ReceivedAt: at(4)}); err != nil {
		t.Fatal(err)
	}
	got := walk(t, 2, func(c service.Coupon) string { return c.CouponCode },
		func(after *service.Cursor) ([]service.Coupon, *service.Cursor, error) {
			list, _, next, err := s.ListCoupons(ctx, service.CouponFilter{StockID: "1201", Count: 2, After: after})
			return list, next, err
		})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages:\ngot  %v\nwant %v", got, want)
	}
}

func testKeysetBadCursor(t *testing.T, s *store.Store) {
	ctx := context.Background()
	textKey := &service.Cursor{At: base, Key: "pSomeCard"}
	if _, _, _, err := s.ListCodesByCard(ctx, "pX", "", service.Page{After: textKey}); service.KindOf(err) != service.KindInvalid {
		t.Errorf("a card cursor on a code list: %v, want invalid_argument", err)
	}
	if _, _, _, err := s.ListCoupons(ctx, service.CouponFilter{OpenID: "o", After: textKey}); !errors.As(err, new(*service.Error)) {
		t.Errorf("a coupon cursor without a stock: %v, want invalid_argument", err)
	}
}
