package wechat_test

import (
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat"
)

// Values of the size WeChat uses: an 86-character api_ticket, a 10-digit
// timestamp, a 28-character card_id, a 12-digit code, a 28-character openid and
// a 32-character nonce.
const (
	benchSigTicket = "bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA"
	benchSigTime   = "1700000000"
	benchSigCardID = "pFS7Fjg8kV1IdDz01r4SQwMkuCKc"
	benchSigCode   = "123456789012"
	benchSigOpenID = "oFS7Fjl0WsZ9AMZqrI80nbIq8xrA"
	benchSigNonce  = "k3Jd8s0Pq1Zx7Vb2Nm4Lc6Hg9Tf5Ry0W"
)

var benchSigSink string

// BenchmarkCardSignature signs a cardExt with all six values (custom code and
// bind_openid card), as POST /api/v1/card-ext does per card.
func BenchmarkCardSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSigSink = wechat.CardSignature(benchSigTicket, benchSigTime, benchSigCardID, benchSigCode, benchSigOpenID, benchSigNonce)
	}
}

// BenchmarkCardSignaturePlainCard is the common case: no code, no openid (two
// of the six values empty).
func BenchmarkCardSignaturePlainCard(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSigSink = wechat.CardSignature(benchSigTicket, benchSigTime, benchSigCardID, "", "", benchSigNonce)
	}
}

// BenchmarkNewNonce is the fresh nonce_str every cardExt carries (crypto/rand).
func BenchmarkNewNonce(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSigSink = wechat.NewNonce()
	}
}
