package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/wxcoupon/coupon/internal/retry"
)

// Cache is what the client needs from the cache shared by all replicas
// (*cache.Redis and *cache.Memory satisfy it).
type Cache interface {
	Get(ctx context.Context, key string) (string, bool, error)
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	TryLock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, bool, error)
}

const (
	apiToken  = "cgi-bin/token"
	apiTicket = "cgi-bin/ticket/getticket"

	// defaultLifetime is assumed when WeChat's answer lacks expires_in.
	defaultLifetime = 7200 * time.Second
	// pollMin and pollMax bound the pause between looks at the cache while
	// another instance refreshes.
	pollMin = 20 * time.Millisecond
	pollMax = 50 * time.Millisecond
)

// AccessToken returns the Official Account's access_token, from the cache
// while it is valid.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	return c.tokens.get(ctx)
}

// APITicket returns the card api_ticket (getticket type=wx_card) that signs
// cardExt, from the cache while it is valid. WeChat never says when a ticket
// expired, so it is replaced by its own clock.
func (c *Client) APITicket(ctx context.Context) (string, error) {
	return c.tickets.get(ctx)
}

func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	r := &request{api: apiToken, method: http.MethodGet, idempotent: true, replayable: true, query: url.Values{
		"grant_type": {"client_credential"}, "appid": {c.appID}, "secret": {c.appSecret},
	}}
	if err := c.call(ctx, r, &out); err != nil {
		return "", 0, err
	}
	if out.AccessToken == "" {
		return "", 0, &UnavailableError{API: apiToken, Err: errors.New("no access_token in the answer")}
	}
	return out.AccessToken, lifetime(out.ExpiresIn), nil
}

func (c *Client) fetchTicket(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		Ticket    string `json:"ticket"`
		ExpiresIn int64  `json:"expires_in"`
	}
	if err := c.call(ctx, getAuthed(apiTicket, url.Values{"type": {"wx_card"}}), &out); err != nil {
		return "", 0, err
	}
	if out.Ticket == "" {
		return "", 0, &UnavailableError{API: apiTicket, Err: errors.New("no ticket in the answer")}
	}
	return out.Ticket, lifetime(out.ExpiresIn), nil
}

func lifetime(expiresIn int64) time.Duration {
	if expiresIn <= 0 {
		return defaultLifetime
	}
	return time.Duration(expiresIn) * time.Second
}

// credSource keeps one credential (the access_token or the api_ticket) in the
// cache under key, as an entry. One refresh runs at a time: within the
// process through singleflight, across processes through a lock in the cache
// at key+":lock".
type credSource struct {
	c       *Client
	what    string // "access_token" or "api_ticket", for logs and hooks
	api     string // the API that issues it
	key     string
	lockKey string
	lockTTL time.Duration
	fetch   func(ctx context.Context) (string, time.Duration, error)
	flights singleflight.Group
	// held is the last credential this process saw: it serves calls for up to
	// the client's recheck after it was read, and while the cache is down as
	// long as it is valid.
	held atomic.Pointer[heldEntry]
	// nextAhead is when (unix ns) a due credential may next be replaced in
	// the background.
	nextAhead atomic.Int64
}

// heldEntry is the process's copy of a credential and when the cache (or
// WeChat) last confirmed it.
type heldEntry struct {
	entry
	confirmed time.Time
}

func (c *Client) newCredSource(what, api string, fetch func(context.Context) (string, time.Duration, error)) *credSource {
	key := "wechat:" + c.appID + ":" + what
	return &credSource{
		c: c, what: what, api: api, key: key, lockKey: key + ":lock",
		// The holder's fetch is one call bounded by the Timeout; the lease
		// outlives it a little so that no second refresher starts meanwhile.
		lockTTL: c.timeout + time.Second,
		fetch:   fetch,
	}
}

// entry is the cached form of a credential.
type entry struct {
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at"`
	RefreshAt time.Time `json:"refresh_at,omitzero"` // from then on, replace it ahead of expiry
}

// newEntry is a credential fetched at start that WeChat said lasts life. It
// expires a little early (for the clock and the network), and is due for a
// refresh when about 10% of its life (at least min(5 min, half of it)) is left.
func newEntry(value string, start time.Time, life time.Duration) entry {
	margin := min(life/20, time.Minute)
	ahead := max(life/10, min(5*time.Minute, life/2))
	return entry{Value: value, ExpiresAt: start.Add(life - margin), RefreshAt: start.Add(life - ahead)}
}

func (e entry) valid(now time.Time) bool { return e.Value != "" && now.Before(e.ExpiresAt) }

func (e entry) due(now time.Time) bool {
	at := e.RefreshAt
	if at.IsZero() {
		at = e.ExpiresAt.Add(-5 * time.Minute)
	}
	return !now.Before(at)
}

// read returns the cached entry; ok is false when there is none (or it
// cannot be parsed, which counts as none).
func (s *credSource) read(ctx context.Context) (entry, bool, error) {
	raw, ok, err := s.c.cache.Get(ctx, s.key)
	if err != nil {
		return entry{}, false, fmt.Errorf("wechat: read cached %s: %w", s.what, err)
	}
	if !ok {
		return entry{}, false, nil
	}
	var e entry
	if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Value == "" {
		s.c.log.WarnContext(ctx, "wechat: cached credential unreadable; fetching a new one", "what", s.what)
		return entry{}, false, nil
	}
	return e, true, nil
}

// get returns the credential while it is valid: from the process's copy when
// the cache confirmed it less than the client's recheck ago, else from the
// cache. One that is due for a refresh is still returned, and replaced in the
// background (refreshAheadIfDue); only a missing or expired one makes the
// caller wait for a refresh.
//
// Serving the process's copy saves a cache round trip and a decode on every
// call; the cost is that a credential another instance replaced is noticed up
// to recheck later, which WeChat's overlap (the old token keeps working about
// 5 minutes) absorbs.
func (s *credSource) get(ctx context.Context) (string, error) {
	now := time.Now()
	if h := s.held.Load(); h != nil && now.Sub(h.confirmed) < s.c.recheck && h.valid(now) {
		s.refreshAheadIfDue(ctx, h.entry, now)
		return h.Value, nil
	}
	e, ok, err := s.read(ctx)
	if err != nil {
		if v, ok := s.heldValue(""); ok {
			s.c.log.WarnContext(ctx, "wechat: cache unavailable; using the credential held in process", "what", s.what, "err", err)
			return v, nil
		}
		if ctx.Err() != nil {
			return "", whenCanceled(ctx, s.api, err)
		}
		return s.refresh(ctx, "")
	}
	if ok && e.valid(now) {
		s.remember(e)
		s.refreshAheadIfDue(ctx, e, now)
		return e.Value, nil
	}
	return s.refresh(ctx, "")
}

// aheadRetry spaces out attempts to replace a credential that is due but
// still valid, so that a WeChat that fails or is slow is not asked again on
// every call (45009, a spent daily quota, must not be retried soon).
const aheadRetry = 30 * time.Second

// refreshAheadIfDue starts replacing e when it is due, at most once per
// aheadRetry, without waiting for it.
func (s *credSource) refreshAheadIfDue(ctx context.Context, e entry, now time.Time) {
	if !e.due(now) {
		return
	}
	next := s.nextAhead.Load()
	if now.UnixNano() < next || !s.nextAhead.CompareAndSwap(next, now.Add(aheadRetry).UnixNano()) {
		return
	}
	s.startRefresh(ctx, "")
}

// remember keeps e as the process's copy, confirmed now.
func (s *credSource) remember(e entry) {
	s.held.Store(&heldEntry{entry: e, confirmed: time.Now()})
}

// heldValue returns the process's copy while it is valid and not stale.
func (s *credSource) heldValue(stale string) (string, bool) {
	h := s.held.Load()
	if h != nil && h.valid(time.Now()) && h.Value != stale {
		return h.Value, true
	}
	return "", false
}

// withoutCache serves while the cache is down: the process's valid copy, or a
// fresh credential fetched without the cross-instance lock (single-flight still
// holds within the process).
func (s *credSource) withoutCache(ctx context.Context, stale string, cacheErr error) (string, error) {
	if v, ok := s.heldValue(stale); ok {
		return v, nil
	}
	s.c.log.WarnContext(ctx, "wechat: cache unavailable; fetching without the shared lock", "what", s.what, "err", cacheErr)
	value, life, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	s.remember(newEntry(value, time.Now(), life))
	s.c.hooks.refresh(s.what)
	return value, nil
}

// refresh returns a credential other than stale (one WeChat rejected; empty
// for none): another instance's newer one if the cache holds it, else a new
// one. It runs obtain once per process for all callers asking at the same
// time; each caller waits at most until its ctx ends.
func (s *credSource) refresh(ctx context.Context, stale string) (string, error) {
	ch := s.startRefresh(ctx, stale)
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", &UnavailableError{API: s.api, Err: fmt.Errorf("waiting for the %s: %w", s.what, ctx.Err())}
	}
}

// startRefresh joins or starts the process's refresh. The shared work does
// not end with the first caller's context: it has its own deadline.
func (s *credSource) startRefresh(ctx context.Context, stale string) <-chan singleflight.Result {
	flight := "fresh"
	if stale != "" {
		flight = "replace:" + stale
	}
	return s.flights.DoChan(flight, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.lockTTL+s.c.timeout)
		defer cancel()
		v, err := s.obtain(fctx, stale)
		return v, whenCanceled(fctx, s.api, err)
	})
}

// obtain returns a usable credential other than stale. When the cached one
// is missing, stale or due, it takes the lock and fetches a new one; while
// another instance holds the lock it keeps using a still-valid credential,
// or, without one, polls the cache until the new one appears or the lock is
// free.
func (s *credSource) obtain(ctx context.Context, stale string) (string, error) {
	for waiting := false; ; waiting = true {
		e, ok, err := s.read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return "", err
			}
			return s.withoutCache(ctx, stale, err)
		}
		now := time.Now()
		usable := ok && e.valid(now) && e.Value != stale
		if usable && !e.due(now) {
			s.remember(e)
			return e.Value, nil
		}
		unlock, locked, err := s.c.cache.TryLock(ctx, s.lockKey, s.lockTTL)
		if err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("wechat: lock the %s refresh: %w", s.what, err)
			}
			return s.withoutCache(ctx, stale, err)
		}
		if locked {
			return s.refreshLocked(ctx, stale, unlock)
		}
		if usable {
			return e.Value, nil // due, but another instance is replacing it
		}
		if !waiting {
			s.c.log.DebugContext(ctx, "wechat: waiting for another instance's refresh", "what", s.what)
		}
		if !retry.Sleep(ctx, pollMin+rand.N(pollMax-pollMin)) {
			return "", &UnavailableError{API: s.api, Err: fmt.Errorf("waiting for another instance's %s refresh: %w", s.what, ctx.Err())}
		}
	}
}

// refreshLocked runs with the lock held: unless the cache now holds a good
// credential (another instance refreshed between our read and our lock), it
// fetches one from WeChat and stores it for its remaining lifetime.
func (s *credSource) refreshLocked(ctx context.Context, stale string, unlock func(context.Context) error) (string, error) {
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if err := unlock(uctx); err != nil {
			s.c.log.WarnContext(ctx, "wechat: release the refresh lock", "what", s.what, "err", err)
		}
	}()
	e, ok, err := s.read(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return "", err
		}
		return s.withoutCache(ctx, stale, err)
	}
	now := time.Now()
	usable := ok && e.valid(now) && e.Value != stale
	if usable && !e.due(now) {
		s.remember(e)
		return e.Value, nil
	}
	value, life, err := s.fetch(ctx)
	if err != nil {
		if usable {
			s.c.log.WarnContext(ctx, "wechat: refresh ahead of expiry failed; keeping the current one",
				"what", s.what, "expires_at", e.ExpiresAt, "err", err)
			return e.Value, nil
		}
		return "", err
	}
	fresh := newEntry(value, now, life)
	s.remember(fresh)
	if raw, err := json.Marshal(fresh); err != nil {
		s.c.log.WarnContext(ctx, "wechat: encode credential", "what", s.what, "err", err)
	} else if ttl := time.Until(fresh.ExpiresAt); ttl > 0 {
		if err := s.c.cache.Set(ctx, s.key, string(raw), ttl); err != nil {
			s.c.log.WarnContext(ctx, "wechat: store the new credential", "what", s.what, "err", err)
		}
	}
	s.c.hooks.refresh(s.what)
	s.c.log.DebugContext(ctx, "wechat: credential refreshed", "what", s.what, "expires_at", fresh.ExpiresAt, "replaced_rejected", stale != "")
	return value, nil
}
