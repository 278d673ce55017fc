package callback_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

func TestParseEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xml  string
		want callback.Envelope
	}{
		{"safe mode", `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[` + vecEncrypt + `]]></Encrypt></xml>`,
			callback.Envelope{ToUserName: "gh_test", Encrypt: vecEncrypt}},
		{"compatible mode: plain fields and Encrypt", `<xml>
  <ToUserName><![CDATA[gh_test]]></ToUserName>
  <FromUserName><![CDATA[oUser]]></FromUserName>
  <CreateTime>1700000000</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[card_pass_check]]></Event>
  <CardId><![CDATA[pCardId]]></CardId>
  <RefuseReason><![CDATA[]]></RefuseReason>
  <Encrypt> <![CDATA[` + vecEncrypt + `]]> </Encrypt>
</xml>`, callback.Envelope{ToUserName: "gh_test", Encrypt: vecEncrypt}},
		{"Encrypt first", `<xml><Encrypt>` + vecEncrypt + `</Encrypt><ToUserName>gh_test</ToUserName></xml>`,
			callback.Envelope{ToUserName: "gh_test", Encrypt: vecEncrypt}},
		{"no ToUserName", `<xml><Encrypt>AAAA</Encrypt></xml>`, callback.Envelope{Encrypt: "AAAA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := callback.ParseEnvelope([]byte(tt.xml))
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseEnvelope = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseEnvelopeThenDecrypt(t *testing.T) {
	t.Parallel()
	c := newVecCrypter(t)
	body := `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[` + vecEncrypt + `]]></Encrypt></xml>`
	env, err := callback.ParseEnvelope([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if !callback.VerifySignature(vecMsgSig, c.Token(), vecTimestamp, vecNonce, env.Encrypt) {
		t.Errorf("msg_signature %s does not verify", vecMsgSig)
	}
	msg, err := c.Decrypt(env.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	e, err := callback.ParseEvent(msg)
	if err != nil {
		t.Fatal(err)
	}
	want := callback.Event{ToUserName: "gh_test", FromUserName: "oUser", CreateTime: 1700000000,
		MsgType: "event", Event: "card_pass_check", CardID: "pCardId"}
	if e != want {
		t.Errorf("event = %+v, want %+v", e, want)
	}
}

func TestParseEnvelopeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, xml string
		wantErr   error
	}{
		{"plain mode body: no Encrypt", sampleUserGetCard, callback.ErrMalformed},
		{"empty Encrypt", `<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[]]></Encrypt></xml>`, callback.ErrMalformed},
		{"over MaxBody", `<xml><Encrypt>` + strings.Repeat("A", callback.MaxBody) + `</Encrypt></xml>`, callback.ErrTooLarge},
	}
	for _, m := range malformedCases() {
		tests = append(tests, struct {
			name, xml string
			wantErr   error
		}{m.name, m.xml, callback.ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := callback.ParseEnvelope([]byte(tt.xml))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseEnvelope error = %v, want %v", err, tt.wantErr)
			}
			if got != (callback.Envelope{}) {
				t.Errorf("ParseEnvelope = %+v, want the zero Envelope", got)
			}
		})
	}
}
