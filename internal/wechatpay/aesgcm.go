package wechatpay

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrDecrypt is wrapped when an AES-GCM ciphertext does not open (wrong key,
// nonce, associated data, or a tampered ciphertext).
var ErrDecrypt = errors.New("wechatpay: decryption failed")

// AlgorithmAESGCM is the only resource algorithm of API v3 notifications.
const AlgorithmAESGCM = "AEAD_AES_256_GCM"

// CouponCodeAssociatedData is the associated data of the coupon code carried
// encrypted in 商家券 jump links (§3.10).
const CouponCodeAssociatedData = "COUPON_CODE"

// APIv3KeyLen is the length of the APIv3 key, used as raw bytes.
const APIv3KeyLen = 32

func gcm(key []byte) (cipher.AEAD, error) {
	if len(key) != APIv3KeyLen {
		return nil, fmt.Errorf("wechatpay: APIv3 key must be %d bytes, got %d", APIv3KeyLen, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: aes: %w", err)
	}
	// WeChat's nonces are 12 characters, the standard GCM nonce size.
	return cipher.NewGCM(block)
}

// EncryptAESGCM seals plaintext with AES-256-GCM under the APIv3 key (raw 32
// bytes), nonce (12 bytes) and associated data, and returns the Base64 of
// ciphertext‖tag (the emulator's side).
func EncryptAESGCM(apiV3Key []byte, nonce, associatedData string, plaintext []byte) (string, error) {
	aead, err := gcm(apiV3Key)
	if err != nil {
		return "", err
	}
	if len(nonce) != aead.NonceSize() {
		return "", fmt.Errorf("wechatpay: nonce must be %d bytes, got %d", aead.NonceSize(), len(nonce))
	}
	return base64.StdEncoding.EncodeToString(aead.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))), nil
}

// DecryptAESGCM opens the Base64 ciphertext‖tag with AES-256-GCM under the
// APIv3 key, nonce and associated data. Failures wrap ErrDecrypt.
func DecryptAESGCM(apiV3Key []byte, nonce, associatedData, ciphertext string) ([]byte, error) {
	aead, err := gcm(apiV3Key)
	if err != nil {
		return nil, err
	}
	if len(nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("%w: nonce must be %d bytes, got %d", ErrDecrypt, aead.NonceSize(), len(nonce))
	}
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext is not base64", ErrDecrypt)
	}
	plain, err := aead.Open(nil, []byte(nonce), raw, []byte(associatedData))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrDecrypt)
	}
	return plain, nil
}

// Notification is the envelope of an event notification (§5.1); fields in
// the order of the reference's N1 vector, so a marshalled envelope matches it.
type Notification struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	ResourceType string   `json:"resource_type"`
	EventType    string   `json:"event_type"`
	Summary      string   `json:"summary"`
	Resource     Resource `json:"resource"`
}

// Resource is a notification's encrypted resource.
type Resource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// ParseNotification parses a notification body (verify it first).
func ParseNotification(body []byte) (Notification, error) {
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return n, fmt.Errorf("wechatpay: notification is not JSON: %w", err)
	}
	return n, nil
}

// DecryptResource opens a notification resource with the APIv3 key.
func DecryptResource(apiV3Key []byte, r Resource) ([]byte, error) {
	if r.Algorithm != AlgorithmAESGCM {
		return nil, fmt.Errorf("%w: resource algorithm %q", ErrDecrypt, clip(r.Algorithm))
	}
	return DecryptAESGCM(apiV3Key, r.Nonce, r.AssociatedData, r.Ciphertext)
}

// EncryptResource seals a resource plaintext (the emulator's side).
func EncryptResource(apiV3Key []byte, originalType, associatedData, nonce string, plaintext []byte) (Resource, error) {
	ct, err := EncryptAESGCM(apiV3Key, nonce, associatedData, plaintext)
	if err != nil {
		return Resource{}, err
	}
	return Resource{OriginalType: originalType, Algorithm: AlgorithmAESGCM, Ciphertext: ct, AssociatedData: associatedData, Nonce: nonce}, nil
}

// DecryptCouponCode reads the coupon code of a 商家券 jump link (§3.10): the
// link's nonce and its ciphertext query parameter (already URL-decoded).
func DecryptCouponCode(apiV3Key []byte, nonce, ciphertext string) (string, error) {
	plain, err := DecryptAESGCM(apiV3Key, nonce, CouponCodeAssociatedData, ciphertext)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}
