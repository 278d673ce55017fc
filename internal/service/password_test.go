package service

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// A hash made before long passwords were allowed (bcrypt over the password
// itself) still matches: short passwords are hashed as they are.
func TestPasswordHashesOfShortPasswordsUnchanged(t *testing.T) {
	old, err := bcrypt.GenerateFromPassword([]byte("boss-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !passwordMatches(old, "boss-password") || passwordMatches(old, "boss-passwore") {
		t.Fatal("a bcrypt hash of the password itself should match it, and only it")
	}
}

func TestLongPasswordsDifferAfterByte72(t *testing.T) {
	a, b := strings.Repeat("x", 72)+"a", strings.Repeat("x", 72)+"b"
	hash, err := hashPassword("password", a)
	if err != nil {
		t.Fatal(err)
	}
	if !passwordMatches([]byte(hash), a) {
		t.Fatal("the password does not match its own hash")
	}
	if passwordMatches([]byte(hash), b) || passwordMatches([]byte(hash), strings.Repeat("x", 72)) {
		t.Fatal("passwords sharing their first 72 bytes matched each other")
	}
}

func TestPasswordLengthInCharacters(t *testing.T) {
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{strings.Repeat("a", 7), false},
		{strings.Repeat("a", 8), true},
		{strings.Repeat("卡", 8), true},
		{strings.Repeat("卡", 128), true},
		{strings.Repeat("a", 129), false},
		{"abcdefg\xff", false},
	} {
		if err := checkPassword("password", tc.password); (err == nil) != tc.ok {
			t.Errorf("checkPassword(%d bytes) = %v, want ok=%v", len(tc.password), err, tc.ok)
		}
	}
}
