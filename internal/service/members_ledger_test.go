package service_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/cache"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

// The ledger of member cards against MariaDB and Redis, with WeChat's
// updateuser played by fakeMemberWeChat: exactly once under concurrency,
// repeats and faults, pushes of one member never overlapping, and what one
// change costs the database.

// fakeMemberWeChat keeps each member's totals as card/membercard/updateuser
// does (absolute totals win). Faults: every failEvery-th push, the first
// included, is refused (-1, nothing applied; the first, so that faults are
// met however few pushes the changes share) and every lostEvery-th times out and is applied
// landAfter later (a request WeChat processes after the client gave up).
// Two pushes of one member in flight at once (a late one included) count
// as an overlap.
type fakeMemberWeChat struct {
	mu                   sync.Mutex
	totals               map[string]service.MemberTotals
	inFlight             map[string]bool
	overlaps, calls      int
	failEvery, lostEvery int
	delay, landAfter     time.Duration
}

func newFakeMemberWeChat() *fakeMemberWeChat {
	return &fakeMemberWeChat{totals: map[string]service.MemberTotals{}, inFlight: map[string]bool{}}
}

func (f *fakeMemberWeChat) PushTotals(_ context.Context, p service.TotalsPush) (service.MemberTotals, error) {
	key := p.CardID + "|" + p.Code
	f.mu.Lock()
	f.calls++
	n := f.calls
	if f.inFlight[key] {
		f.overlaps++
	}
	f.inFlight[key] = true
	f.mu.Unlock()
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	apply := func() service.MemberTotals {
		f.inFlight[key] = false
		t := f.totals[key]
		if p.Bonus != nil {
			t.Bonus = *p.Bonus
		}
		if p.Balance != nil {
			t.Balance = *p.Balance
		}
		f.totals[key] = t
		return t
	}
	switch {
	case f.failEvery > 0 && (n-1)%f.failEvery == 0:
		f.inFlight[key] = false
		return service.MemberTotals{}, &service.Error{Kind: service.KindUpstream, Message: "system error (-1)"}
	case f.lostEvery > 0 && n%f.lostEvery == 0:
		time.AfterFunc(f.landAfter, func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			apply()
		})
		return service.MemberTotals{}, &service.Error{Kind: service.KindUpstreamUnavailable, Message: "timeout",
			Err: context.DeadlineExceeded}
	}
	return apply(), nil
}

func (f *fakeMemberWeChat) get(cardID, code string) service.MemberTotals {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.totals[cardID+"|"+code]
}

func (f *fakeMemberWeChat) ActivateMember(context.Context, service.MemberActivation) error {
	return nil
}
func (f *fakeMemberWeChat) ActivationForm(context.Context, string) (service.MemberForm, error) {
	return service.MemberForm{}, nil
}
func (f *fakeMemberWeChat) SetActivationForm(context.Context, string, []byte) error { return nil }
func (f *fakeMemberWeChat) ActivationURL(context.Context, string, string) (service.ActivationURL, error) {
	return service.ActivationURL{}, nil
}
func (f *fakeMemberWeChat) MemberInfo(context.Context, string, string) (service.ProviderMember, error) {
	return service.ProviderMember{}, errors.New("not used")
}

const ledgerCard = "pLedgerCard"

// newLedgerMembers creates n members of ledgerCard (codes 3000…) in st, with
// zero totals.
func newLedgerMembers(t testing.TB, st *store.Store, n int) []string {
	t.Helper()
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("3%011d", i)
		m := service.Member{CardID: ledgerCard, Code: codes[i], OpenID: "o" + codes[i], MembershipNumber: codes[i], ActivatedAt: time.Now()}
		if _, _, err := st.CreateMember(context.Background(), m, nil); err != nil {
			t.Fatal(err)
		}
	}
	return codes
}

// newLedgerService: a push holds the member's lease for at most 2 s (on a
// loaded machine a push, two statements and a WeChat call, can take a
// second), and one that timed out keeps it that long (more than the fake's
// landAfter).
func newLedgerService(st *store.Store, kv *cache.Redis, wx *fakeMemberWeChat) *service.Members {
	return service.NewMembers(st, nil, nil, nil, wx, kv, service.MembersConfig{SyncWait: 5 * time.Second, LockTTL: 2 * time.Second},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

// Two replicas change one member at once: 64 changes with distinct
// request_ids and 64 repeats of them, while pushes fail (-1) or lose their
// answer (timeouts, applied at WeChat). Afterwards (retries complete what is pending) every
// request_id is applied once, each change has one audit entry, the ledger
// adds up to the totals, WeChat holds the totals, and no two pushes of the
// member overlapped.
func TestMemberLedgerExactlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openMySQLStore(t, testenv.MySQLDSN(t))
	rdb, prefix := testenv.Redis(t)
	kv := cache.NewRedisFromClient(rdb, prefix)
	wx := newFakeMemberWeChat()
	wx.failEvery, wx.lostEvery, wx.delay, wx.landAfter = 2, 3, 3*time.Millisecond, 100*time.Millisecond
	code := newLedgerMembers(t, st, 1)[0]
	replicas := []*service.Members{newLedgerService(st, kv, wx), newLedgerService(st, kv, wx)}

	const n = 64
	change := func(i int) service.LedgerChange {
		kind, delta := service.LedgerBalance, int64(1000+i)
		if i%4 == 0 {
			kind, delta = service.LedgerBonus, int64(i+1)
		}
		if i%2 == 1 && i > n/2 {
			delta = -int64(i) // charges, after enough was added before: some may come first and be refused
		}
		return service.LedgerChange{CardID: ledgerCard, Code: code, Kind: kind, Delta: delta, Record: "测试",
			RequestID: fmt.Sprintf("req-%d", i), Actor: "clerk",
			Audit: &service.AuditEntry{Actor: "clerk", Role: service.RoleClerk, Action: "member." + string(kind), Target: code}}
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results = map[string][]int64{} // request_id → totals answered
		kinds   = map[service.Kind]int{}
		audited int
	)
	for round := range 2 {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e, a, err := replicas[(i+round)%2].Change(ctx, change(i))
				mu.Lock()
				defer mu.Unlock()
				if a {
					audited++
				}
				if err != nil {
					kinds[service.KindOf(err)]++
					return
				}
				results[e.RequestID] = append(results[e.RequestID], e.Total)
			}()
		}
	}
	wg.Wait()
	t.Logf("errors under fire: %v; pushes: %d", kinds, wx.calls)
	for k := range kinds {
		if k != service.KindUpstream && k != service.KindUpstreamUnavailable && k != service.KindConflict {
			t.Errorf("error kinds %v: want only upstream errors and refused charges", kinds)
		}
	}
	if kinds[service.KindUpstream]+kinds[service.KindUpstreamUnavailable] == 0 {
		t.Errorf("the faults left nothing pending: %v", kinds)
	}

	// Retries (without faults) complete what is pending and answer the first total.
	wx.mu.Lock()
	wx.failEvery, wx.lostEvery = 0, 0
	wx.mu.Unlock()
	recorded := 0
	for i := range n {
		e, a, err := replicas[i%2].Change(ctx, change(i))
		for attempt := 0; service.KindOf(err) == service.KindUpstreamUnavailable && attempt < 20; attempt++ {
			time.Sleep(100 * time.Millisecond) // a lease kept after a timeout
			e, a, err = replicas[i%2].Change(ctx, change(i))
		}
		if a {
			audited++
		}
		if service.KindOf(err) == service.KindConflict {
			continue // a charge that did not fit when it came: never recorded
		}
		if err != nil {
			t.Fatalf("retry of req-%d: %v", i, err)
		}
		recorded++
		for _, total := range results[e.RequestID] {
			if total != e.Total {
				t.Errorf("%s answered total %d, then %d", e.RequestID, total, e.Total)
			}
		}
	}
	if audited != recorded {
		t.Errorf("%d changes recorded with their audit entry, %d recorded", audited, recorded)
	}
	trail, _, err := st.ListAudit(ctx, service.Page{Count: 100})
	if err != nil || len(trail) != recorded {
		t.Errorf("audit trail has %d entries (%v), want one per recorded change (%d)", len(trail), err, recorded)
	}

	entries, total, err := st.ListLedger(ctx, ledgerCard, code, 0, 100)
	if err != nil || int(total) != recorded {
		t.Fatalf("ledger: %d entries (%v), want %d", total, err, recorded)
	}
	seen := map[string]bool{}
	var sums service.MemberTotals
	for _, e := range entries {
		if seen[e.RequestID] {
			t.Errorf("%s is in the ledger twice", e.RequestID)
		}
		seen[e.RequestID] = true
		if e.Status != service.LedgerApplied {
			t.Errorf("%s is %s after the retries", e.RequestID, e.Status)
		}
		if e.Kind == service.LedgerBonus {
			sums.Bonus += e.Delta
		} else {
			sums.Balance += e.Delta
		}
	}
	m, err := st.GetMember(ctx, ledgerCard, code)
	if err != nil {
		t.Fatal(err)
	}
	if m.Bonus != sums.Bonus || m.Balance != sums.Balance {
		t.Errorf("totals %d/%d, ledger sums %d/%d", m.Bonus, m.Balance, sums.Bonus, sums.Balance)
	}
	time.Sleep(2 * wx.landAfter) // late pushes land
	if got := wx.get(ledgerCard, code); got.Bonus != m.Bonus || got.Balance != m.Balance {
		t.Errorf("WeChat holds %+v, the service %d/%d", got, m.Bonus, m.Balance)
	}
	if wx.overlaps != 0 {
		t.Errorf("%d pushes of the member overlapped another", wx.overlaps)
	}

	// A charge beyond the balance: conflict on delta, nothing written.
	_, a, err := replicas[0].Change(ctx, service.LedgerChange{CardID: ledgerCard, Code: code, Kind: service.LedgerBalance,
		Delta: -(m.Balance + 1), RequestID: "too-much", Audit: &service.AuditEntry{Actor: "clerk"}})
	if e := (*service.Error)(nil); !errors.As(err, &e) || e.Kind != service.KindConflict || e.Details["field"] != "delta" || a {
		t.Errorf("a charge beyond the balance: %v (audited %v), want conflict on delta", err, a)
	}
	if _, n, _ := st.ListLedger(ctx, ledgerCard, code, 0, 1); n != total {
		t.Errorf("the refused charge left an entry (%d → %d)", total, n)
	}
}

// A recorded change whose push failed is completed by the member's next
// change, which pushes both in one updateuser.
func TestMemberLedgerNextChangeCompletesPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openMySQLStore(t, testenv.MySQLDSN(t))
	rdb, prefix := testenv.Redis(t)
	wx := newFakeMemberWeChat()
	s := newLedgerService(st, cache.NewRedisFromClient(rdb, prefix), wx)
	code := newLedgerMembers(t, st, 1)[0]

	wx.failEvery = 1
	first := service.LedgerChange{CardID: ledgerCard, Code: code, Kind: service.LedgerBonus, Delta: 5, RequestID: "a"}
	if _, _, err := s.Change(ctx, first); service.KindOf(err) != service.KindUpstream {
		t.Fatalf("change with WeChat refusing: %v, want upstream_error", err)
	}
	wx.failEvery = 0
	e, _, err := s.Change(ctx, service.LedgerChange{CardID: ledgerCard, Code: code, Kind: service.LedgerBalance, Delta: 7, RequestID: "b"})
	if err != nil || e.Total != 7 || e.Status != service.LedgerApplied {
		t.Fatalf("next change = %+v, %v", e, err)
	}
	if got := wx.get(ledgerCard, code); got.Bonus != 5 || got.Balance != 7 {
		t.Errorf("WeChat holds %+v, want 5 points and 7 fen", got)
	}
	if _, pending, err := st.PendingTotals(ctx, ledgerCard, code); err != nil || len(pending) != 0 {
		t.Errorf("%d entries pending after the next change (%v)", len(pending), err)
	}
	calls := wx.calls
	if again, _, err := s.Change(ctx, first); err != nil || again.Total != 5 || wx.calls != calls {
		t.Errorf("retry of the first = %+v, %v, %d pushes; want its entry, no push", again, err, wx.calls-calls)
	}
}

// What one change costs MariaDB when nothing else touches the member: the
// statements (BEGIN and COMMIT included) and durable commits, counted on the
// wire. The budget is one transaction (lock reading the totals and what is
// pending, insert, total, audit) and one UPDATE marking it applied: the
// lease is taken before the transaction, so no read under the lease.
func TestMemberLedgerStatementsPerChange(t *testing.T) {
	t.Parallel()
	wire := countSQL(t)
	st := openMySQLStore(t, wire.dsn(testenv.MySQLDSN(t)))
	rdb, prefix := testenv.Redis(t)
	s := newLedgerService(st, cache.NewRedisFromClient(rdb, prefix), newFakeMemberWeChat())
	codes := newLedgerMembers(t, st, 4)
	const changes = 40
	before := wire.snapshot()
	for i := range changes {
		_, _, err := s.Change(context.Background(), service.LedgerChange{CardID: ledgerCard, Code: codes[i%len(codes)],
			Kind: service.LedgerBonus, Delta: 1, RequestID: fmt.Sprintf("r%d", i), Audit: &service.AuditEntry{Actor: "clerk"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	d := wire.snapshot().minus(before)
	t.Logf("per change: %.2f statements, %.2f commits (%v)", float64(d.statements)/changes, float64(d.commits)/changes, d)
	if d.statements > 7*changes || d.commits > 2*changes {
		t.Errorf("%d statements and %d commits for %d changes; want at most 7 and 2 per change", d.statements, d.commits, changes)
	}
}

// BenchmarkMemberChange measures Members.Change end to end against MariaDB
// and Redis (WeChat answering at once), each goroutine on its own members,
// and reports the statements and commits per change counted on the wire.
func BenchmarkMemberChange(b *testing.B) {
	wire := countSQL(b)
	st := openMySQLStore(b, wire.dsn(testenv.MySQLDSN(b)))
	rdb, prefix := testenv.Redis(b)
	s := newLedgerService(st, cache.NewRedisFromClient(rdb, prefix), newFakeMemberWeChat())
	codes := newLedgerMembers(b, st, 64)
	var (
		mu   sync.Mutex
		next int
	)
	b.SetParallelism(32) // 64 goroutines on 2 cores, as the load benchmark's 64 connections
	before := wire.snapshot()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		w := next
		next++
		mu.Unlock()
		code := codes[w%len(codes)] // its own member while there are enough
		for i := 0; pb.Next(); i++ {
			_, _, err := s.Change(context.Background(), service.LedgerChange{CardID: ledgerCard, Code: code,
				Kind: service.LedgerBonus, Delta: 1, RequestID: fmt.Sprintf("w%d-%d", w, i), Audit: &service.AuditEntry{Actor: "clerk"}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	d := wire.snapshot().minus(before)
	b.ReportMetric(float64(d.statements)/float64(b.N), "stmts/op")
	b.ReportMetric(float64(d.commits)/float64(b.N), "commits/op")
}
