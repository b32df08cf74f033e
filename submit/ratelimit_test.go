package submit

import (
	"testing"
	"time"
)

// Each address has its own allowance, refilled over time; idle ones are
// forgotten; no limit set means no limit.
func TestLimiter(t *testing.T) {
	l := newLimiter(RateLimit{PerMinute: 60, Burst: 2})
	now := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, true, false} {
		if got := l.allow("10.0.0.1", now); got != want {
			t.Errorf("send %d from one address: %v", i+1, got)
		}
	}
	if !l.allow("10.0.0.2", now) {
		t.Error("another address was slowed")
	}
	if !l.allow("10.0.0.1", now.Add(time.Second)) {
		t.Error("the allowance does not refill")
	}
	l.allow("10.0.0.3", now.Add(time.Hour))
	if len(l.seen) != 1 {
		t.Errorf("%d addresses remembered after an idle hour, want 1", len(l.seen))
	}
	var none *limiter
	if !none.allow("10.0.0.1", now) || !newLimiter(RateLimit{}).allow("10.0.0.1", now) {
		t.Error("no limit refuses")
	}
}
