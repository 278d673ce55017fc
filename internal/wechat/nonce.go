package wechat

import "crypto/rand"

// nonceLength is the length of NewNonce's strings: WeChat's maximum for nonce_str.
const nonceLength = 32

// NewNonce returns a fresh random nonce_str: 32 letters and digits from
// crypto/rand.
func NewNonce() string {
	return randomAlnum(nonceLength)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlnum draws n characters uniformly from alnum (rejection sampling,
// so no character is more likely than another).
func randomAlnum(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+)
		for _, b := range buf {
			if int(b) < 256-256%len(alnum) {
				out = append(out, alnum[int(b)%len(alnum)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
