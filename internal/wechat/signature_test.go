package wechat_test

import (
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat"
)

func TestCardSignature(t *testing.T) {
	t.Parallel()
	// wechat-card-api.md §7.1: the official cardExt example.
	const (
		ticket    = "ojZ8YtyVyr30HheH3CM73y7h4jJE"
		timestamp = "1404896688"
		cardID    = "pjZ8Yt1XGILfi-FUsewpnnolGgZk"
		code      = "1434008071"
		nonce     = "123"
		want      = "f137ab68b7f8112d20ee528ab6074564e2796250"
	)
	tests := []struct {
		name   string
		values []string
	}{
		{"documented order", []string{ticket, timestamp, cardID, code, "", nonce}},
		{"any order", []string{nonce, cardID, code, ticket, timestamp}},
		{"empty values ignored", []string{"", ticket, "", timestamp, cardID, code, nonce, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wechat.CardSignature(tt.values...); got != want {
				t.Errorf("CardSignature = %s; want %s", got, want)
			}
		})
	}
	if wechat.CardSignature(ticket, timestamp, cardID, nonce) == want {
		t.Error("leaving out the code did not change the signature")
	}
}

func TestNewNonce(t *testing.T) {
	t.Parallel()
	const n = 2000
	seen := make(map[string]bool, n)
	for range n {
		s := wechat.NewNonce()
		if len(s) == 0 || len(s) > 32 {
			t.Fatalf("NewNonce() = %q: %d chars; want 1–32", s, len(s))
		}
		if strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("NewNonce() = %q: want letters and digits only", s)
		}
		if seen[s] {
			t.Fatalf("NewNonce() repeated %q", s)
		}
		seen[s] = true
	}
}
