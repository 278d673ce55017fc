package service_test

import (
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/service"
)

// A username's failures slow its logins progressively, within a bound; they
// never block it.
func TestLoginDelay(t *testing.T) {
	t.Parallel()
	for failures, want := range map[int64]time.Duration{
		0: 0, 4: 0,
		5: 250 * time.Millisecond, 6: 500 * time.Millisecond, 7: time.Second,
		8: 2 * time.Second, 9: 2 * time.Second, 1000: 2 * time.Second,
	} {
		if got := service.LoginDelay(failures); got != want {
			t.Errorf("LoginDelay(%d) = %s, want %s", failures, got, want)
		}
	}
}
