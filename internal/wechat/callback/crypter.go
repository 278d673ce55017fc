package callback

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// MaxBody is the largest input ParseEnvelope, ParseEvent and Decrypt accept
// (in bytes; for Decrypt, of the base64 text). WeChat's card events are small.
const MaxBody = 1 << 20

// Errors returned (wrapped) by this package; match them with errors.Is.
var (
	// ErrBadKey: the EncodingAESKey is not 43 base64 characters for 32
	// bytes, or the token is empty.
	ErrBadKey = errors.New("callback: bad key")
	// ErrBadCiphertext: the Encrypt value is not base64, not whole AES
	// blocks, or decrypts to something without WeChat's layout (too short,
	// or a message length past the end).
	ErrBadCiphertext = errors.New("callback: bad ciphertext")
	// ErrBadPadding: the decrypted text does not end in PKCS#7 padding of
	// 1 to 32 bytes.
	ErrBadPadding = errors.New("callback: bad padding")
	// ErrAppIDMismatch: the decrypted message is addressed to another appid.
	ErrAppIDMismatch = errors.New("callback: appid mismatch")
	// ErrTooLarge: the input is over MaxBody.
	ErrTooLarge = errors.New("callback: input too large")
	// ErrMalformed: the XML is not well formed (or uses a DTD or an
	// undeclared entity), or a required field is missing or not a number.
	ErrMalformed = errors.New("callback: malformed message")
)

const (
	keyLen     = 32 // AES-256
	randomLen  = 16
	lengthLen  = 4
	padBlock   = 32 // WeChat pads with PKCS#7 to 32 bytes, not AES's 16
	encodedKey = 43
)

// Crypter encrypts and decrypts safe-mode messages for one appid. It is safe
// for concurrent use.
type Crypter struct {
	token string
	appID string
	key   []byte // 32 bytes; the IV is key[:16]
	block cipher.Block
}

// NewCrypter takes the callback token, the 43-character EncodingAESKey and
// the appid the messages are addressed to. The AES key is the base64
// decoding of encodingAESKey+"="; the IV is its first 16 bytes.
func NewCrypter(token, encodingAESKey, appID string) (*Crypter, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: empty token", ErrBadKey)
	}
	if len(encodingAESKey) != encodedKey {
		return nil, fmt.Errorf("%w: EncodingAESKey has %d characters, want %d", ErrBadKey, len(encodingAESKey), encodedKey)
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != keyLen {
		return nil, fmt.Errorf("%w: EncodingAESKey is not base64 of 32 bytes", ErrBadKey)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return &Crypter{token: token, appID: appID, key: key, block: block}, nil
}

// Token is the callback token the signatures use.
func (c *Crypter) Token() string { return c.token }

// MsgSignature is the safe-mode msg_signature of an Encrypt value:
// Signature(token, timestamp, nonce, encrypted).
func (c *Crypter) MsgSignature(timestamp, nonce, encrypted string) string {
	return Signature(c.token, timestamp, nonce, encrypted)
}

// Encrypt encrypts msg as WeChat does, with 16 random bytes from crypto/rand:
// base64(AES-256-CBC(random ‖ len(msg) as 4 bytes big-endian ‖ msg ‖ appid ‖
// PKCS#7 padding to 32 bytes)). It returns ErrTooLarge when the result would
// be over MaxBody, which Decrypt would refuse.
func (c *Crypter) Encrypt(msg []byte) (string, error) {
	random := make([]byte, randomLen)
	if _, err := rand.Read(random); err != nil {
		return "", fmt.Errorf("callback: encrypt: %w", err)
	}
	return c.EncryptWithRandom(msg, random)
}

// EncryptWithRandom is Encrypt with the given 16 random bytes, for
// known-answer tests.
func (c *Crypter) EncryptWithRandom(msg, random []byte) (string, error) {
	if len(random) != randomLen {
		return "", fmt.Errorf("callback: encrypt: random has %d bytes, want %d", len(random), randomLen)
	}
	n := randomLen + lengthLen + len(msg) + len(c.appID)
	pad := padBlock - n%padBlock
	if base64.StdEncoding.EncodedLen(n+pad) > MaxBody {
		return "", fmt.Errorf("callback: encrypt %d bytes: %w", len(msg), ErrTooLarge)
	}
	buf := make([]byte, 0, n+pad)
	buf = append(buf, random...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(msg)))
	buf = append(buf, msg...)
	buf = append(buf, c.appID...)
	buf = append(buf, bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt reverses Encrypt and returns the message. It refuses bad base64 or
// a length that is not whole AES blocks (ErrBadCiphertext), padding other
// than 1 to 32 equal bytes of that value (ErrBadPadding), a declared message
// length past the end (ErrBadCiphertext) and an appid other than ours
// (ErrAppIDMismatch). Verify the msg_signature before calling it.
func (c *Crypter) Decrypt(encrypted string) ([]byte, error) {
	if len(encrypted) > MaxBody {
		return nil, fmt.Errorf("callback: decrypt: %w", ErrTooLarge)
	}
	buf, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %v", ErrBadCiphertext, err)
	}
	if len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not whole AES blocks", ErrBadCiphertext, len(buf))
	}
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)

	pad := int(buf[len(buf)-1])
	if pad < 1 || pad > padBlock || pad > len(buf) {
		return nil, fmt.Errorf("%w: pad byte %d", ErrBadPadding, pad)
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: inconsistent pad bytes", ErrBadPadding)
		}
	}
	buf = buf[:len(buf)-pad]

	if len(buf) < randomLen+lengthLen {
		return nil, fmt.Errorf("%w: %d bytes of plaintext is too short", ErrBadCiphertext, len(buf))
	}
	rest := buf[randomLen+lengthLen:]
	n := uint64(binary.BigEndian.Uint32(buf[randomLen:]))
	if n > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: message length %d past the end (%d bytes)", ErrBadCiphertext, n, len(rest))
	}
	msg, appID := rest[:n:n], rest[n:]
	if string(appID) != c.appID {
		return nil, fmt.Errorf("%w: message for %q", ErrAppIDMismatch, truncate(appID, 64))
	}
	return msg, nil
}

// truncate keeps error messages short when the input is large.
func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
