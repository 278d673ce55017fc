package callback_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/wechat/callback"
)

func TestKnownAnswer(t *testing.T) {
	t.Parallel()
	c := newVecCrypter(t)

	got, err := c.EncryptWithRandom([]byte(vecMsg), []byte(vecRandom))
	if err != nil {
		t.Fatalf("EncryptWithRandom: %v", err)
	}
	if got != vecEncrypt {
		t.Errorf("EncryptWithRandom = %s, want %s", got, vecEncrypt)
	}

	msg, err := c.Decrypt(vecEncrypt)
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if got, want := len(msg), 291; got != want {
		t.Errorf("len(Decrypt) = %d, want %d", got, want)
	}
	if got, want := string(msg), vecMsg; got != want {
		t.Errorf("Decrypt = %s, want %s", got, want)
	}

	if got, want := c.MsgSignature(vecTimestamp, vecNonce, vecEncrypt), vecMsgSig; got != want {
		t.Errorf("MsgSignature = %s, want %s", got, want)
	}
	if got, want := c.Token(), vecToken; got != want {
		t.Errorf("Token = %s, want %s", got, want)
	}
}

func TestKnownAnswerLayout(t *testing.T) {
	t.Parallel()
	plain := rawDecrypt(t, vecEncrypt)
	if got, want := len(plain), 352; got != want {
		t.Fatalf("plaintext is %d bytes, want %d", got, want)
	}
	if got, want := plain[len(plain)-23:], bytes.Repeat([]byte{0x17}, 23); !bytes.Equal(got, want) {
		t.Errorf("padding = %x, want %x", got, want)
	}
	if got, want := plain[len(plain)-24], vecAppID[len(vecAppID)-1]; got != want {
		t.Errorf("byte before the padding = %q, want %q (the appid's last)", got, want)
	}
	if got, want := string(plain[:16]), vecRandom; got != want {
		t.Errorf("random = %q, want %q", got, want)
	}
	if got, want := binary.BigEndian.Uint32(plain[16:20]), uint32(291); got != want {
		t.Errorf("length = %d, want %d", got, want)
	}
	if got, want := string(plain[20+291:20+291+18]), vecAppID; got != want {
		t.Errorf("appid = %q, want %q", got, want)
	}
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	t.Parallel()
	c := newVecCrypter(t)
	// 16 + 4 + n + 18 is a multiple of 32 when n ≡ 26 (mod 32): full-block padding.
	lengths := []int{122, 1018, 4090}
	for n := 0; n <= 100; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i*7 + n)
		}
		enc, err := c.Encrypt(msg)
		if err != nil {
			t.Fatalf("Encrypt(%d bytes): %v", n, err)
		}
		got, err := c.Decrypt(enc)
		if err != nil {
			t.Fatalf("Decrypt(Encrypt(%d bytes)): %v", n, err)
		}
		if !bytes.Equal(got, msg) {
			t.Errorf("Decrypt(Encrypt(%d bytes)) = %x, want %x", n, got, msg)
		}
		plain := rawDecrypt(t, enc)
		wantPad := 32 - (16+4+n+len(vecAppID))%32
		if got := int(plain[len(plain)-1]); got != wantPad || len(plain)%32 != 0 {
			t.Errorf("%d bytes: pad %d over %d bytes, want pad %d over a multiple of 32", n, got, len(plain), wantPad)
		}
		if n%32 == 26 && wantPad != 32 {
			t.Errorf("%d bytes: want pad 32, computed %d", n, wantPad)
		}
	}
}

func TestEncryptUsesFreshRandom(t *testing.T) {
	t.Parallel()
	c := newVecCrypter(t)
	a, err := c.Encrypt([]byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encrypt([]byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two encryptions of one message are equal (%s); want fresh random bytes", a)
	}
}

func TestEncryptRefusals(t *testing.T) {
	t.Parallel()
	c := newVecCrypter(t)
	if _, err := c.EncryptWithRandom([]byte("x"), []byte("short")); err == nil {
		t.Errorf("EncryptWithRandom with 5 random bytes: got nil error, want one")
	}
	if _, err := c.Encrypt(make([]byte, callback.MaxBody)); !errors.Is(err, callback.ErrTooLarge) {
		t.Errorf("Encrypt(MaxBody bytes) error = %v, want ErrTooLarge", err)
	}
}

func TestNewCrypter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, token, key string
		wantErr          error
	}{
		{"vector", vecToken, vecAESKey, nil},
		{"non-zero trailing bits", vecToken, vecAESKey[:42] + "z", nil},
		{"42 characters", vecToken, vecAESKey[:42], callback.ErrBadKey},
		{"44 characters", vecToken, vecAESKey + "A", callback.ErrBadKey},
		{"padded 44 characters", vecToken, vecAESKey + "=", callback.ErrBadKey},
		{"empty", vecToken, "", callback.ErrBadKey},
		{"not base64", vecToken, strings.Repeat("*", 43), callback.ErrBadKey},
		{"URL-safe alphabet", vecToken, strings.Repeat("_", 43), callback.ErrBadKey},
		{"empty token", "", vecAESKey, callback.ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := callback.NewCrypter(tt.token, tt.key, vecAppID)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewCrypter error = %v, want %v", err, tt.wantErr)
			}
			if (c == nil) != (tt.wantErr != nil) {
				t.Errorf("NewCrypter = %v with error %v", c, err)
			}
		})
	}
}

// layout builds WeChat's plaintext: random ‖ declared length ‖ body, where
// body is the message and appid, before padding.
func layout(declared uint32, body string) []byte {
	b := []byte(vecRandom)
	b = binary.BigEndian.AppendUint32(b, declared)
	return append(b, body...)
}

// padTo32 adds PKCS#7 padding to a multiple of 32 with pad byte value v
// (normally the pad length).
func padTo32(b []byte, v byte) []byte {
	n := 32 - len(b)%32
	return append(b, bytes.Repeat([]byte{v}, n)...)
}

func TestDecryptRefusals(t *testing.T) {
	t.Parallel()
	c := newVecCrypter(t)
	other, err := callback.NewCrypter(vecToken, vecAESKey, "wx0000000000000002")
	if err != nil {
		t.Fatal(err)
	}
	forOther, err := other.Encrypt([]byte("<xml/>"))
	if err != nil {
		t.Fatal(err)
	}
	ok := layout(6, "<xml/>"+vecAppID) // 44 bytes, pads with 20

	// A declared length one past the end, correctly padded.
	tooLong := layout(uint32(len("<xml/>"+vecAppID)+1), "<xml/>"+vecAppID)
	// The pad byte says 12, but the eleven before it are not 12.
	inconsistent := append(bytes.Clone(ok), bytes.Repeat([]byte{20}, 19)...)
	inconsistent = append(inconsistent, 12)
	// Pad 32 over a 32-byte plaintext: nothing left, not even the header.
	onlyPadding := bytes.Repeat([]byte{32}, 32)
	// 19 bytes and pad 13: shorter than random and length.
	short := padTo32([]byte("0123456789abcdef\x00\x00\x00"), 13)

	tests := []struct {
		name      string
		encrypted string
		wantErr   error
	}{
		{"another appid", forOther, callback.ErrAppIDMismatch},
		{"appid missing", rawEncrypt(t, padTo32(layout(6, "<xml/>"), 32-26)), callback.ErrAppIDMismatch},
		{"bad base64", "not base64!", callback.ErrBadCiphertext},
		{"URL-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(vecEncrypt), callback.ErrBadCiphertext},
		{"empty", "", callback.ErrBadCiphertext},
		{"20 bytes", base64.StdEncoding.EncodeToString(make([]byte, 20)), callback.ErrBadCiphertext},
		{"a block and a byte", base64.StdEncoding.EncodeToString(make([]byte, 17)), callback.ErrBadCiphertext},
		{"truncated vector", vecEncrypt[:len(vecEncrypt)-8], callback.ErrBadCiphertext},
		{"pad byte 0", rawEncrypt(t, padTo32(bytes.Clone(ok), 0)), callback.ErrBadPadding},
		{"pad byte 33", rawEncrypt(t, padTo32(bytes.Clone(ok), 33)), callback.ErrBadPadding},
		{"pad byte 255", rawEncrypt(t, padTo32(bytes.Clone(ok), 255)), callback.ErrBadPadding},
		{"inconsistent padding", rawEncrypt(t, inconsistent), callback.ErrBadPadding},
		{"only padding", rawEncrypt(t, onlyPadding), callback.ErrBadCiphertext},
		{"shorter than the header", rawEncrypt(t, short), callback.ErrBadCiphertext},
		{"declared length one past the end", rawEncrypt(t, padTo32(tooLong, byte(32-len(tooLong)%32))), callback.ErrBadCiphertext},
		{"declared length 2^32-1", rawEncrypt(t, padTo32(layout(1<<32-1, "<xml/>"+vecAppID), 20)), callback.ErrBadCiphertext},
		{"over MaxBody", strings.Repeat("A", callback.MaxBody+4), callback.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Decrypt(tt.encrypted)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Decrypt error = %v, want %v", err, tt.wantErr)
			}
			if got != nil {
				t.Errorf("Decrypt = %q, want nil", got)
			}
		})
	}

	// The hand-built layout itself decrypts, so the cases above fail for
	// the reason they name.
	if got, err := c.Decrypt(rawEncrypt(t, padTo32(bytes.Clone(ok), 20))); err != nil || string(got) != "<xml/>" {
		t.Errorf("Decrypt(well-formed layout) = %q, %v; want <xml/>, nil", got, err)
	}
}

func TestDecryptTampered(t *testing.T) {
	t.Parallel()
	c := newVecCrypter(t)
	raw, err := base64.StdEncoding.DecodeString(vecEncrypt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(raw)
			tampered[i] ^= flip
			got, err := c.Decrypt(base64.StdEncoding.EncodeToString(tampered))
			if err == nil && string(got) == vecMsg {
				t.Fatalf("byte %d ^ %#x: Decrypt returned the original message", i, flip)
			}
			// The last two blocks hold the appid and the padding.
			if i >= len(raw)-32 && err == nil {
				t.Errorf("byte %d ^ %#x: Decrypt = %q, want an error", i, flip, got)
			}
		}
	}
}
