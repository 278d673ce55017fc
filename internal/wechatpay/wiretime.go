package wechatpay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ChinaTime is UTC+8, the offset WeChat Pay writes its times in.
var ChinaTime = time.FixedZone("CST", 8*3600)

// Time is an RFC 3339 time on the wire: sent with seconds in UTC+8 (the
// zone WeChat Pay documents), read with or without fractions and in any
// offset; "" and null read as the zero time. Tag fields `omitzero`.
type Time struct{ time.Time }

// NewTime wraps t.
func NewTime(t time.Time) Time { return Time{t} }

// MarshalJSON writes e.g. "2023-11-15T06:13:20+08:00".
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + t.In(ChinaTime).Format(time.RFC3339) + `"`), nil
}

// UnmarshalJSON reads RFC 3339 with optional fractions.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte(`""`)) {
		t.Time = time.Time{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("wechatpay: time %s is not a string", clip(string(b)))
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("wechatpay: time %q is not RFC 3339", clip(s))
	}
	t.Time = v
	return nil
}

// WeekDays is available_week.week_day: 0 = Sunday … 6. Documentation
// examples echo it as strings, so both forms are read; numbers are sent.
type WeekDays []int

// UnmarshalJSON reads [1,2] or ["1","2"].
func (w *WeekDays) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(WeekDays, 0, len(raw))
	for _, r := range raw {
		var n int
		if err := json.Unmarshal(r, &n); err != nil {
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return fmt.Errorf("wechatpay: week_day %s", clip(string(r)))
			}
			if n, err = strconv.Atoi(s); err != nil {
				return fmt.Errorf("wechatpay: week_day %q", clip(s))
			}
		}
		out = append(out, n)
	}
	*w = out
	return nil
}
