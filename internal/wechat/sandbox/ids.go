package sandbox

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// Identifier shapes follow WeChat's observed ones (§10; formats unconfirmed).

const urlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// randomString is n characters from alphabet (crypto/rand; the modulo bias
// of alphabets whose size does not divide 256 does not matter here).
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go ≥ 1.24)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// randomToken is an opaque URL-safe string of the given number of random bytes.
func randomToken(bytes int) string {
	b := make([]byte, bytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// idPrefix derives the five characters shared by one appid's card ids and
// openids (pZI8Fjw… / oZI8Fj0…).
func idPrefix(appID string) string {
	sum := sha1.Sum([]byte(appID))
	out := make([]byte, 5)
	for i := range out {
		out[i] = urlSafe[int(sum[i])%len(urlSafe)]
	}
	return string(out)
}

// newCardID is 28 characters starting with p.
func (e *Emulator) newCardID() string {
	return "p" + e.idPrefix + randomString(22, urlSafe)
}

// newGeneratedCode is a WeChat-generated code: 12 digits, no leading zero.
func newGeneratedCode() string {
	return randomString(1, "123456789") + randomString(11, "0123456789")
}

// newRID is the trace suffix real errmsgs carry: rid: 6566f6d9-4a477f28-21702d49.
func newRID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%08x-%s-%s", uint32(time.Now().Unix()), hex.EncodeToString(b[:4]), hex.EncodeToString(b[4:]))
}
