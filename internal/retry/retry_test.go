package retry

import (
	"context"
	"testing"
	"time"
)

func TestBackoffGrowsWithinItsCap(t *testing.T) {
	const base, max = 50 * time.Millisecond, time.Second
	for attempt, want := range map[int]time.Duration{1: base, 2: 2 * base, 3: 4 * base, 10: max, 70: max} {
		for range 50 {
			if got := Backoff(attempt, base, max); got < want/2 || got > want {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", attempt, got, want/2, want)
			}
		}
	}
}

func TestSleepStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("Sleep with an ended context = true, want false")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("Sleep(1ms) = false, want true")
	}
}
