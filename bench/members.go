package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"
)

// Member cards (会员卡): one card, members activated by API from the
// mini-program page, and the ledger phase's supply of point changes.

// memberCardDef is a MEMBER_CARD with points (100 on opening) and stored
// value, activated by API from a mini-program page; one per user.
func memberCardDef() map[string]any {
	now := time.Now().Unix()
	return map[string]any{"card": map[string]any{
		"card_type": "MEMBER_CARD",
		"member_card": map[string]any{
			"prerogative":                  "会员享九折",
			"supply_bonus":                 true,
			"supply_balance":               true,
			"activate_app_brand_user_name": "gh_86a091e50ad4@app",
			"activate_app_brand_pass":      "pages/member/activate",
			"bonus_rule":                   map[string]any{"init_increase_bonus": 100},
			"base_info": map[string]any{
				"logo_url":    "http://mmbiz.qpic.cn/mmbiz/demo/0",
				"code_type":   "CODE_TYPE_TEXT",
				"brand_name":  "压测餐厅",
				"title":       "压测会员卡",
				"color":       "Color010",
				"notice":      "使用时向服务员出示此卡",
				"description": "不可与其他优惠同享",
				"sku":         map[string]any{"quantity": 100_000_000},
				"get_limit":   1,
				"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE",
					"begin_timestamp": now - 3600, "end_timestamp": now + 30*86400},
			},
		},
	}}
}

// member is an activated member and its opening points.
type member struct {
	code  string
	bonus int64
}

// members is the ledger phase's fixture: the card, a clerk and the members.
type members struct {
	cardID string
	clerk  string
	list   []member
}

// newMembers creates a clerk account and the member card, and has every
// user receive the card (card-ext, the emulator's wx.addCard) and activate it
// (POST /api/v1/members/activate with the encrypt_code WeChat appends).
func (f *fixture) newMembers(ctx context.Context, a api) (*members, error) {
	clerkPassword := randomHex(12)
	if err := a.post(ctx, f.base+"/admin/v1/users", f.admin, map[string]string{"username": "bench-clerk", "password": clerkPassword, "role": "clerk"}, nil); err != nil {
		return nil, fmt.Errorf("create clerk: %w", err)
	}
	var login struct {
		Token string `json:"token"`
	}
	if err := a.post(ctx, f.base+"/admin/v1/auth/login", "", map[string]string{"username": "bench-clerk", "password": clerkPassword}, &login); err != nil {
		return nil, fmt.Errorf("clerk login: %w", err)
	}
	var created struct {
		CardID string `json:"card_id"`
	}
	if err := a.post(ctx, f.base+"/admin/v1/cards", f.admin, memberCardDef(), &created); err != nil {
		return nil, fmt.Errorf("create member card: %w", err)
	}
	m := &members{cardID: created.CardID, clerk: login.Token, list: make([]member, len(f.users))}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, u := range f.users {
		g.Go(func() error {
			exts, err := f.cardExt(gctx, a, u, m.cardID, 1)
			if err != nil {
				return fmt.Errorf("member card-ext: %w", err)
			}
			var added struct {
				Errcode  int `json:"errcode"`
				CardList []struct {
					Code      string `json:"code"`
					IsSuccess bool   `json:"is_success"`
				} `json:"card_list"`
			}
			list := []map[string]string{{"card_id": exts[0].CardID, "card_ext": exts[0].CardExt}}
			if err := a.post(gctx, f.wx+"/sandbox/add-card", "", map[string]any{"openid": u.openid, "card_list": list}, &added); err != nil {
				return fmt.Errorf("sandbox/add-card: %w", err)
			}
			if added.Errcode != 0 || len(added.CardList) != 1 || !added.CardList[0].IsSuccess {
				return fmt.Errorf("sandbox/add-card: errcode %d, %+v", added.Errcode, added.CardList)
			}
			var act struct {
				Code  string `json:"code"`
				Bonus int64  `json:"bonus"`
			}
			if err := a.post(gctx, f.base+"/api/v1/members/activate", u.token,
				map[string]string{"card_id": m.cardID, "encrypt_code": added.CardList[0].Code}, &act); err != nil {
				return fmt.Errorf("activate: %w", err)
			}
			m.list[i] = member{code: act.Code, bonus: act.Bonus}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return m, nil
}

// ledgerSupply hands each worker its own members (w, w+conns, …), so that no
// two requests on one member are ever in flight together, each change with a
// request_id of its own: +1 point.
type ledgerSupply struct {
	m     *members
	conns int
	turn  []int   // per worker: how many changes it made
	sent  []int64 // per member: changes posted (each worker writes only its members)
}

func newLedgerSupply(m *members, conns int) (*ledgerSupply, error) {
	if len(m.list) < conns {
		return nil, fmt.Errorf("ledger: %d members for %d connections; -users must be ≥ -connections", len(m.list), conns)
	}
	return &ledgerSupply{m: m, conns: conns, turn: make([]int, conns), sent: make([]int64, len(m.list))}, nil
}

func (s *ledgerSupply) url(base string, i int) string {
	return base + "/admin/v1/members/" + url.PathEscape(s.m.list[i].code) + "/bonus"
}

// next is worker w's next change: the member index and the body.
func (s *ledgerSupply) next(w int) (int, []byte) {
	mine := (len(s.m.list) - w + s.conns - 1) / s.conns // members w, w+conns, … below len
	k := s.turn[w]
	s.turn[w]++
	i := w + (k%mine)*s.conns
	s.sent[i]++
	body, _ := json.Marshal(map[string]any{"card_id": s.m.cardID, "delta": 1, "record": "压测",
		"request_id": "bench-" + strconv.Itoa(w) + "-" + strconv.Itoa(k)})
	return i, body
}

// verify checks every member: its points in MySQL equal its opening points
// plus the changes posted, the ledger's entries add up to the same total, no
// entry is left pending, and WeChat's total (GET /admin/v1/members/{code},
// which merges card/membercard/userinfo/get) agrees.
func (s *ledgerSupply) verify(ctx context.Context, a api, db *mysqlAdmin, base string) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	stored := map[string]int64{}
	rows, err := db.db.QueryContext(ctx, "SELECT code, bonus FROM "+db.name+".members WHERE card_id = ?", s.m.cardID)
	if err != nil {
		return fmt.Sprintf("reading members failed: %v", err), false
	}
	for rows.Next() {
		var code string
		var bonus int64
		if err := rows.Scan(&code, &bonus); err != nil {
			rows.Close()
			return fmt.Sprintf("reading members failed: %v", err), false
		}
		stored[code] = bonus
	}
	rows.Close()
	type sums struct{ sum, entries, pending int64 }
	ledger := map[string]sums{}
	rows, err = db.db.QueryContext(ctx, "SELECT code, COALESCE(SUM(delta),0), COUNT(*), COALESCE(SUM(status = 'pending'),0) FROM "+
		db.name+".member_ledger WHERE card_id = ? AND kind = 'bonus' GROUP BY code", s.m.cardID)
	if err != nil {
		return fmt.Sprintf("reading the ledger failed: %v", err), false
	}
	for rows.Next() {
		var code string
		var x sums
		if err := rows.Scan(&code, &x.sum, &x.entries, &x.pending); err != nil {
			rows.Close()
			return fmt.Sprintf("reading the ledger failed: %v", err), false
		}
		ledger[code] = x
	}
	rows.Close()

	var posted, entries, pending int64
	bad := 0
	var sample string
	wechat := make([]int64, len(s.m.list))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, mem := range s.m.list {
		g.Go(func() error {
			var v struct {
				Bonus  int64 `json:"bonus"`
				WeChat struct {
					Bonus int64 `json:"bonus"`
				} `json:"wechat"`
			}
			u := base + "/admin/v1/members/" + url.PathEscape(mem.code) + "?card_id=" + url.QueryEscape(s.m.cardID)
			if err := a.get(gctx, u, s.m.clerk, &v); err != nil {
				return err
			}
			wechat[i] = v.WeChat.Bonus
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Sprintf("reading the members' WeChat totals failed: %v", err), false
	}
	for i, mem := range s.m.list {
		want := mem.bonus + s.sent[i]
		l := ledger[mem.code]
		posted += s.sent[i]
		entries += l.entries - 1 // the opening entry is not the phase's
		pending += l.pending
		if stored[mem.code] != want || l.sum != want || wechat[i] != want || l.pending != 0 {
			bad++
			if sample == "" {
				sample = fmt.Sprintf("; e.g. member %s: want %d, MySQL %d, ledger sum %d, WeChat %d, %d pending",
					mem.code, want, stored[mem.code], l.sum, wechat[i], l.pending)
			}
		}
	}
	ok := bad == 0
	verdict := "every member's points = opening + changes posted = its ledger's sum = WeChat's total, nothing pending"
	if !ok {
		verdict = fmt.Sprintf("**%d of %d members do not add up**%s", bad, len(s.m.list), sample)
	}
	return fmt.Sprintf("%d changes posted on %d members, %d ledger entries, %d pending: %s",
		posted, len(s.m.list), entries, pending, verdict), ok
}
