package sandbox

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cardSignature is WeChat's card signature (§7.1): SHA-1, lower-case hex, of
// the non-empty values sorted in byte order and concatenated. For a cardExt
// the values are api_ticket, timestamp, card_id, code, openid, nonce_str.
func cardSignature(values ...string) string {
	vs := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			vs = append(vs, v)
		}
	}
	sort.Strings(vs) // byte order
	sum := sha1.Sum([]byte(strings.Join(vs, "")))
	return hex.EncodeToString(sum[:])
}

// cardExt is a parsed cardExt JSON string.
type cardExt struct {
	timestamp     string // the digits as sent, which are what was signed
	ts            int64
	nonce         string
	signature     string
	code          string
	openid        string
	outerStr      string
	fixedBegin    int64 // fixed_begintimestamp; 0 when absent
	hasFixedBegin bool
}

// The freshness window of cardExt.timestamp. WeChat's is unconfirmed; the
// emulator refuses a timestamp more than 30 minutes old or more than 5
// minutes ahead of its clock.
const (
	cardExtMaxAge    = 30 * time.Minute
	cardExtMaxFuture = 5 * time.Minute
	maxNonceLen      = 32
)

// parseCardExt reads a cardExt string; any problem is described for a 40080.
// timestamp may be a JSON string or number of unix seconds (which one
// WeChat's clients accept is unconfirmed; the emulator takes both).
func parseCardExt(s string) (cardExt, error) {
	var ext cardExt
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil || raw == nil {
		return ext, fmt.Errorf("card_ext is not a JSON object string")
	}
	str := func(name string, dst *string) error {
		v, has := raw[name]
		if !has || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("%s must be a string", name)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"nonce_str", &ext.nonce}, {"signature", &ext.signature}, {"code", &ext.code},
		{"openid", &ext.openid}, {"outer_str", &ext.outerStr},
	} {
		if err := str(f.name, f.dst); err != nil {
			return ext, err
		}
	}
	var ts flexInt
	if v, has := raw["timestamp"]; !has || json.Unmarshal(v, &ts) != nil || ts.raw == "" {
		return ext, fmt.Errorf("timestamp must be unix seconds, as a string or a number")
	}
	ext.timestamp, ext.ts = ts.raw, ts.v
	if v, has := raw["fixed_begintimestamp"]; has && string(v) != "null" {
		var fb flexInt
		if json.Unmarshal(v, &fb) != nil || fb.v < 0 {
			return ext, fmt.Errorf("fixed_begintimestamp must be unix seconds")
		}
		ext.fixedBegin, ext.hasFixedBegin = fb.v, fb.v > 0
	}
	if ext.signature == "" {
		return ext, fmt.Errorf("no signature")
	}
	if len(ext.nonce) > maxNonceLen {
		return ext, fmt.Errorf("nonce_str is %d characters, limit %d", len(ext.nonce), maxNonceLen)
	}
	if _, err := strconv.ParseUint(ext.timestamp, 10, 64); err != nil {
		return ext, fmt.Errorf("timestamp %q is not unix seconds", ext.timestamp)
	}
	return ext, nil
}

// signedBy reports whether ext's signature was made for cardID with one of tickets.
func (ext cardExt) signedBy(cardID string, tickets []string) bool {
	for _, t := range tickets {
		if cardSignature(t, ext.timestamp, cardID, ext.code, ext.openid, ext.nonce) == ext.signature {
			return true
		}
	}
	return false
}
