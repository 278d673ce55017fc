package wechatpay

import "crypto/rand"

const nonceAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// NonceLen is the length of a request nonce (the official SDK's).
const NonceLen = 32

// NewNonce returns a random request nonce: NonceLen characters of [0-9a-zA-Z].
func NewNonce() string { return NewNonceN(NonceLen) }

// NewNonceN returns n random characters of [0-9a-zA-Z] from crypto/rand
// (12 for AES-GCM nonces of notifications and jump links).
func NewNonceN(n int) string {
	b := make([]byte, n)
	// 62 does not divide 256: reject bytes ≥ 248 so every character is
	// equally likely.
	buf := make([]byte, n+n/4+8)
	for i := 0; i < n; {
		rand.Read(buf) // never fails (Go ≥ 1.24 crashes instead)
		for _, c := range buf {
			if c < 248 && i < n {
				b[i] = nonceAlphabet[c%62]
				i++
			}
		}
	}
	return string(b)
}
