package submit

import (
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrRateLimited means a client sent more submissions than its allowance;
// it may send again after a short wait.
var ErrRateLimited = errors.New("submit: too many submissions from this client")

// RateLimit bounds how many submissions one client (an address) may send:
// PerMinute on average, Burst at once. A zero PerMinute sets no bound.
type RateLimit struct {
	PerMinute int
	Burst     int
}

// ClientLimiter keeps one token bucket per client, forgetting those idle
// for a while: the bound on submissions, and on any other thing a client
// may ask too often.
type ClientLimiter struct {
	limit RateLimit
	mu    sync.Mutex
	seen  map[string]*clientBucket
	last  time.Time
}

type clientBucket struct {
	bucket *rate.Limiter
	used   time.Time
}

// idleAfter is how long a client's bucket is kept without use.
const idleAfter = 10 * time.Minute

// NewClientLimiter bounds each client to limit.
func NewClientLimiter(limit RateLimit) *ClientLimiter {
	return &ClientLimiter{limit: limit, seen: map[string]*clientBucket{}}
}

// Allow reports whether client may go on now, taking one token.
func (l *ClientLimiter) Allow(client string, now time.Time) bool {
	if l == nil || l.limit.PerMinute <= 0 || client == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.last) > idleAfter {
		for key, c := range l.seen {
			if now.Sub(c.used) > idleAfter {
				delete(l.seen, key)
			}
		}
		l.last = now
	}
	c, ok := l.seen[client]
	if !ok {
		c = &clientBucket{bucket: rate.NewLimiter(rate.Limit(float64(l.limit.PerMinute)/60), max(l.limit.Burst, 1))}
		l.seen[client] = c
	}
	c.used = now
	return c.bucket.AllowN(now, 1)
}
