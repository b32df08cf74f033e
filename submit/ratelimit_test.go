package submit

import (
	"testing"
	"time"
)

// Each address has its own allowance, refilled over time; idle ones are
// forgotten; no limit set means no limit.
func TestLimiter(t *testing.T) {
	l := NewClientLimiter(RateLimit{PerMinute: 60, Burst: 2})
	now := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, true, false} {
		if got := l.Allow("10.0.0.1", now); got != want {
			t.Errorf("send %d from one address: %v", i+1, got)
		}
	}
	if !l.Allow("10.0.0.2", now) {
		t.Error("another address was slowed")
	}
	if !l.Allow("10.0.0.1", now.Add(time.Second)) {
		t.Error("the allowance does not refill")
	}
	l.Allow("10.0.0.3", now.Add(time.Hour))
	if len(l.seen) != 1 {
		t.Errorf("%d addresses remembered after an idle hour, want 1", len(l.seen))
	}
	var none *ClientLimiter
	if !none.Allow("10.0.0.1", now) || !NewClientLimiter(RateLimit{}).Allow("10.0.0.1", now) {
		t.Error("no limit refuses")
	}
}
