package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/config"
)

// MEMBER_NUMBER_PATTERN is checked at start-up: {code} once, no other
// placeholder, and numbers within WeChat's 20 bytes for its 12-digit codes.
func TestMemberNumberPattern(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	if err != nil || c.MemberNumberPattern != "{code}" {
		t.Fatalf("default pattern = %q, %v; want {code}", c.MemberNumberPattern, err)
	}
	for _, p := range []string{"{code}", "VIP{code}", "{code}-A", "M-{code}-01", "ABCDEFGH{code}"} {
		if c, err := config.Load(env(map[string]string{"MEMBER_NUMBER_PATTERN": p})); err != nil || c.MemberNumberPattern != p {
			t.Errorf("pattern %q: %v", p, err)
		}
	}
	tests := []struct{ pattern, says string }{
		{"VIP", "{code} exactly once"},
		{"{code}{code}", "{code} exactly once"},
		{"ABCDEFGHI{code}", "at most 8 bytes of text"},
		{"会员{code}号", "at most 8 bytes of text"}, // 9 bytes of UTF-8
		{"{openid}{code}", "{openid} is 28 bytes"},
		{"{code}{level}", "unknown placeholder {level}"},
		{"{Code}", "unknown placeholder {Code}"},
		{"VIP{code", "brace"},
		{"VIP}{code}", "brace"},
		{"VIP {code}", "spaces"},
		{"VIP\t{code}", "spaces"},
		{"VIP\x00{code}", "control"},
		{"VIP\xff{code}", "UTF-8"},
	}
	for _, tt := range tests {
		_, err := config.Load(env(map[string]string{"MEMBER_NUMBER_PATTERN": tt.pattern}))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Var != "MEMBER_NUMBER_PATTERN" || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("pattern %q: %v; want a MEMBER_NUMBER_PATTERN error saying %q", tt.pattern, err, tt.says)
		}
	}
}
