package config

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MembershipNumberMax is WeChat's limit on a membership number
// (card/membercard/activate: membership_number string(20), in bytes; 45021
// beyond).
const MembershipNumberMax = 20

// generatedCodeLen is the length of the codes WeChat generates (12 digits).
// Custom codes may be up to 20 bytes: a number they would take over the
// limit is refused at activation, before WeChat is called.
const generatedCodeLen = 12

// checkMemberNumberPattern checks MEMBER_NUMBER_PATTERN: text with {code}
// exactly once (numbers unique per card) and no other placeholder, and short
// enough that every WeChat-generated code makes a number WeChat accepts.
func checkMemberNumberPattern(p string) error {
	if !utf8.ValidString(p) {
		return &Error{"MEMBER_NUMBER_PATTERN", "want UTF-8 text"}
	}
	for _, r := range p {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return &Error{"MEMBER_NUMBER_PATTERN", fmt.Sprintf("%q: membership numbers cannot hold spaces or control characters", p)}
		}
	}
	text, codes := 0, 0
	for rest := p; rest != ""; {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			text += len(rest)
			break
		}
		text += i
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, "{code}"):
			codes++
			rest = rest[len("{code}"):]
		case strings.HasPrefix(rest, "{openid}"):
			return &Error{"MEMBER_NUMBER_PATTERN", fmt.Sprintf("%q: {openid} is 28 bytes, more than WeChat's %d-byte membership number; use {code}", p, MembershipNumberMax)}
		default:
			end := strings.IndexByte(rest, '}')
			if rest[0] == '}' || end < 0 {
				return &Error{"MEMBER_NUMBER_PATTERN", fmt.Sprintf("%q: a brace outside {code}; the only placeholder is {code}", p)}
			}
			return &Error{"MEMBER_NUMBER_PATTERN", fmt.Sprintf("%q: unknown placeholder %s; the only placeholder is {code}", p, rest[:end+1])}
		}
	}
	if codes != 1 {
		return &Error{"MEMBER_NUMBER_PATTERN", fmt.Sprintf("%q: want {code} exactly once (numbers are unique per card because codes are), e.g. VIP{code}", p)}
	}
	if text+generatedCodeLen > MembershipNumberMax {
		return &Error{"MEMBER_NUMBER_PATTERN", fmt.Sprintf("%q has %d bytes of text: with WeChat's %d-digit codes its numbers would be %d bytes, and WeChat accepts %d; at most %d bytes of text",
			p, text, generatedCodeLen, text+generatedCodeLen, MembershipNumberMax, MembershipNumberMax-generatedCodeLen)}
	}
	return nil
}
