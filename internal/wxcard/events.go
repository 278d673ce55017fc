package wxcard

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

// MaxPushAge is how old (or how far ahead) a push's timestamp may be.
const MaxPushAge = service.PushWindow

// Callback checks and decodes WeChat's event pushes: the URL check, plain mode
// when no EncodingAESKey is configured, and safe and compatible mode (AES)
// when one is. With a key, plain pushes are refused: their signature covers
// the token, timestamp and nonce but not the body, so anyone who saw one push
// could send any event under its query; msg_signature covers the Encrypt.
type Callback struct {
	token   string
	crypter *callback.Crypter // nil: plain mode only
	now     func() time.Time
}

var _ service.EventDecoder = (*Callback)(nil)

// NewCallback returns the decoder for the Official Account appID. An empty
// encodingAESKey accepts plain mode only; a key accepts encrypt_type=aes only.
func NewCallback(token, encodingAESKey, appID string, now func() time.Time) (*Callback, error) {
	if token == "" {
		return nil, errors.New("callback: a token is required")
	}
	if now == nil {
		now = time.Now
	}
	cb := &Callback{token: token, now: now}
	if encodingAESKey != "" {
		c, err := callback.NewCrypter(token, encodingAESKey, appID)
		if err != nil {
			return nil, fmt.Errorf("callback: %w", err)
		}
		cb.crypter = c
	}
	return cb, nil
}

func refused(format string, args ...any) error {
	return &service.Error{Kind: service.KindUnauthenticated, Message: fmt.Sprintf(format, args...)}
}

func malformed(err error) error {
	return &service.Error{Kind: service.KindInvalid, Message: "the push is not a WeChat event", Err: err}
}

// VerifyURL checks the URL check's signature and returns echostr.
func (cb *Callback) VerifyURL(q service.CallbackQuery) (string, error) {
	if !callback.VerifySignature(q.Signature, cb.token, q.Timestamp, q.Nonce) {
		return "", refused("bad signature")
	}
	return q.EchoStr, nil
}

// Decode verifies a push — a timestamp within MaxPushAge; in plain mode the
// signature; in safe and compatible mode msg_signature over the Encrypt and
// the appid inside — and decodes its event. In compatible mode the plaintext
// fields beside Encrypt are ignored: only the decrypted message counts.
func (cb *Callback) Decode(q service.CallbackQuery, body []byte) (service.PushedEvent, error) {
	if len(body) > callback.MaxBody {
		return service.PushedEvent{}, malformed(callback.ErrTooLarge)
	}
	ts, err := strconv.ParseInt(q.Timestamp, 10, 64)
	if err != nil {
		return service.PushedEvent{}, refused("timestamp missing or not a number")
	}
	if age := cb.now().Sub(time.Unix(ts, 0)); age > MaxPushAge || age < -MaxPushAge {
		return service.PushedEvent{}, refused("timestamp is more than %v away", MaxPushAge)
	}
	plain := body
	switch q.EncryptType {
	case "", "raw":
		if cb.crypter != nil {
			return service.PushedEvent{}, refused("WECHAT_ENCODING_AES_KEY is set: a push must be encrypt_type=aes with a msg_signature")
		}
		if !callback.VerifySignature(q.Signature, cb.token, q.Timestamp, q.Nonce) {
			return service.PushedEvent{}, refused("bad signature")
		}
	case "aes":
		if cb.crypter == nil {
			return service.PushedEvent{}, &service.Error{Kind: service.KindInvalid,
				Message: "safe mode push, but WECHAT_ENCODING_AES_KEY is not configured"}
		}
		env, err := callback.ParseEnvelope(body)
		if err != nil {
			return service.PushedEvent{}, malformed(err)
		}
		if !callback.VerifySignature(q.MsgSignature, cb.token, q.Timestamp, q.Nonce, env.Encrypt) {
			return service.PushedEvent{}, refused("bad msg_signature")
		}
		if plain, err = cb.crypter.Decrypt(env.Encrypt); errors.Is(err, callback.ErrAppIDMismatch) {
			return service.PushedEvent{}, refused("the push is for another appid")
		} else if err != nil {
			return service.PushedEvent{}, malformed(err)
		}
	default:
		return service.PushedEvent{}, &service.Error{Kind: service.KindInvalid, Message: "unknown encrypt_type " + q.EncryptType}
	}
	ev, err := callback.ParseEvent(plain)
	if err != nil {
		return service.PushedEvent{}, malformed(err)
	}
	return toPushedEvent(ev), nil
}

func toPushedEvent(e callback.Event) service.PushedEvent {
	typ := e.Event
	if e.MsgType != "event" {
		typ = "msg:" + e.MsgType // not a card event: logged and answered success
	}
	return service.PushedEvent{
		Key: e.DedupeKey(), Type: typ, OpenID: e.FromUserName, CreatedAt: time.Unix(e.CreateTime, 0).UTC(),
		CardID: e.CardID, Code: e.UserCardCode, OuterStr: e.OuterStr,
		FromFriend: e.IsGiveByFriend == 1, Friend: e.FriendUserName, OldCode: e.OldUserCardCode,
		ReturnedBack: e.IsReturnBack == 1, RefuseReason: e.RefuseReason,
	}
}
