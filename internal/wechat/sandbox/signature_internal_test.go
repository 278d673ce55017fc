package sandbox

import (
	"testing"
	"time"
)

func TestCardSignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		// wechat-card-api.md §7.1, the official worked example.
		{"official example", []string{"ojZ8YtyVyr30HheH3CM73y7h4jJE", "1404896688", "pjZ8Yt1XGILfi-FUsewpnnolGgZk", "1434008071", "", "123"},
			"f137ab68b7f8112d20ee528ab6074564e2796250"},
		{"empty values change nothing", []string{"", "1434008071", "123", "", "1404896688", "pjZ8Yt1XGILfi-FUsewpnnolGgZk", "ojZ8YtyVyr30HheH3CM73y7h4jJE"},
			"f137ab68b7f8112d20ee528ab6074564e2796250"},
	}
	for _, tt := range tests {
		if got := cardSignature(tt.values...); got != tt.want {
			t.Errorf("%s: signature = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestTermWindow(t *testing.T) {
	t.Parallel()
	// 2025-06-01 23:30 UTC+8 is still June 1st in UTC+8 (15:30 UTC).
	received := mustUnix(t, "2025-06-01T23:30:00+08:00")
	tests := []struct {
		name          string
		d             dateInfo
		begin, end    string
		explicitStart bool
	}{
		{"same day, 1 day", dateInfo{typ: dateFixTerm, fixedTerm: 1}, "2025-06-01T00:00:00+08:00", "2025-06-01T23:59:59+08:00", false},
		{"term 0 is the day of receipt", dateInfo{typ: dateFixTerm}, "2025-06-01T00:00:00+08:00", "2025-06-01T23:59:59+08:00", false},
		{"starts 2 days later, 3 days", dateInfo{typ: dateFixTerm, fixedTerm: 3, fixedBeginTerm: 2}, "2025-06-03T00:00:00+08:00", "2025-06-05T23:59:59+08:00", false},
		{"capped by end_timestamp", dateInfo{typ: dateFixTerm, fixedTerm: 30, end: mustUnix(t, "2025-06-10T12:00:00+08:00").Unix()}, "2025-06-01T00:00:00+08:00", "2025-06-10T12:00:00+08:00", false},
		{"explicit start ignores fixed_begin_term", dateInfo{typ: dateFixTerm, fixedTerm: 2, fixedBeginTerm: 5}, "2025-06-01T00:00:00+08:00", "2025-06-02T23:59:59+08:00", true},
	}
	for _, tt := range tests {
		begin, end := termWindow(tt.d, received, tt.explicitStart)
		if want := mustUnix(t, tt.begin).Unix(); begin != want {
			t.Errorf("%s: begin = %d, want %d (%s)", tt.name, begin, want, tt.begin)
		}
		if want := mustUnix(t, tt.end).Unix(); end != want {
			t.Errorf("%s: end = %d, want %d (%s)", tt.name, end, want, tt.end)
		}
	}
}

func mustUnix(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
