package wechatpay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// AuthScheme is the only signature scheme of API v3.
const AuthScheme = "WECHATPAY2-SHA256-RSA2048"

// ErrBadSignature is wrapped by every signature or verification failure: a
// signature that does not verify, an unknown serial, a stale timestamp,
// missing Wechatpay-* headers, a malformed Authorization header.
var ErrBadSignature = errors.New("wechatpay: bad signature")

// RequestMessage is the message a request signature covers: five lines, each
// ending in "\n" — the upper-case method, the canonical URL (path plus
// "?query" exactly as sent, no scheme or host), the timestamp (Unix seconds),
// the nonce and the exact body bytes (empty for GET).
func RequestMessage(method, canonicalURL, timestamp, nonce string, body []byte) []byte {
	b := make([]byte, 0, len(method)+len(canonicalURL)+len(timestamp)+len(nonce)+len(body)+5)
	b = append(b, method...)
	b = append(b, '\n')
	b = append(b, canonicalURL...)
	b = append(b, '\n')
	b = append(b, timestamp...)
	b = append(b, '\n')
	b = append(b, nonce...)
	b = append(b, '\n')
	b = append(b, body...)
	return append(b, '\n')
}

// ResponseMessage is the message an answer's or a notification's
// Wechatpay-Signature covers: timestamp, nonce and the raw body, each
// followed by "\n".
func ResponseMessage(timestamp, nonce string, body []byte) []byte {
	b := make([]byte, 0, len(timestamp)+len(nonce)+len(body)+3)
	b = append(b, timestamp...)
	b = append(b, '\n')
	b = append(b, nonce...)
	b = append(b, '\n')
	b = append(b, body...)
	return append(b, '\n')
}

// Sign signs message with RSA PKCS#1 v1.5 over SHA-256 and returns the
// standard, padded Base64 of the signature.
func Sign(key *rsa.PrivateKey, message []byte) (string, error) {
	if key == nil {
		return "", errors.New("wechatpay: sign: no private key")
	}
	sum := sha256.Sum256(message)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		// The rsa error names no key material.
		return "", fmt.Errorf("wechatpay: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Verify checks a Base64 RSA-SHA256 PKCS#1 v1.5 signature of message. Every
// failure wraps ErrBadSignature; a WECHATPAY/SIGNTEST/ probe never verifies.
func Verify(pub *rsa.PublicKey, message []byte, signature string) error {
	if pub == nil {
		return fmt.Errorf("%w: no public key", ErrBadSignature)
	}
	if strings.HasPrefix(signature, SignTestPrefix) {
		return fmt.Errorf("%w: signature probe", ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrBadSignature)
	}
	sum := sha256.Sum256(message)
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return fmt.Errorf("%w: signature does not verify", ErrBadSignature)
	}
	return nil
}

// SignTestPrefix starts the deliberately invalid signatures WeChat Pay sends
// to probe that receivers verify.
const SignTestPrefix = "WECHATPAY/SIGNTEST/"

// Authorization is the parsed value of a request's Authorization header.
type Authorization struct {
	MchID     string // mchid: the calling merchant
	NonceStr  string // nonce_str
	Timestamp string // timestamp, Unix seconds as sent
	SerialNo  string // serial_no: the merchant API certificate's serial
	Signature string // signature, Base64
}

// String is the header value, in the official SDK's field order.
func (a Authorization) String() string {
	var b strings.Builder
	b.Grow(len(AuthScheme) + len(a.MchID) + len(a.NonceStr) + len(a.Timestamp) + len(a.SerialNo) + len(a.Signature) + 64)
	b.WriteString(AuthScheme)
	b.WriteString(` mchid="`)
	b.WriteString(a.MchID)
	b.WriteString(`",nonce_str="`)
	b.WriteString(a.NonceStr)
	b.WriteString(`",timestamp="`)
	b.WriteString(a.Timestamp)
	b.WriteString(`",serial_no="`)
	b.WriteString(a.SerialNo)
	b.WriteString(`",signature="`)
	b.WriteString(a.Signature)
	b.WriteString(`"`)
	return b.String()
}

// Message is the request message this Authorization's signature must cover.
func (a Authorization) Message(method, canonicalURL string, body []byte) []byte {
	return RequestMessage(method, canonicalURL, a.Timestamp, a.NonceStr, body)
}

// SignRequest signs one request and returns its Authorization. canonicalURL is
// the path plus "?query" exactly as sent; body the exact bytes sent.
func SignRequest(key *rsa.PrivateKey, mchID, serialNo, method, canonicalURL, timestamp, nonce string, body []byte) (Authorization, error) {
	sig, err := Sign(key, RequestMessage(method, canonicalURL, timestamp, nonce, body))
	if err != nil {
		return Authorization{}, err
	}
	return Authorization{MchID: mchID, NonceStr: nonce, Timestamp: timestamp, SerialNo: serialNo, Signature: sig}, nil
}

// ParseAuthorization parses an Authorization header value: the scheme, then
// key="value" pairs separated by commas (spaces around them tolerated, any
// order). All five fields are required; unknown keys and repeated keys are
// refused. Errors wrap ErrBadSignature and never echo the header.
func ParseAuthorization(header string) (Authorization, error) {
	var a Authorization
	scheme, rest, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || scheme != AuthScheme {
		return a, fmt.Errorf("%w: authorization scheme is not %s", ErrBadSignature, AuthScheme)
	}
	seen := map[string]bool{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return a, fmt.Errorf("%w: malformed authorization", ErrBadSignature)
		}
		name := strings.TrimSpace(rest[:eq])
		rest = strings.TrimSpace(rest[eq+1:])
		if !strings.HasPrefix(rest, `"`) {
			return a, fmt.Errorf("%w: authorization value of %q is not quoted", ErrBadSignature, name)
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return a, fmt.Errorf("%w: authorization value of %q is not closed", ErrBadSignature, name)
		}
		value := rest[1 : 1+end]
		rest = strings.TrimSpace(rest[end+2:])
		if rest != "" {
			if rest[0] != ',' {
				return a, fmt.Errorf("%w: malformed authorization", ErrBadSignature)
			}
			rest = strings.TrimSpace(rest[1:])
		}
		if seen[name] {
			return a, fmt.Errorf("%w: authorization repeats %q", ErrBadSignature, name)
		}
		seen[name] = true
		switch name {
		case "mchid":
			a.MchID = value
		case "nonce_str":
			a.NonceStr = value
		case "timestamp":
			a.Timestamp = value
		case "serial_no":
			a.SerialNo = value
		case "signature":
			a.Signature = value
		default:
			return a, fmt.Errorf("%w: authorization has unknown field %q", ErrBadSignature, name)
		}
	}
	for _, f := range [...]struct{ name, v string }{{"mchid", a.MchID}, {"nonce_str", a.NonceStr}, {"timestamp", a.Timestamp}, {"serial_no", a.SerialNo}, {"signature", a.Signature}} {
		if f.v == "" {
			return a, fmt.Errorf("%w: authorization lacks %s", ErrBadSignature, f.name)
		}
	}
	return a, nil
}
