package callback_test

import (
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

func TestSignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{"URL check vector", []string{vecToken, vecTimestamp, vecNonce}, vecURLSig},
		{"URL check vector, parts in another order", []string{vecNonce, vecToken, vecTimestamp}, vecURLSig},
		{"msg_signature vector", []string{vecToken, vecTimestamp, vecNonce, vecEncrypt}, vecMsgSig},
		{"sha1 of the empty string", nil, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := callback.Signature(tt.parts...); got != tt.want {
				t.Errorf("Signature(%q) = %s, want %s", tt.parts, got, tt.want)
			}
		})
	}
}

func TestSignatureDoesNotReorderCallersSlice(t *testing.T) {
	t.Parallel()
	parts := []string{"c", "b", "a"}
	callback.Signature(parts...)
	if got, want := parts[0]+parts[1]+parts[2], "cba"; got != want {
		t.Errorf("parts after Signature = %s, want %s", got, want)
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		want  string
		parts []string
		ok    bool
	}{
		{"right", vecURLSig, []string{vecToken, vecTimestamp, vecNonce}, true},
		{"upper-case hex", "EE0843455EB31B87DBF6D6890273A3AB976BD56E", []string{vecToken, vecTimestamp, vecNonce}, true},
		{"wrong token", vecURLSig, []string{"othertoken", vecTimestamp, vecNonce}, false},
		{"one hex digit off", "ee0843455eb31b87dbf6d6890273a3ab976bd56f", []string{vecToken, vecTimestamp, vecNonce}, false},
		{"truncated", vecURLSig[:39], []string{vecToken, vecTimestamp, vecNonce}, false},
		{"empty", "", []string{vecToken, vecTimestamp, vecNonce}, false},
		{"msg_signature", vecMsgSig, []string{vecToken, vecTimestamp, vecNonce, vecEncrypt}, true},
		{"msg_signature over a tampered Encrypt", vecMsgSig, []string{vecToken, vecTimestamp, vecNonce, vecEncrypt[1:]}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := callback.VerifySignature(tt.want, tt.parts...); got != tt.ok {
				t.Errorf("VerifySignature(%q, %q) = %v, want %v", tt.want, tt.parts, got, tt.ok)
			}
		})
	}
}
