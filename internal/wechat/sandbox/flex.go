package sandbox

import (
	"bytes"
	"fmt"
	"strconv"
)

// flexInt is an integer sent as a JSON number or a numeric string (WeChat's
// own examples use both for timestamps); raw keeps the digits as sent.
type flexInt struct {
	v   int64
	raw string
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number, got %s", b)
	}
	f.v, f.raw = n, s
	return nil
}

// intOr is *p's value, or def when p is nil.
func intOr(p *flexInt, def int64) int64 {
	if p == nil {
		return def
	}
	return p.v
}
