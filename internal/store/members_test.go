package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/store"
	"github.com/wxcoupon/coupon/internal/testenv"
)

func TestMembersMySQL(t *testing.T) {
	t.Parallel()
	testMembers(t, openMigrated(t, store.Config{MySQLDSN: testenv.MySQLDSN(t)}))
}

func TestMembersSQLite(t *testing.T) {
	t.Parallel()
	testMembers(t, openMigrated(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "coupon.db")}))
}

func testMembers(t *testing.T, s *store.Store) {
	ctx := context.Background()
	at := time.Now()
	m := service.Member{CardID: "pMember", Code: "100000000001", OpenID: "oAlice", MembershipNumber: "100000000001", Bonus: 10,
		Form: service.MemberForm{Fields: []service.FormField{{Name: "USER_FORM_INFO_FLAG_MOBILE", Value: "138"}}}, ActivatedAt: at}
	opening := []service.LedgerEntry{{RequestID: "activation:bonus", Kind: service.LedgerBonus, Delta: 10, Total: 10, Status: service.LedgerApplied}}
	got, created, err := s.CreateMember(ctx, m, opening)
	if err != nil || !created || got.Bonus != 10 || len(got.Form.Fields) != 1 {
		t.Fatalf("CreateMember = %+v, %v, %v", got, created, err)
	}
	again := m
	again.Bonus = 99
	if got, created, err := s.CreateMember(ctx, again, nil); err != nil || created || got.Bonus != 10 {
		t.Fatalf("CreateMember again = %+v, %v, %v; want the stored member", got, created, err)
	}
	other := m
	other.Code = "100000000002"
	if _, _, err := s.CreateMember(ctx, other, nil); !errors.Is(err, service.ErrConflict) {
		t.Errorf("a taken membership number: %v, want ErrConflict", err)
	}

	// 32 concurrent changes, each sent twice: each applied once.
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := service.LedgerEntry{CardID: m.CardID, Code: m.Code, RequestID: fmt.Sprintf("r%d", i%32), Kind: service.LedgerBalance,
				Delta: int64(i%32 + 1), Status: service.LedgerPending}
			rec, err := s.AddLedgerEntry(ctx, e, nil)
			if err != nil {
				t.Errorf("AddLedgerEntry %d: %v", i, err)
				return
			}
			if rec.Existing {
				return
			}
			// Read under the lock: the totals cover exactly the pending
			// entries returned (this one last), which add up to the balance.
			var sum int64
			for _, p := range rec.Pending {
				sum += p.Delta
			}
			if last := rec.Pending[len(rec.Pending)-1]; last.ID != rec.Entry.ID || sum != rec.Totals.Balance || rec.Totals.Bonus != 10 {
				t.Errorf("AddLedgerEntry %d: totals %+v, %d pending adding up to %d, last %d, entry %d",
					i, rec.Totals, len(rec.Pending), sum, last.ID, rec.Entry.ID)
			}
		}()
	}
	wg.Wait()
	mem, pending, err := s.PendingTotals(ctx, m.CardID, m.Code)
	if err != nil || mem.Balance != 32*33/2 || len(pending) != 32 || mem.Bonus != 10 {
		t.Fatalf("PendingTotals = %+v, %d pending, %v", mem, len(pending), err)
	}
	var sum int64
	for _, e := range pending {
		sum += e.Delta
	}
	if sum != mem.Balance {
		t.Errorf("ledger sum %d, balance %d", sum, mem.Balance)
	}
	if _, err := s.AddLedgerEntry(ctx, service.LedgerEntry{CardID: m.CardID, Code: m.Code, RequestID: "too-much",
		Kind: service.LedgerBalance, Delta: -mem.Balance - 1, Status: service.LedgerPending}, nil); !errors.Is(err, service.ErrBelowZero) {
		t.Errorf("a charge beyond the balance: %v, want ErrBelowZero", err)
	}
	if _, err := s.AddLedgerEntry(ctx, service.LedgerEntry{CardID: m.CardID, Code: "nobody", RequestID: "x",
		Kind: service.LedgerBonus, Delta: 1}, nil); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("unknown member: %v, want ErrNotFound", err)
	}
	var first10 []int64
	for _, e := range pending[:10] {
		first10 = append(first10, e.ID)
	}
	if err := s.MarkApplied(ctx, m.CardID, m.Code, first10); err != nil {
		t.Fatal(err)
	}
	// Marking again, or another member's code, changes nothing more.
	if err := s.MarkApplied(ctx, m.CardID, "nobody", []int64{pending[10].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkApplied(ctx, m.CardID, m.Code, first10[:3]); err != nil {
		t.Fatal(err)
	}
	if _, left, _ := s.PendingTotals(ctx, m.CardID, m.Code); len(left) != 22 || left[0].ID != pending[10].ID {
		t.Errorf("%d pending after marking 10, want 22 from the 11th", len(left))
	}

	// A change is recorded with its audit entry; a repeat writes neither, and
	// a repeat of a charge that no longer fits answers its entry, not
	// ErrBelowZero.
	audit := &service.AuditEntry{Actor: "clerk1", Role: service.RoleClerk, Action: "member.balance", Target: m.Code, Result: "ok", RequestID: "h1"}
	charge := service.LedgerEntry{CardID: m.CardID, Code: m.Code, RequestID: "charge-all", Kind: service.LedgerBalance,
		Delta: -mem.Balance, Status: service.LedgerPending}
	firstRec, err := s.AddLedgerEntry(ctx, charge, audit)
	first := firstRec.Entry
	if err != nil || firstRec.Existing || first.Total != 0 || firstRec.Totals.Balance != 0 || len(firstRec.Pending) != 23 {
		t.Fatalf("charge = %+v, %v", firstRec, err)
	}
	repeat, err := s.AddLedgerEntry(ctx, charge, audit)
	if err != nil || !repeat.Existing || repeat.Entry.ID != first.ID || repeat.Entry.Total != 0 || repeat.Pending != nil {
		t.Errorf("repeat of the charge = %+v, %v; want the first entry", repeat, err)
	}
	trail, _, err := s.ListAudit(ctx, service.Page{Count: 10})
	if err != nil || len(trail) != 1 || trail[0].Actor != "clerk1" || trail[0].Action != "member.balance" || trail[0].RequestID != "h1" {
		t.Errorf("audit trail = %+v, %v; want the change's one entry", trail, err)
	}
	if tot, pending, err := s.PendingTotals(ctx, m.CardID, m.Code); err != nil || tot.Balance != 0 || tot.Bonus != 10 || len(pending) != 23 ||
		pending[22].ID != first.ID {
		t.Errorf("PendingTotals after the charge = %+v, %d pending, %v", tot, len(pending), err)
	}
	if _, _, err := s.PendingTotals(ctx, m.CardID, "nobody"); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("PendingTotals of nobody: %v, want ErrNotFound", err)
	}

	entries, total, err := s.ListLedger(ctx, m.CardID, m.Code, 0, 5)
	if err != nil || total != 34 || len(entries) != 5 || entries[0].ID < entries[1].ID {
		t.Errorf("ListLedger = %d entries of %d, %v", len(entries), total, err)
	}
	mine, err := s.ListMembersByOpenID(ctx, "oAlice")
	if err != nil || len(mine) != 1 {
		t.Errorf("ListMembersByOpenID = %+v, %v", mine, err)
	}
	list, n, _, err := s.ListMembers(ctx, m.CardID, service.Page{Count: 10})
	if err != nil || n != 1 || len(list) != 1 {
		t.Errorf("ListMembers = %+v, %d, %v", list, n, err)
	}
}

// Changes of neighbouring members (next to each other in the ledger's
// indexes, none with an applied entry yet), each followed by marking it
// applied as a push does, never deadlock: the ledger transaction locks the
// member's row only. A locking join on the ledger locked a range of its
// status index, and neighbours' inserts and marks deadlocked by the hundred.
func TestLedgerNeighboursDoNotDeadlockMySQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := store.Open(ctx, store.Config{MySQLDSN: testenv.MySQLDSN(t)}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const members, changes = 32, 25
	codes := make([]string, members)
	for i := range codes {
		codes[i] = fmt.Sprintf("2%011d", i)
		m := service.Member{CardID: "pNeighbours", Code: codes[i], OpenID: "o" + codes[i], MembershipNumber: codes[i], ActivatedAt: time.Now()}
		if _, _, err := s.CreateMember(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, code := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range changes {
				rec, err := s.AddLedgerEntry(ctx, service.LedgerEntry{CardID: "pNeighbours", Code: code, RequestID: fmt.Sprintf("r%d", i),
					Kind: service.LedgerBonus, Delta: 1, Status: service.LedgerPending}, nil)
				if err != nil {
					t.Error(err)
					return
				}
				ids := make([]int64, len(rec.Pending))
				for j, e := range rec.Pending {
					ids[j] = e.ID
				}
				if err := s.MarkApplied(ctx, "pNeighbours", code, ids); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(logs.String(), "deadlock"); n > 0 {
		t.Errorf("%d deadlocks between changes of different members", n)
	}
	for _, code := range codes {
		if tot, pending, err := s.PendingTotals(ctx, "pNeighbours", code); err != nil || tot.Bonus != changes || len(pending) != 0 {
			t.Errorf("member %s: %+v, %d pending, %v", code, tot, len(pending), err)
		}
	}
}

// lockedBuffer is a log sink safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
