package service

import "time"

// What card-ext signs for a user is checked first: WeChat trusts the signed
// values, so a code or a validity start the merchant did not intend must not
// be signed.

// maxCustomCode is the longest custom code card-ext signs.
const maxCustomCode = 20

// Bounds of fixed_begintimestamp around now: a fixed-term card's validity may
// start a little in the past (a client that waited) or just ahead (clock skew),
// never far away from the moment the user receives it.
const (
	fixedBeginMaxPast   = 30 * 24 * time.Hour
	fixedBeginMaxFuture = 10 * time.Minute
)

// validCustomCode reports whether code is 1 to maxCustomCode characters of
// 0-9 A-Z a-z _ - (bytes outside that set, control characters and non-ASCII
// letters included, are refused).
func validCustomCode(code string) bool {
	if code == "" || len(code) > maxCustomCode {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// fixedBeginInRange reports whether ts (unix seconds) lies between 30 days
// before now and 10 minutes after it.
func fixedBeginInRange(ts int64, now time.Time) bool {
	t := time.Unix(ts, 0)
	return !t.Before(now.Add(-fixedBeginMaxPast)) && !t.After(now.Add(fixedBeginMaxFuture))
}
