// Package callback implements the wire side of WeChat's event push to our
// server: the callback signatures, the safe-mode (AES) message encryption,
// and the card event XML.
//
// A push is checked in this order: the query's signature (or msg_signature in
// safe mode, over the Encrypt value) with VerifySignature, then the envelope
// with ParseEnvelope and Crypter.Decrypt, then the event with ParseEvent.
// Verify the signature before decrypting: Decrypt tells its failures apart.
package callback

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"strings"
)

// Signature is WeChat's callback signature: lower-hex SHA-1 of the byte-order
// sorted concatenation of the parts (token, timestamp and nonce for the URL
// check and plain mode; plus the Encrypt value for msg_signature).
func Signature(parts ...string) string {
	ps := slices.Clone(parts)
	slices.Sort(ps) // Go compares strings bytewise
	sum := sha1.Sum([]byte(strings.Join(ps, "")))
	return hex.EncodeToString(sum[:])
}

// VerifySignature reports whether want is Signature(parts...), comparing in
// constant time. Hex case is ignored.
func VerifySignature(want string, parts ...string) bool {
	got := Signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(want)), []byte(got)) == 1
}
