package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql" // the admin connection that creates and drops the database
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mysqlAdmin is the benchmark's own connection to the MySQL server: it
// creates and drops the run's database and reads the server's counters.
type mysqlAdmin struct {
	db   *sql.DB
	addr string // DSN of the server, ending in "/"
	name string // the run's database
	// existing is a database the run did not create (-database): it is not
	// dropped; the rows the run added are deleted instead.
	existing   bool
	benchCards []string
	biggest    struct {
		card string
		n    int64
	}
}

// openDatabase creates a fresh database on the MySQL server at addr (a DSN
// ending in "/").
func openDatabase(ctx context.Context, addr string) (*mysqlAdmin, error) {
	db, err := sql.Open("mysql", addr)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("MySQL at %s: %w (bash scripts/ensure-services.sh starts it)", addr, err)
	}
	name := "coupon_bench_" + randomHex(6)
	if _, err := db.ExecContext(pctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		db.Close()
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	return &mysqlAdmin{db: db, addr: addr, name: name}, nil
}

// dsn is the service's DSN for the run's database.
func (m *mysqlAdmin) dsn() string {
	return m.addr + m.name + "?parseTime=true&charset=utf8mb4&loc=UTC"
}

// drop removes the run's database and closes the connection.
func (m *mysqlAdmin) drop() error {
	defer m.db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if m.existing {
		return m.removeRunRows(ctx)
	}
	if _, err := m.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+m.name); err != nil {
		return fmt.Errorf("drop database %s: %w", m.name, err)
	}
	return nil
}

// dbCounters are the server-wide counters a phase reports (they include any
// other client of the same server).
var dbCounters = []string{"Connections", "Questions", "Com_commit", "Innodb_row_lock_waits", "Innodb_row_lock_time", "Innodb_deadlocks"}

// status reads dbCounters (SHOW GLOBAL STATUS).
func (m *mysqlAdmin) status(ctx context.Context) map[string]int64 {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out := map[string]int64{}
	rows, err := m.db.QueryContext(ctx, "SHOW GLOBAL STATUS")
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var name, value string
		if rows.Scan(&name, &value) != nil {
			continue
		}
		for _, c := range dbCounters {
			if strings.EqualFold(name, c) {
				if n, err := strconv.ParseInt(value, 10, 64); err == nil {
					out[c] = n
				}
			}
		}
	}
	return out
}

// mysqlPort is the TCP port of the server in a DSN, or 0.
func mysqlPort(dsn string) int {
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return 0
	}
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(port)
	return n
}

// redisNamespace checks Redis and returns a fresh key prefix, a function
// that deletes every key under it, and Redis's port.
func redisNamespace(ctx context.Context, url string) (prefix string, clean func() error, port int, err error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return "", nil, 0, fmt.Errorf("redis url: %w", err)
	}
	rdb := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return "", nil, 0, fmt.Errorf("Redis at %s: %w (bash scripts/ensure-services.sh starts it)", opt.Addr, err)
	}
	prefix = "coupon-bench-" + randomHex(6) + ":"
	clean = func() error {
		defer rdb.Close()
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		iter := rdb.Scan(cctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(cctx) {
			if err := rdb.Del(cctx, iter.Val()).Err(); err != nil {
				return fmt.Errorf("delete %s: %w", iter.Val(), err)
			}
		}
		return iter.Err()
	}
	if _, p, err := net.SplitHostPort(opt.Addr); err == nil {
		port, _ = strconv.Atoi(p)
	}
	return prefix, clean, port, nil
}

// api is a small JSON client for the setup calls.
type api struct {
	http *http.Client
}

func (a api) post(ctx context.Context, url, token string, in, out any) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return a.do(ctx, http.MethodPost, url, token, bytes.NewReader(raw), out)
}

func (a api) get(ctx context.Context, url, token string, out any) error {
	return a.do(ctx, http.MethodGet, url, token, nil, out)
}

// do sends one request; any 2xx is a success (POST /admin/v1/users answers 201).
func (a api) do(ctx context.Context, method, url, token string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %.300s", method, url, resp.StatusCode, answer)
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("%s %s: decode %.300s: %w", method, url, answer, err)
		}
	}
	return nil
}

// user is a mini-program user signed in to the service.
type user struct {
	openid string
	token  string
}

// fixture is what the phases need: the cards and signed-in users.
type fixture struct {
	base, wx string
	cardID   string   // the card of card-ext (and of decrypt, with one card)
	extra    []string // more cards for -decrypt-cards > 1
	users    []user
	admin    string // the bootstrap admin's token
}

// setup signs in as the bootstrap admin, creates the cards (stock and
// get_limit at WeChat's maximum, 100 000 000, so that no phase runs out) and
// signs in n users through the emulator's wx.login.
func setup(ctx context.Context, a api, base, wx, adminUser, adminPassword string, cards, n int) (*fixture, error) {
	var login struct {
		Token string `json:"token"`
	}
	if err := a.post(ctx, base+"/admin/v1/auth/login", "", map[string]string{"username": adminUser, "password": adminPassword}, &login); err != nil {
		return nil, fmt.Errorf("admin login: %w", err)
	}
	now := time.Now().Unix()
	def := map[string]any{"card": map[string]any{
		"card_type": "GENERAL_COUPON",
		"general_coupon": map[string]any{
			"default_detail": "满100减10",
			"base_info": map[string]any{
				"logo_url":    "http://mmbiz.qpic.cn/mmbiz/demo/0",
				"code_type":   "CODE_TYPE_TEXT",
				"brand_name":  "压测餐厅",
				"title":       "10元代金券",
				"color":       "Color010",
				"notice":      "使用时向服务员出示此券",
				"description": "不可与其他优惠同享",
				"sku":         map[string]any{"quantity": 100_000_000},
				"get_limit":   100_000_000,
				"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE",
					"begin_timestamp": now - 3600, "end_timestamp": now + 30*86400},
			},
		},
	}}
	f := &fixture{base: base, wx: wx, admin: login.Token}
	for i := range max(1, cards) {
		var created struct {
			CardID string `json:"card_id"`
		}
		if err := a.post(ctx, base+"/admin/v1/cards", login.Token, def, &created); err != nil {
			return nil, fmt.Errorf("create card: %w", err)
		}
		if i == 0 {
			f.cardID = created.CardID
		} else {
			f.extra = append(f.extra, created.CardID)
		}
	}
	users, err := signIn(ctx, a, base, wx, "oBench", n)
	if err != nil {
		return nil, err
	}
	f.users = users
	// One card-ext to check the card can be handed out now.
	if _, err := f.cardExt(ctx, a, f.users[0], f.cardID, 1); err != nil {
		return nil, fmt.Errorf("first card-ext: %w", err)
	}
	return f, nil
}

// signIn signs n users in through the emulator's wx.login, openids starting
// with tag.
func signIn(ctx context.Context, a api, base, wx, tag string, n int) ([]user, error) {
	users := make([]user, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range n {
		g.Go(func() error {
			openid := fmt.Sprintf("%s%06d%s", tag, i, randomHex(4))
			var code struct {
				Code string `json:"code"`
			}
			if err := a.post(gctx, wx+"/sandbox/login", "", map[string]string{"openid": openid}, &code); err != nil {
				return fmt.Errorf("sandbox/login: %w", err)
			}
			var s struct {
				Token  string `json:"token"`
				OpenID string `json:"openid"`
			}
			if err := a.post(gctx, base+"/api/v1/auth/login", "", map[string]string{"code": code.Code}, &s); err != nil {
				return fmt.Errorf("user login: %w", err)
			}
			if s.OpenID != openid || s.Token == "" {
				return fmt.Errorf("user login answered openid %q, want %q", s.OpenID, openid)
			}
			users[i] = user{openid: openid, token: s.Token}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return users, nil
}

type extItem struct {
	CardID  string `json:"cardId"`
	CardExt string `json:"cardExt"`
}

// cardExtBody is the card-ext request for n copies of the card.
func (f *fixture) cardExtBody(n int) []byte { return cardExtBody(f.cardID, n) }

func cardExtBody(cardID string, n int) []byte {
	cards := make([]map[string]string, n)
	for i := range cards {
		cards[i] = map[string]string{"card_id": cardID}
	}
	raw, _ := json.Marshal(map[string]any{"cards": cards})
	return raw
}

func (f *fixture) cardExt(ctx context.Context, a api, u user, cardID string, n int) ([]extItem, error) {
	var out struct {
		CardList []extItem `json:"card_list"`
	}
	if err := a.post(ctx, f.base+"/api/v1/card-ext", u.token, json.RawMessage(cardExtBody(cardID, n)), &out); err != nil {
		return nil, err
	}
	if len(out.CardList) != n {
		return nil, fmt.Errorf("card-ext gave %d items, want %d", len(out.CardList), n)
	}
	return out.CardList, nil
}

// received is one code a user received through wx.addCard, as the decrypt
// request that records it.
type received struct {
	token string
	body  []byte // {"card_list":[{"card_id","encrypt_code"}]}
}

// receiveCodes plays the mini-program for count codes: card-ext for up to 10
// cards at a time (as one user), then the emulator's wx.addCard, which
// returns the encrypt codes. Users (and, with several, cards) take turns, so
// that consecutive codes belong to different users.
func (f *fixture) receiveCodes(ctx context.Context, a api, count int) ([]received, error) {
	const perCall = 10 // wx.addCard takes at most 10 cards
	batches := (count + perCall - 1) / perCall
	out := make([]received, 0, batches*perCall)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for b := range batches {
		g.Go(func() error {
			u := f.users[b%len(f.users)]
			n := min(perCall, count-b*perCall)
			cardIDs := append([]string{f.cardID}, f.extra...)
			exts, err := f.cardExt(gctx, a, u, cardIDs[b%len(cardIDs)], n)
			if err != nil {
				return fmt.Errorf("card-ext: %w", err)
			}
			list := make([]map[string]string, len(exts))
			for i, e := range exts {
				list[i] = map[string]string{"card_id": e.CardID, "card_ext": e.CardExt}
			}
			var added struct {
				Errcode  int    `json:"errcode"`
				Errmsg   string `json:"errmsg"`
				CardList []struct {
					CardID    string `json:"card_id"`
					Code      string `json:"code"`
					IsSuccess bool   `json:"is_success"`
				} `json:"card_list"`
			}
			if err := a.post(gctx, f.wx+"/sandbox/add-card", "", map[string]any{"openid": u.openid, "card_list": list}, &added); err != nil {
				return fmt.Errorf("sandbox/add-card: %w", err)
			}
			if added.Errcode != 0 || len(added.CardList) != len(exts) {
				return fmt.Errorf("sandbox/add-card: errcode %d %s, %d cards", added.Errcode, added.Errmsg, len(added.CardList))
			}
			got := make([]received, 0, len(added.CardList))
			for _, c := range added.CardList {
				if !c.IsSuccess || c.Code == "" {
					return errors.New("sandbox/add-card: a card was not added")
				}
				body, _ := json.Marshal(map[string]any{"card_list": []map[string]string{{"card_id": c.CardID, "encrypt_code": c.Code}}})
				got = append(got, received{token: u.token, body: body})
			}
			mu.Lock()
			out = append(out, got...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// Interleave users: codes of one batch share a user; spread them out.
	spread := make([]received, 0, len(out))
	for off := range perCall {
		for i := off; i < len(out); i += perCall {
			spread = append(spread, out[i])
		}
	}
	return spread, nil
}
