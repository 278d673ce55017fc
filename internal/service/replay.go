package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// PushWindow is how far a push's timestamp may be from now, either way: an
// older or later push is refused as stale.
const PushWindow = 5 * time.Minute

// checkReplay refuses a verified push whose (timestamp, nonce) pair came
// before with another body: in plain mode, and in compatible mode for the
// fields beside Encrypt, the signature does not cover the body, so a captured
// query could carry a body of the attacker's. The first body's hash is kept
// in the shared cache, so every replica judges the same way, for as long as
// the timestamp passes the freshness check; after that the push is refused
// as stale anyway. The same body again is WeChat's retry and is let through:
// the event dedupe makes it change nothing, and it completes a first delivery
// that failed half-way.
//
// When the cache cannot be reached the push is accepted and the outage
// logged: the effects are idempotent (event dedupe in the database), and
// refusing would lose WeChat's events for the whole outage.
func (s *Events) checkReplay(ctx context.Context, q CallbackQuery, body []byte) error {
	if s.replays == nil {
		return nil
	}
	ts, err := strconv.ParseInt(q.Timestamp, 10, 64)
	if err != nil { // the decoder refuses these first
		return Errorf(KindUnauthenticated, "timestamp missing or not a number")
	}
	// Live until the timestamp is stale, plus a second for clock rounding.
	ttl := max(time.Unix(ts, 0).Add(PushWindow).Sub(s.now())+time.Second, time.Second)
	bodySum := sha256.Sum256(body)
	pair := sha256.Sum256([]byte(q.Timestamp + "\x00" + q.Nonce)) // a nonce of any length makes a short key
	key := "wxpush:" + hex.EncodeToString(pair[:16])
	want := hex.EncodeToString(bodySum[:])
	first, err := s.replays.SetFirst(ctx, key, want, ttl)
	if err != nil {
		s.log.WarnContext(ctx, "push replay check skipped: the cache is unreachable", "err", err)
		return nil
	}
	if first != want {
		return Errorf(KindUnauthenticated, "replayed push: this timestamp and nonce came with another body")
	}
	return nil
}
