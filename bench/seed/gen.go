package main

import (
	"crypto/sha256"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Columns written, in the order the row functions write their values.
const (
	cardCols = "card_id, card_type, title, brand_name, logo_url, color, status, quantity, total_quantity, date_info, " +
		"bind_openid, use_custom_code, get_limit, definition, created_at, updated_at, received_since_sync, sync_gen"
	codeCols  = "id, card_id, code, openid, status, outer_str, received_at, consumed_at, updated_at"
	eventCols = "id, dedupe_key, event, card_id, code, openid, created_at, received_at"
	auditCols = "id, at, actor, role, action, target, result, request_id"
)

// gen makes the rows. A code's fields are a pure function of its id (events
// refer to codes by id), the rest comes from each chunk's own generator.
type gen struct {
	o       options
	cardIDs []string
	openids []string
	start   time.Time // first receipt
	span    time.Duration
}

func newGen(o options) *gen {
	g := &gen{o: o, start: o.endAt.AddDate(0, -o.months, 0)}
	g.span = o.endAt.Sub(g.start)
	g.cardIDs = make([]string, o.cards)
	for i := range g.cardIDs {
		g.cardIDs[i] = "p" + ident("card", int64(i), 27)
	}
	g.openids = make([]string, o.users)
	for i := range g.openids {
		g.openids[i] = "o" + ident("user", int64(i), 27)
	}
	return g
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ident is a WeChat-looking identifier: n base-62 characters from a hash.
func ident(kind string, i int64, n int) string {
	h := sha256.Sum256([]byte(kind + strconv.FormatInt(i, 10)))
	b := make([]byte, n)
	for j := range b {
		b[j] = base62[int(h[j%len(h)]+byte(j/len(h))*7)%62]
	}
	return string(b)
}

func sqlTime(b *strings.Builder, t time.Time) {
	b.WriteByte('\'')
	b.WriteString(t.UTC().Format("2006-01-02 15:04:05.000"))
	b.WriteByte('\'')
}

func sqlStr(b *strings.Builder, s string) {
	b.WriteByte('\'')
	b.WriteString(s) // generated values hold no quote or backslash
	b.WriteByte('\'')
}

func sqlInt(b *strings.Builder, n int64) { b.WriteString(strconv.FormatInt(n, 10)) }

var titles = []string{"满100减20代金券", "咖啡买一送一", "新人礼包", "会员日8折券", "周末免配送费", "生日专享券", "夏日冰饮券", "双十一满减券"}

func (g *gen) card(b *strings.Builder, id int64, r *rand.Rand) {
	k := id - 1
	created := g.o.endAt.AddDate(0, -18, 0).Add(time.Duration(k) * (18 * 30 * 24 * time.Hour / time.Duration(g.o.cards)))
	status := "CARD_STATUS_VERIFY_OK"
	switch x := r.IntN(100); {
	case x < 5:
		status = "CARD_STATUS_DELETE"
	case x < 8:
		status = "CARD_STATUS_NOT_VERIFY"
	}
	title := titles[k%int64(len(titles))]
	def := `{"card":{"card_type":"GENERAL_COUPON","general_coupon":{"base_info":{"logo_url":"https://mmbiz.qpic.cn/mmbiz/bench.png","brand_name":"基准测试","code_type":"CODE_TYPE_QRCODE","title":"` +
		title + `","color":"Color010","notice":"请出示二维码","description":"不可与其他优惠同享","date_info":{"type":"DATE_TYPE_FIX_TERM","fixed_term":30,"fixed_begin_term":0},"sku":{"quantity":100000000},"get_limit":50},"default_detail":"` + title + `"}}}`
	b.WriteByte('(')
	sqlStr(b, g.cardIDs[k])
	b.WriteString(",'GENERAL_COUPON',")
	sqlStr(b, title)
	b.WriteString(",'基准测试','https://mmbiz.qpic.cn/mmbiz/bench.png','Color010',")
	sqlStr(b, status)
	b.WriteString(",100000000,100000000,'{\"type\":\"DATE_TYPE_FIX_TERM\",\"fixed_term\":30}',0,0,50,")
	sqlStr(b, def)
	b.WriteByte(',')
	sqlTime(b, created)
	b.WriteByte(',')
	sqlTime(b, created)
	b.WriteString(",0,1)")
}

// codeFields are what a code's id determines.
type codeFields struct {
	card, user int64
	code       string
	status     string
	outer      string
	received   time.Time
	consumed   time.Time // zero unless consumed
}

func (g *gen) codeOf(id int64) codeFields {
	r := rand.New(rand.NewPCG(g.o.seed, uint64(id)))
	var f codeFields
	// Card k's share falls as 1/sqrt(k); the holder's as a power of its rank,
	// scattered over the openids by a multiplication modulo the user count.
	f.card = min(int64(float64(g.o.cards)*math.Pow(r.Float64(), 2)), int64(g.o.cards-1))
	rank := min(int64(float64(g.o.users)*math.Pow(r.Float64(), 1.5)), g.o.users-1)
	f.user = int64((uint64(rank)*2654435761 + 12345) % uint64(g.o.users))
	// A 12-digit code, unique per id (10^12 and the odd multiplier not divisible
	// by 5 are coprime).
	f.code = strconv.FormatInt(1e11+int64((uint64(id)*999_999_937)%900_000_000_000), 10)
	step := g.span / time.Duration(g.o.codes)
	f.received = g.start.Add(time.Duration(id-1) * step).Add(time.Duration(r.IntN(1000)) * time.Millisecond).Truncate(time.Millisecond)
	switch x := r.IntN(100); {
	case x < 70:
		f.status = "issued"
	case x < 92:
		f.status = "consumed"
		f.consumed = f.received.Add(time.Duration(r.ExpFloat64() * float64(5*24*time.Hour))).Truncate(time.Millisecond)
		if f.consumed.After(g.o.endAt) {
			f.consumed = g.o.endAt
		}
	case x < 95:
		f.status = "gifted"
	case x < 98:
		f.status = "unavailable"
	default:
		f.status = "deleted"
	}
	if r.IntN(5) == 0 {
		f.outer = "channel_" + strconv.Itoa(r.IntN(20))
	}
	return f
}

func (g *gen) code(b *strings.Builder, id int64, _ *rand.Rand) {
	f := g.codeOf(id)
	b.WriteByte('(')
	sqlInt(b, id)
	b.WriteByte(',')
	sqlStr(b, g.cardIDs[f.card])
	b.WriteByte(',')
	sqlStr(b, f.code)
	b.WriteByte(',')
	sqlStr(b, g.openids[f.user])
	b.WriteByte(',')
	sqlStr(b, f.status)
	b.WriteByte(',')
	sqlStr(b, f.outer)
	b.WriteByte(',')
	sqlTime(b, f.received)
	b.WriteByte(',')
	updated := f.received
	if f.consumed.IsZero() {
		b.WriteString("NULL")
	} else {
		sqlTime(b, f.consumed)
		updated = f.consumed
	}
	b.WriteByte(',')
	sqlTime(b, updated)
	b.WriteByte(')')
}

var eventTypes = []struct {
	name  string
	share int
}{{"user_get_card", 40}, {"user_view_card", 35}, {"user_consume_card", 15}, {"user_enter_session_from_card", 5}, {"user_del_card", 5}}

func (g *gen) event(b *strings.Builder, id int64, r *rand.Rand) {
	// Events follow the codes in time: event i is about a code near position
	// i × codes/events.
	events := float64(g.o.codes) * g.o.eventsPer
	near := int64(float64(id) / events * float64(g.o.codes))
	codeID := min(max(near+int64(r.IntN(2001))-1000, 1), g.o.codes)
	f := g.codeOf(codeID)
	x, typ := r.IntN(100), eventTypes[0].name
	for _, e := range eventTypes {
		if x < e.share {
			typ = e.name
			break
		}
		x -= e.share
	}
	at := f.received.Add(time.Duration(r.IntN(3600)) * time.Second).Truncate(time.Second)
	if at.After(g.o.endAt) {
		at = g.o.endAt.Truncate(time.Second)
	}
	h := sha256.Sum256([]byte(g.openids[f.user] + strconv.FormatInt(at.Unix(), 10) + typ + g.cardIDs[f.card] + f.code + strconv.FormatInt(id, 10)))
	b.WriteByte('(')
	sqlInt(b, id)
	b.WriteByte(',')
	b.WriteByte('\'')
	const hexd = "0123456789abcdef"
	for _, c := range h {
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	b.WriteString("',")
	sqlStr(b, typ)
	b.WriteByte(',')
	sqlStr(b, g.cardIDs[f.card])
	b.WriteByte(',')
	sqlStr(b, f.code)
	b.WriteByte(',')
	sqlStr(b, g.openids[f.user])
	b.WriteByte(',')
	sqlTime(b, at)
	b.WriteByte(',')
	sqlTime(b, at.Add(time.Duration(r.IntN(2000))*time.Millisecond))
	b.WriteByte(')')
}

var auditActions = []struct {
	action, role string
	share        int
}{{"code.consume", "clerk", 80}, {"member.bonus", "clerk", 8}, {"card.stock", "admin", 4}, {"card.update", "admin", 3},
	{"code.unavailable", "admin", 2}, {"card.sync", "admin", 2}, {"card.create", "admin", 1}}

func (g *gen) audit(b *strings.Builder, id int64, r *rand.Rand) {
	entries := int64(float64(g.o.codes) * g.o.auditPer)
	start := g.o.endAt.AddDate(0, 0, -400)
	at := start.Add(time.Duration(float64(id-1) / float64(entries) * float64(g.o.endAt.Sub(start)))).
		Add(time.Duration(r.IntN(1000)) * time.Millisecond).Truncate(time.Millisecond)
	x, a := r.IntN(100), auditActions[0]
	for _, e := range auditActions {
		if x < e.share {
			a = e
			break
		}
		x -= e.share
	}
	actor := "admin"
	if a.role == "clerk" {
		actor = "clerk" + strconv.Itoa(r.IntN(40))
	}
	target := g.cardIDs[r.IntN(g.o.cards)]
	if strings.HasPrefix(a.action, "code.") || strings.HasPrefix(a.action, "member.") {
		target = g.codeOf(1 + r.Int64N(g.o.codes)).code
	}
	result := "ok"
	if r.IntN(100) < 3 {
		result = "conflict"
	}
	b.WriteByte('(')
	sqlInt(b, id)
	b.WriteByte(',')
	sqlTime(b, at)
	b.WriteByte(',')
	sqlStr(b, actor)
	b.WriteByte(',')
	sqlStr(b, a.role)
	b.WriteByte(',')
	sqlStr(b, a.action)
	b.WriteByte(',')
	sqlStr(b, target)
	b.WriteByte(',')
	sqlStr(b, result)
	b.WriteByte(',')
	sqlStr(b, strconv.FormatUint(r.Uint64(), 16))
	b.WriteByte(')')
}
