package service

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Merchant passwords: the contract allows 8–128 characters, counted as
// characters (a 汉字 is one), while bcrypt reads at most 72 bytes and refuses
// more.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
	bcryptMaxBytes    = 72
)

// passwordKey is what bcrypt hashes for a password. Up to 72 bytes it is the
// password itself, so hashes made before longer passwords were allowed still
// match. A longer one is first reduced to its SHA-256 (in base64, 51 bytes
// with the prefix): bcrypt would otherwise ignore everything after byte 72,
// and two passwords sharing their first 72 bytes would be the same password.
func passwordKey(password string) []byte {
	if len(password) <= bcryptMaxBytes {
		return []byte(password)
	}
	sum := sha256.Sum256([]byte(password))
	return []byte("sha256:" + base64.StdEncoding.EncodeToString(sum[:]))
}

// checkPassword checks a new password's length; field names it in the error.
func checkPassword(field, password string) error {
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		return Invalid(field, "%s: not valid UTF-8", field)
	case n < MinPasswordLength:
		return Invalid(field, "%s: at least %d characters", field, MinPasswordLength)
	case n > MaxPasswordLength:
		return Invalid(field, "%s: at most %d characters", field, MaxPasswordLength)
	}
	return nil
}

// hashPassword checks a new password (field names it in the error) and hashes it.
func hashPassword(field, password string) (string, error) {
	if err := checkPassword(field, password); err != nil {
		return "", err
	}
	hash, err := bcrypt.GenerateFromPassword(passwordKey(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(hash), nil
}

// passwordMatches reports whether password is the one hash was made from.
func passwordMatches(hash []byte, password string) bool {
	return bcrypt.CompareHashAndPassword(hash, passwordKey(password)) == nil
}
