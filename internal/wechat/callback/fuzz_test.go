package callback_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

// The seed corpora are in testdata/fuzz/<FuzzName>/ and run with go test.

func FuzzParseEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := callback.ParseEvent(body)
		if err != nil {
			if e != (callback.Event{}) {
				t.Errorf("ParseEvent returned %+v with error %v", e, err)
			}
			if !errors.Is(err, callback.ErrMalformed) && !errors.Is(err, callback.ErrTooLarge) {
				t.Errorf("ParseEvent error %v is neither ErrMalformed nor ErrTooLarge", err)
			}
			return
		}
		// What parses writes out as XML that parses, and writing that
		// again gives the same bytes.
		x := e.XML()
		again, err := callback.ParseEvent(x)
		if err != nil {
			t.Fatalf("ParseEvent(XML of %+v): %v\n%s", e, err, x)
		}
		if y := again.XML(); !bytes.Equal(x, y) {
			t.Errorf("XML not stable:\n%s\n%s", x, y)
		}
		if again.DedupeKey() != e.DedupeKey() {
			t.Errorf("DedupeKey changed over an XML round trip: %+v, %+v", e, again)
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := callback.ParseEnvelope(body)
		if err != nil {
			if env != (callback.Envelope{}) {
				t.Errorf("ParseEnvelope returned %+v with error %v", env, err)
			}
			if !errors.Is(err, callback.ErrMalformed) && !errors.Is(err, callback.ErrTooLarge) {
				t.Errorf("ParseEnvelope error %v is neither ErrMalformed nor ErrTooLarge", err)
			}
			return
		}
		if env.Encrypt == "" {
			t.Errorf("ParseEnvelope = %+v without error, want an Encrypt value", env)
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	c := newVecCrypter(f)
	f.Fuzz(func(t *testing.T, s string) {
		// Any input: no panic, and a message only without error.
		msg, err := c.Decrypt(s)
		if err != nil && msg != nil {
			t.Errorf("Decrypt returned %q with error %v", msg, err)
		}
		if err != nil && !errors.Is(err, callback.ErrBadCiphertext) && !errors.Is(err, callback.ErrBadPadding) &&
			!errors.Is(err, callback.ErrAppIDMismatch) && !errors.Is(err, callback.ErrTooLarge) {
			t.Errorf("Decrypt error %v is not one of the package's", err)
		}

		// The input as a plaintext (cut to whole blocks) under our key, to
		// reach the padding, length and appid checks.
		if n := len(s) / 16 * 16; n > 0 {
			plain := []byte(s[:n])
			msg, err := c.Decrypt(rawEncrypt(t, plain))
			if err == nil {
				pad := int(plain[n-1])
				declared := int(binary.BigEndian.Uint32(plain[16:20]))
				if !bytes.Equal(msg, plain[20:20+declared]) || string(plain[20+declared:n-pad]) != vecAppID {
					t.Errorf("Decrypt(raw %q) = %q, not what the layout says", plain, msg)
				}
			}
		}

		// The input as a message: Decrypt(Encrypt(x)) == x.
		enc, err := c.Encrypt([]byte(s))
		if errors.Is(err, callback.ErrTooLarge) {
			return
		}
		if err != nil {
			t.Fatalf("Encrypt: %v", err)
		}
		got, err := c.Decrypt(enc)
		if err != nil {
			t.Fatalf("Decrypt(Encrypt(%q)): %v", s, err)
		}
		if string(got) != s {
			t.Errorf("Decrypt(Encrypt(%q)) = %q", s, got)
		}
	})
}
