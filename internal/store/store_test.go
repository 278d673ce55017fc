package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// The contract suite runs over every database the store supports.

func TestMySQL(t *testing.T) {
	t.Parallel()
	runStoreContract(t, func(t *testing.T) *store.Store {
		return openMigrated(t, store.Config{MySQLDSN: testenv.MySQLDSN(t)})
	})
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	runStoreContract(t, func(t *testing.T) *store.Store {
		return openMigrated(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "coupon.db")})
	})
}

func openMigrated(t *testing.T, cfg store.Config) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func runStoreContract(t *testing.T, open func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *store.Store)
	}{
		{"migrate twice is a no-op", testMigrateTwice},
		{"card round trip", testCardRoundTrip},
		{"upsert replaces and keeps created_at", testUpsertReplaces},
		{"get unknown card", testGetUnknownCard},
		{"list cards", testListCards},
		{"issuable cards", testIssuableCards},
		{"set card status leaves the stock", testSetCardStatus},
		{"record code", testRecordCode},
		{"record code concurrently", testRecordCodeConcurrent},
		{"stock never below zero", testStockNeverBelowZero},
		{"list codes by openid", testListCodesByOpenID},
		{"list codes by card", testListCodesByCard},
		{"set code status", testSetCodeStatus},
		{"set code status concurrently", testSetCodeStatusConcurrent},
		{"move code only from the given states", testMoveCode},
		{"change code", testChangeCode},
		{"count codes", testCountCodes},
		{"admins", testAdmins},
		{"admin changes", testAdminChanges},
		{"last admin under concurrent changes", testLastAdminConcurrent},
		{"utf-8 round trip", testUTF8},
		{"audit trail", testAudit},
		{"audit entries cut to their columns", testAuditTruncates},
		{"idempotency keys", testIdempotencyKeys},
		{"card events", testEvents},
		{"stocks", testStocks},
		{"list stocks", testListStocks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, open(t))
		})
	}
}

var base = time.Date(2025, 3, 1, 8, 0, 0, 123_000_000, time.UTC)

func card(id string, mod func(*service.Card)) service.Card {
	c := service.Card{
		CardID:        id,
		CardType:      "GROUPON",
		Title:         "Coffee " + id,
		BrandName:     "Bean",
		LogoURL:       "https://mmbiz.qpic.cn/logo.png",
		Color:         "Color010",
		Status:        service.CardVerifyOK,
		Quantity:      10,
		TotalQuantity: 10,
		DateInfo:      service.DateInfo{Type: service.DatePermanent},
		CreatedAt:     base,
		UpdatedAt:     base,
	}
	if mod != nil {
		mod(&c)
	}
	return c
}

func mustUpsert(t *testing.T, s *store.Store, cards ...service.Card) {
	t.Helper()
	for _, c := range cards {
		if err := s.UpsertCard(context.Background(), c); err != nil {
			t.Fatalf("UpsertCard(%s): %v", c.CardID, err)
		}
	}
}

// stockOf is the card's stock once the counts of received codes are written.
func stockOf(t *testing.T, s *store.Store, id string) int64 {
	t.Helper()
	if err := store.FlushStock(context.Background(), s); err != nil {
		t.Fatalf("FlushStock: %v", err)
	}
	return mustGetCard(t, s, id).Quantity
}

func mustGetCard(t *testing.T, s *store.Store, id string) service.Card {
	t.Helper()
	c, err := s.GetCard(context.Background(), id)
	if err != nil {
		t.Fatalf("GetCard(%s): %v", id, err)
	}
	return c
}

func testMigrateTwice(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pKeep", nil))
	for i := range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d: got %v, want nil", i+2, err)
		}
	}
	if got := mustGetCard(t, s, "pKeep"); got.Title != "Coffee pKeep" {
		t.Errorf("card after migrating again: got title %q, want %q", got.Title, "Coffee pKeep")
	}
}

func testCardRoundTrip(t *testing.T, s *store.Store) {
	tests := []struct {
		name string
		card service.Card
	}{
		{"fixed time range with definition", card("pRange", func(c *service.Card) {
			c.DateInfo = service.DateInfo{Type: service.DateFixTimeRange, BeginTimestamp: 1735689600, EndTimestamp: 1767225600}
			c.Definition = []byte(`{"card":{"card_type":"GROUPON","groupon":{"deal_detail":"one coffee"}}}`)
			c.BindOpenID = true
			c.UseCustomCode = true
			c.GetLimit = 3
			c.Quantity, c.TotalQuantity = 7, 100
		})},
		{"fixed term without definition", card("pTerm", func(c *service.Card) {
			c.DateInfo = service.DateInfo{Type: service.DateFixTerm, FixedTerm: 30, FixedBeginTerm: 1}
			c.Status = service.CardNotVerify
			c.UpdatedAt = base.Add(time.Hour)
		})},
		{"member card with empty fields", service.Card{
			CardID: "pBare", CardType: "MEMBER_CARD", CreatedAt: base, UpdatedAt: base,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustUpsert(t, s, tt.card)
			got := mustGetCard(t, s, tt.card.CardID)
			if !reflect.DeepEqual(got, tt.card) {
				t.Errorf("GetCard:\ngot  %+v\nwant %+v", got, tt.card)
			}
		})
	}
}

func testUpsertReplaces(t *testing.T, s *store.Store) {
	first := card("pReplace", nil)
	mustUpsert(t, s, first)
	second := card("pReplace", func(c *service.Card) {
		c.Title = "Tea"
		c.Status = service.CardDeleted
		c.Quantity = 0
		c.Definition = []byte(`{"v":2}`)
		c.CreatedAt = base.Add(24 * time.Hour)
		c.UpdatedAt = base.Add(24 * time.Hour)
	})
	mustUpsert(t, s, second)
	want := second
	want.CreatedAt = first.CreatedAt
	if got := mustGetCard(t, s, "pReplace"); !reflect.DeepEqual(got, want) {
		t.Errorf("after second upsert:\ngot  %+v\nwant %+v", got, want)
	}
	_, total, _, err := s.ListCards(context.Background(), service.CardFilter{})
	if err != nil {
		t.Fatalf("ListCards: %v", err)
	}
	if total != 1 {
		t.Errorf("cards after upserting one twice: got %d, want 1", total)
	}
}

func testGetUnknownCard(t *testing.T, s *store.Store) {
	_, err := s.GetCard(context.Background(), "pNobody")
	if !errors.Is(err, service.ErrNotFound) {
		t.Errorf("GetCard(unknown): got %v, want ErrNotFound", err)
	}
}

func testListCards(t *testing.T, s *store.Store) {
	const n = 105
	var all, verified []string // newest first
	for i := range n {
		id := fmt.Sprintf("p%03d", i)
		mustUpsert(t, s, card(id, func(c *service.Card) {
			c.CreatedAt = base.Add(time.Duration(i) * time.Minute)
			if i%3 != 0 {
				c.Status = service.CardNotVerify
			}
		}))
	}
	for i := n - 1; i >= 0; i-- {
		id := fmt.Sprintf("p%03d", i)
		all = append(all, id)
		if i%3 == 0 {
			verified = append(verified, id)
		}
	}
	tests := []struct {
		name      string
		filter    service.CardFilter
		wantIDs   []string
		wantTotal int64
	}{
		{"count 0 is a page of 20", service.CardFilter{}, all[:20], n},
		{"count over 100 is capped", service.CardFilter{Count: 500}, all[:100], n},
		{"second page", service.CardFilter{Offset: 20, Count: 10}, all[20:30], n},
		{"last partial page", service.CardFilter{Offset: 100, Count: 10}, all[100:], n},
		{"offset past the end", service.CardFilter{Offset: 200}, nil, n},
		{"negative offset is 0", service.CardFilter{Offset: -5, Count: 3}, all[:3], n},
		{"status filter", service.CardFilter{Status: service.CardVerifyOK, Count: 100}, verified, int64(len(verified))},
		{"status with no cards", service.CardFilter{Status: service.CardDispatch}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards, total, _, err := s.ListCards(context.Background(), tt.filter)
			if err != nil {
				t.Fatalf("ListCards: %v", err)
			}
			if total != tt.wantTotal {
				t.Errorf("total: got %d, want %d", total, tt.wantTotal)
			}
			if got := ids(cards); !reflect.DeepEqual(got, tt.wantIDs) {
				t.Errorf("ids:\ngot  %v\nwant %v", got, tt.wantIDs)
			}
		})
	}
}

func ids(cards []service.Card) []string {
	var out []string
	for _, c := range cards {
		out = append(out, c.CardID)
	}
	return out
}

func testIssuableCards(t *testing.T, s *store.Store) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour).Unix(), now.Add(time.Hour).Unix()
	tests := []struct {
		name     string
		card     service.Card
		issuable bool
	}{
		{"permanent with stock", card("pPermanent", nil), true},
		{"time range in date", card("pRangeIn", func(c *service.Card) {
			c.DateInfo = service.DateInfo{Type: service.DateFixTimeRange, BeginTimestamp: past, EndTimestamp: future}
		}), true},
		{"time range expired", card("pRangeOut", func(c *service.Card) {
			c.DateInfo = service.DateInfo{Type: service.DateFixTimeRange, BeginTimestamp: past - 3600, EndTimestamp: past}
		}), false},
		{"fixed term without end", card("pTermOpen", func(c *service.Card) {
			c.DateInfo = service.DateInfo{Type: service.DateFixTerm, FixedTerm: 30}
		}), true},
		{"fixed term before its end", card("pTermIn", func(c *service.Card) {
			c.DateInfo = service.DateInfo{Type: service.DateFixTerm, FixedTerm: 30, EndTimestamp: future}
		}), true},
		{"fixed term after its end", card("pTermOut", func(c *service.Card) {
			c.DateInfo = service.DateInfo{Type: service.DateFixTerm, FixedTerm: 30, EndTimestamp: past}
		}), false},
		{"out of stock", card("pEmpty", func(c *service.Card) { c.Quantity = 0 }), false},
		{"under review", card("pReview", func(c *service.Card) { c.Status = service.CardNotVerify }), false},
		{"deleted", card("pDeleted", func(c *service.Card) { c.Status = service.CardDeleted }), false},
	}
	for _, tt := range tests {
		mustUpsert(t, s, tt.card)
	}
	got, err := s.ListIssuableCards(context.Background(), now)
	if err != nil {
		t.Fatalf("ListIssuableCards: %v", err)
	}
	listed := make(map[string]bool)
	for _, c := range got {
		listed[c.CardID] = true
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listed[tt.card.CardID]; got != tt.issuable {
				t.Errorf("%s listed: got %v, want %v", tt.card.CardID, got, tt.issuable)
			}
		})
	}
}

func testSetCardStatus(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pStatus", nil)) // quantity 10
	mustRecord(t, s, service.IssuedCode{CardID: "pStatus", Code: "s1", OpenID: "oAlice"},
		service.IssuedCode{CardID: "pStatus", Code: "s2", OpenID: "oBob"})
	at := base.Add(time.Hour)
	for range 2 { // the second call changes nothing and still succeeds
		if err := s.SetCardStatus(ctx, "pStatus", service.CardDeleted, at); err != nil {
			t.Fatalf("SetCardStatus: %v", err)
		}
	}
	got := mustGetCard(t, s, "pStatus")
	if got.Status != service.CardDeleted || !got.UpdatedAt.Equal(at) || got.Title != "Coffee pStatus" {
		t.Errorf("card = %+v, want deleted at %v, the rest kept", got, at)
	}
	if q := stockOf(t, s, "pStatus"); q != 8 {
		t.Errorf("stock = %d, want 8: a status change keeps the synced figure and the receipts since", q)
	}
	if err := s.SetCardStatus(ctx, "pNowhere", service.CardVerifyOK, at); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("SetCardStatus(unknown card) = %v, want ErrNotFound", err)
	}
}

func testRecordCode(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pStock", nil)) // quantity 10
	consumed := base.Add(2 * time.Hour)
	consumedLater := consumed.Add(time.Hour)
	// The steps run in order; each sees what the ones before stored.
	steps := []struct {
		name        string
		in          service.IssuedCode
		wantCreated bool
		want        service.IssuedCode
		wantStock   int64
	}{
		{
			name: "new code",
			in: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oAlice",
				Status: service.CodeIssued, OuterStr: "poster", ReceivedAt: base},
			wantCreated: true,
			want: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oAlice",
				Status: service.CodeIssued, OuterStr: "poster", ReceivedAt: base},
			wantStock: 9,
		},
		{
			name: "same code again keeps received_at",
			in: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oAlice",
				Status: service.CodeIssued, OuterStr: "poster", ReceivedAt: base.Add(time.Hour)},
			want: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oAlice",
				Status: service.CodeIssued, OuterStr: "poster", ReceivedAt: base},
			wantStock: 9,
		},
		{
			name: "gifted to another holder",
			in: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeGifted, OuterStr: "gift", ReceivedAt: base.Add(time.Hour)},
			want: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeGifted, OuterStr: "gift", ReceivedAt: base},
			wantStock: 9,
		},
		{
			name: "consumed",
			in: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeConsumed, OuterStr: "gift", ConsumedAt: &consumed},
			want: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeConsumed, OuterStr: "gift", ReceivedAt: base, ConsumedAt: &consumed},
			wantStock: 9,
		},
		{
			name: "a consumed code is not moved back to issued",
			in: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeIssued, OuterStr: "late", ReceivedAt: base.Add(time.Hour)},
			want: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeConsumed, OuterStr: "late", ReceivedAt: base, ConsumedAt: &consumed},
			wantStock: 9,
		},
		{
			name: "a repeat without outer_str or with a later consumption keeps both",
			in: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeConsumed, ConsumedAt: &consumedLater},
			want: service.IssuedCode{CardID: "pStock", Code: "111222333444", OpenID: "oBob",
				Status: service.CodeConsumed, OuterStr: "late", ReceivedAt: base, ConsumedAt: &consumed},
			wantStock: 9,
		},
		{
			name: "same code of another card is another code",
			in: service.IssuedCode{CardID: "pStock2", Code: "111222333444", OpenID: "oAlice",
				ReceivedAt: base},
			wantCreated: true,
			want: service.IssuedCode{CardID: "pStock2", Code: "111222333444", OpenID: "oAlice",
				Status: service.CodeIssued, ReceivedAt: base},
			wantStock: 9,
		},
		{
			name: "code of a card not in the catalogue",
			in: service.IssuedCode{CardID: "pElsewhere", Code: "999", OpenID: "oAlice",
				Status: service.CodeIssued, ReceivedAt: base},
			wantCreated: true,
			want: service.IssuedCode{CardID: "pElsewhere", Code: "999", OpenID: "oAlice",
				Status: service.CodeIssued, ReceivedAt: base},
			wantStock: 9,
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			stored, created, err := s.RecordCode(ctx, st.in)
			if err != nil {
				t.Fatalf("RecordCode: %v", err)
			}
			if created != st.wantCreated {
				t.Errorf("created: got %v, want %v", created, st.wantCreated)
			}
			if stored.UpdatedAt.IsZero() {
				t.Errorf("updated_at: got zero, want set")
			}
			stored.UpdatedAt = time.Time{}
			if !reflect.DeepEqual(stored, st.want) {
				t.Errorf("stored:\ngot  %+v\nwant %+v", stored, st.want)
			}
			got, err := s.GetCode(ctx, st.in.CardID, st.in.Code)
			if err != nil {
				t.Fatalf("GetCode: %v", err)
			}
			got.UpdatedAt = time.Time{}
			if !reflect.DeepEqual(got, st.want) {
				t.Errorf("GetCode:\ngot  %+v\nwant %+v", got, st.want)
			}
			if got := stockOf(t, s, "pStock"); got != st.wantStock {
				t.Errorf("stock: got %d, want %d", got, st.wantStock)
			}
		})
	}
	t.Run("unchanged repeat writes nothing", func(t *testing.T) {
		before := mustGetCode(t, s, "pStock", "111222333444")
		time.Sleep(5 * time.Millisecond) // past the schema's millisecond, so a write would show
		again := before
		again.ReceivedAt, again.UpdatedAt = base.Add(3*time.Hour), time.Time{}
		stored, created, err := s.RecordCode(ctx, again)
		if err != nil || created {
			t.Fatalf("RecordCode = created %v, %v; want an existing row", created, err)
		}
		if !reflect.DeepEqual(stored, before) {
			t.Errorf("stored:\ngot  %+v\nwant %+v", stored, before)
		}
		if after := mustGetCode(t, s, "pStock", "111222333444"); !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("updated_at moved from %v to %v on a repeat that changed nothing", before.UpdatedAt, after.UpdatedAt)
		}
	})
	t.Run("get unknown code", func(t *testing.T) {
		_, err := s.GetCode(ctx, "pStock", "000")
		if !errors.Is(err, service.ErrNotFound) {
			t.Errorf("GetCode(unknown): got %v, want ErrNotFound", err)
		}
	})
}

func testRecordCodeConcurrent(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pRace", func(c *service.Card) { c.Quantity = 5 }))
	const n = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		errs    []error
	)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, c, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pRace", Code: "424242", OpenID: "oRacer",
				Status: service.CodeIssued, OuterStr: fmt.Sprint(i), ReceivedAt: base})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if c {
				created++
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Errorf("errors: got %d (first: %v), want none", len(errs), errs[0])
	}
	if created != 1 {
		t.Errorf("calls that created the code: got %d, want 1", created)
	}
	codes, _, err := s.ListCodesByOpenID(ctx, "oRacer", "", service.Page{All: true})
	if err != nil {
		t.Fatalf("ListCodesByOpenID: %v", err)
	}
	if len(codes) != 1 {
		t.Errorf("rows: got %d, want 1", len(codes))
	}
	if got := stockOf(t, s, "pRace"); got != 4 {
		t.Errorf("stock: got %d, want 4", got)
	}
}

func testStockNeverBelowZero(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pScarce", func(c *service.Card) { c.Quantity = 3 }))
	const n = 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		news int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created, err := s.RecordCode(ctx, service.IssuedCode{CardID: "pScarce", Code: fmt.Sprintf("c%02d", i),
				OpenID: "oMany", ReceivedAt: base.Add(time.Duration(i) * time.Second)})
			if err != nil {
				t.Errorf("RecordCode(c%02d): %v", i, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if created {
				news++
			}
		}()
	}
	wg.Wait()
	if news != n {
		t.Errorf("codes created: got %d, want %d", news, n)
	}
	if got := stockOf(t, s, "pScarce"); got != 0 {
		t.Errorf("stock after %d codes of 3: got %d, want 0", n, got)
	}
}

func testListCodesByOpenID(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, card("pLatte", func(c *service.Card) { c.Title = "Latte" }),
		card("pMocha", func(c *service.Card) { c.Title = "Mocha" }))
	record := []service.IssuedCode{
		{CardID: "pLatte", Code: "1", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base},
		{CardID: "pMocha", Code: "2", OpenID: "oAlice", Status: service.CodeConsumed, ReceivedAt: base.Add(time.Minute)},
		{CardID: "pGone", Code: "3", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base.Add(2 * time.Minute)},
		{CardID: "pLatte", Code: "4", OpenID: "oBob", Status: service.CodeIssued, ReceivedAt: base.Add(3 * time.Minute)},
		{CardID: "pLatte", Code: "5", OpenID: "oAlice", Status: service.CodeIssued, ReceivedAt: base.Add(1500 * time.Millisecond)},
	}
	for _, c := range record {
		if _, _, err := s.RecordCode(ctx, c); err != nil {
			t.Fatalf("RecordCode(%s): %v", c.Code, err)
		}
	}
	type item struct{ Code, Title string }
	tests := []struct {
		name   string
		openid string
		status service.CodeStatus
		want   []item
	}{
		{"all of a user, newest first", "oAlice", "", []item{{"3", ""}, {"2", "Mocha"}, {"5", "Latte"}, {"1", "Latte"}}},
		{"issued only", "oAlice", service.CodeIssued, []item{{"3", ""}, {"5", "Latte"}, {"1", "Latte"}}},
		{"consumed only", "oAlice", service.CodeConsumed, []item{{"2", "Mocha"}}},
		{"another user", "oBob", "", []item{{"4", "Latte"}}},
		{"a user with none", "oCarol", "", nil},
		{"a status with none", "oBob", service.CodeGifted, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes, _, err := s.ListCodesByOpenID(ctx, tt.openid, tt.status, service.Page{All: true})
			if err != nil {
				t.Fatalf("ListCodesByOpenID: %v", err)
			}
			var got []item
			for _, c := range codes {
				got = append(got, item{c.Code, c.Title})
				if c.OpenID != tt.openid {
					t.Errorf("code %s: got openid %q, want %q", c.Code, c.OpenID, tt.openid)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("codes:\ngot  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func testAdmins(t *testing.T, s *store.Store) {
	ctx := context.Background()
	in := service.AdminUser{Username: "alice", PasswordHash: "$2a$10$hash", Role: service.RoleAdmin, CreatedAt: base}
	created, err := s.CreateAdmin(ctx, in)
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	if created.ID == 0 {
		t.Errorf("id: got 0, want an id")
	}
	tests := []struct {
		name    string
		run     func() (service.AdminUser, error)
		want    service.AdminUser
		wantErr error
	}{
		{"get created", func() (service.AdminUser, error) { return s.GetAdmin(ctx, "alice") },
			service.AdminUser{ID: created.ID, Username: "alice", PasswordHash: "$2a$10$hash", Role: service.RoleAdmin, CreatedAt: base}, nil},
		{"duplicate username", func() (service.AdminUser, error) {
			return s.CreateAdmin(ctx, service.AdminUser{Username: "alice", PasswordHash: "x", Role: service.RoleClerk})
		}, service.AdminUser{}, service.ErrConflict},
		{"get unknown", func() (service.AdminUser, error) { return s.GetAdmin(ctx, "mallory") },
			service.AdminUser{}, service.ErrNotFound},
		{"username is case-sensitive", func() (service.AdminUser, error) { return s.GetAdmin(ctx, "ALICE") },
			service.AdminUser{}, service.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.run()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error: got %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("admin:\ngot  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	t.Run("second admin gets another id", func(t *testing.T) {
		bob, err := s.CreateAdmin(ctx, service.AdminUser{Username: "bob", PasswordHash: "h", Role: service.RoleClerk})
		if err != nil {
			t.Fatalf("CreateAdmin: %v", err)
		}
		if bob.ID == created.ID || bob.ID == 0 {
			t.Errorf("id: got %d, want non-zero and not %d", bob.ID, created.ID)
		}
		if bob.CreatedAt.IsZero() {
			t.Errorf("created_at: got zero, want now")
		}
	})
}

func testUTF8(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tests := []struct {
		name  string
		title string
		brand string
	}{
		{"chinese", "星巴克咖啡 10 元代金券", "星巴克"},
		{"emoji (4-byte utf-8)", "咖啡 ☕️🎉", "品牌🍵"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("pUTF%d", i)
			want := card(id, func(c *service.Card) {
				c.Title, c.BrandName = tt.title, tt.brand
				c.Definition = []byte(`{"title":"` + tt.title + `"}`)
			})
			mustUpsert(t, s, want)
			if got := mustGetCard(t, s, id); !reflect.DeepEqual(got, want) {
				t.Errorf("GetCard:\ngot  %+v\nwant %+v", got, want)
			}
			if _, _, err := s.RecordCode(ctx, service.IssuedCode{CardID: id, Code: "1", OpenID: "oUTF", ReceivedAt: base}); err != nil {
				t.Fatalf("RecordCode: %v", err)
			}
			codes, _, err := s.ListCodesByOpenID(ctx, "oUTF", "", service.Page{All: true})
			if err != nil {
				t.Fatalf("ListCodesByOpenID: %v", err)
			}
			found := false
			for _, c := range codes {
				if c.CardID == id {
					found = true
					if c.Title != tt.title {
						t.Errorf("joined title: got %q, want %q", c.Title, tt.title)
					}
				}
			}
			if !found {
				t.Errorf("code of %s not listed", id)
			}
		})
	}
}

// Opening, beyond the contract.

func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		path func(t *testing.T) string
	}{
		{"in memory", func(*testing.T) string { return ":memory:" }},
		{"creates the parent directory", func(t *testing.T) string {
			return filepath.Join(t.TempDir(), "a", "b", "coupon.db")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := tt.path(t)
			s := openMigrated(t, store.Config{SQLitePath: path})
			if got := s.Dialect(); got != store.DialectSQLite {
				t.Errorf("Dialect: got %q, want %q", got, store.DialectSQLite)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping: got %v, want nil", err)
			}
			mustUpsert(t, s, card("pOpen", nil))
			mustGetCard(t, s, "pOpen")
			if path != ":memory:" {
				if _, err := os.Stat(path); err != nil {
					t.Errorf("database file: %v", err)
				}
			}
		})
	}
}

func TestOpenMySQLDialect(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, store.Config{MySQLDSN: testenv.MySQLDSN(t), SQLitePath: "ignored.db"})
	if got := s.Dialect(); got != store.DialectMySQL {
		t.Errorf("Dialect: got %q, want %q", got, store.DialectMySQL)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  store.Config
	}{
		{"nothing configured", store.Config{}},
		{"malformed MySQL DSN", store.Config{MySQLDSN: "not a dsn"}},
		{"MySQL not listening", store.Config{MySQLDSN: "root:@tcp(127.0.0.1:1)/coupon?timeout=1s"}},
		{"SQLite path with a query", store.Config{SQLitePath: "x.db?mode=ro"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := store.Open(context.Background(), tt.cfg, nil)
			if err == nil {
				s.Close()
				t.Fatalf("Open: got nil error, want one")
			}
		})
	}
}
