package service

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// IdempotencyState is how far the write behind a key got.
type IdempotencyState string

const (
	// IdemPending: claimed, the upstream call is in flight.
	IdemPending IdempotencyState = "pending"
	// IdemDone: the write happened; Result holds what it made (a card_id).
	IdemDone IdempotencyState = "done"
	// IdemUnknown: the upstream call failed in a way that may still have
	// created something (a timeout): a retry cannot know, so it is refused.
	IdemUnknown IdempotencyState = "unknown"
)

// IdempotencyKey is one claimed key of a merchant write.
type IdempotencyKey struct {
	Scope     string // which write: "card.create"
	Key       string
	BodyHash  string // hex SHA-256 of the canonical request body
	State     IdempotencyState
	Result    string
	CreatedAt time.Time
}

// IdempotencyTTL is how long a key answers retries.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyKeyField names the header in errors.
const IdempotencyKeyField = "Idempotency-Key"

// checkIdempotencyKey: 1 to 64 visible ASCII characters (no spaces: MySQL's
// collations ignore trailing ones, which would make two keys one).
func checkIdempotencyKey(key string) error {
	if key == "" || len(key) > 64 {
		return Invalid(IdempotencyKeyField, "Idempotency-Key is 1 to 64 characters")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7E {
			return Invalid(IdempotencyKeyField, "Idempotency-Key is 1 to 64 visible ASCII characters (no spaces)")
		}
	}
	return nil
}

// canonicalHash is the hex SHA-256 of body with its JSON canonicalised (object
// keys sorted, insignificant space dropped, numbers as written), so that the
// same request re-encoded by a client's retry hashes alike.
func canonicalHash(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	canon := body
	if err := dec.Decode(&v); err == nil {
		if b, err := json.Marshal(v); err == nil {
			canon = b
		}
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}
