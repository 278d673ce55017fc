package wechatpay

import (
	"crypto/rsa"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Names of the headers WeChat Pay signs answers and notifications with.
const (
	HeaderTimestamp = "Wechatpay-Timestamp"
	HeaderNonce     = "Wechatpay-Nonce"
	HeaderSignature = "Wechatpay-Signature"
	HeaderSerial    = "Wechatpay-Serial"
	HeaderRequestID = "Request-ID"
)

// PublicKeyIDPrefix starts every 微信支付公钥 id.
const PublicKeyIDPrefix = "PUB_KEY_ID_"

// MaxClockSkew is how far an answer's or a notification's timestamp may be
// from local time (the official SDK refuses 300 s or more).
const MaxClockSkew = 300 * time.Second

// SignedHeaders are the four Wechatpay-* headers of a signed answer or
// notification.
type SignedHeaders struct {
	Timestamp, Nonce, Signature, Serial string
}

// HeadersFrom reads the Wechatpay-* headers.
func HeadersFrom(h http.Header) SignedHeaders {
	return SignedHeaders{
		Timestamp: h.Get(HeaderTimestamp),
		Nonce:     h.Get(HeaderNonce),
		Signature: h.Get(HeaderSignature),
		Serial:    h.Get(HeaderSerial),
	}
}

// Set writes the headers onto h (the emulator's side).
func (s SignedHeaders) Set(h http.Header) {
	h.Set(HeaderTimestamp, s.Timestamp)
	h.Set(HeaderNonce, s.Nonce)
	h.Set(HeaderSignature, s.Signature)
	h.Set(HeaderSerial, s.Serial)
}

// SignResponse signs an answer or a notification body with WeChat Pay's
// private key (the emulator's side) and returns its headers.
func SignResponse(key *rsa.PrivateKey, serial, timestamp, nonce string, body []byte) (SignedHeaders, error) {
	sig, err := Sign(key, ResponseMessage(timestamp, nonce, body))
	if err != nil {
		return SignedHeaders{}, err
	}
	return SignedHeaders{Timestamp: timestamp, Nonce: nonce, Signature: sig, Serial: serial}, nil
}

// Verifier checks answers and notifications signed with the 微信支付公钥
// (PUB_KEY_ID_ mode): the serial must be KeyID, the timestamp within
// MaxClockSkew of Now, and the signature must verify with Key.
type Verifier struct {
	KeyID string
	Key   *rsa.PublicKey
	// Now is the clock (time.Now when nil); tests of old vectors fix it.
	Now func() time.Time
}

// Verify checks the signed headers against the raw body. Every failure wraps
// ErrBadSignature and says which check failed, never the signature itself.
func (v *Verifier) Verify(h SignedHeaders, body []byte) error {
	if h.Timestamp == "" || h.Nonce == "" || h.Signature == "" || h.Serial == "" {
		return fmt.Errorf("%w: missing Wechatpay-* headers", ErrBadSignature)
	}
	if v == nil || v.Key == nil || v.KeyID == "" {
		return fmt.Errorf("%w: no WeChat Pay public key configured", ErrBadSignature)
	}
	if h.Serial != v.KeyID {
		return fmt.Errorf("%w: unknown Wechatpay-Serial %q", ErrBadSignature, clip(h.Serial))
	}
	if strings.HasPrefix(h.Signature, SignTestPrefix) {
		return fmt.Errorf("%w: signature probe", ErrBadSignature)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if err := CheckTimestamp(h.Timestamp, now(), MaxClockSkew); err != nil {
		return err
	}
	return Verify(v.Key, ResponseMessage(h.Timestamp, h.Nonce, body), h.Signature)
}

// CheckTimestamp refuses a signed timestamp (Unix seconds, as sent) that is
// window or more away from now, either way; the error wraps ErrBadSignature.
// The emulator uses it for requests with its own clock and window.
func CheckTimestamp(timestamp string, now time.Time, window time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp is not a number of seconds", ErrBadSignature)
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew >= window || skew <= -window {
		return fmt.Errorf("%w: timestamp is %s off", ErrBadSignature, skew.Round(time.Second))
	}
	return nil
}

// VerifyNotification checks a notification's headers against its raw body
// (before any JSON parsing). A caller answers 4xx/5xx when it fails.
func (v *Verifier) VerifyNotification(header http.Header, body []byte) error {
	return v.Verify(HeadersFrom(header), body)
}

// clip bounds a peer-supplied value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
