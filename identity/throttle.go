package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Login limits. Each is a bucket that fills by one for each attempt that
// does not succeed, and drains at a steady rate: once full, it lets one
// more attempt through each time it has drained by one. Every bucket
// drains whole within LoginFailureWindow.
const (
	// MaxFailuresPerAccountAndAddress is how many failures one address may
	// make on one account: it stops a guesser quickly, and only them.
	MaxFailuresPerAccountAndAddress = 5
	// MaxFailuresPerAddress is how many failures one address may make on
	// any accounts.
	MaxFailuresPerAddress = 20
	// MaxFailuresPerAccount is how many failures an account may take from
	// every address together: it bounds guessing spread over many
	// addresses, while one guesser alone cannot lock the account's owner out.
	MaxFailuresPerAccount = 20
)

// limit is one of the login limits.
type limit struct {
	prefix   string
	capacity float64
	// drain is how long the bucket takes to drain by one attempt.
	drain time.Duration
}

var (
	perAccountAndAddress = limit{"pair.", MaxFailuresPerAccountAndAddress, 3 * time.Minute}
	perAddress           = limit{"address.", MaxFailuresPerAddress, 45 * time.Second}
	perAccount           = limit{"account.", MaxFailuresPerAccount, 45 * time.Second}
)

// throttle keeps the login limits in a bucket whose entries expire, so
// that every node sees the same counts. An attempt is reserved in each
// limit, atomically, before its password is checked: attempts that race
// cannot pass a limit together.
type throttle struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// level is a limit's bucket as stored.
type level struct {
	Level float64   `json:"level"`
	At    time.Time `json:"at"`
}

// hashKey makes any string a valid bucket key (an IPv6 address has colons).
func hashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// attempt is an attempt's reservation in the limits that it passed.
type attempt struct {
	keys   []string
	limits []limit
}

// reserve counts an attempt of accountID from addr in each limit, or, if
// one is full, counts it nowhere and reports it refused.
func (t *throttle) reserve(ctx context.Context, accountID, addr string) (attempt, bool, error) {
	var a attempt
	for _, l := range []struct {
		limit
		key string
	}{
		{perAccountAndAddress, hashKey(accountID, addr)},
		{perAddress, hashKey(addr)},
		{perAccount, hashKey(accountID)},
	} {
		ok, err := t.add(ctx, l.prefix+l.key, l.limit, 1)
		if err != nil || !ok {
			return a, false, errors.Join(err, t.release(ctx, a))
		}
		a.keys, a.limits = append(a.keys, l.prefix+l.key), append(a.limits, l.limit)
	}
	return a, true, nil
}

// release takes an attempt back out of the limits: it succeeded.
func (t *throttle) release(ctx context.Context, a attempt) error {
	var errs []error
	for i, key := range a.keys {
		_, err := t.add(ctx, key, a.limits[i], -1)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// add changes the level of a limit's bucket by delta, after draining it
// for the time since its last change; an attempt (delta 1) that would
// overflow it changes nothing and is refused.
func (t *throttle) add(ctx context.Context, key string, l limit, delta float64) (bool, error) {
	for {
		now := t.now()
		var current level
		var revision uint64
		entry, err := t.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return false, err
		default:
			revision = entry.Revision()
			_ = json.Unmarshal(entry.Value(), &current) // a value of another layout counts as empty
		}
		drained := max(0, current.Level-float64(now.Sub(current.At))/float64(l.drain))
		next := max(0, drained+delta)
		if delta > 0 && next > l.capacity {
			return false, nil
		}
		raw, err := json.Marshal(level{Level: next, At: now})
		if err != nil {
			return false, err
		}
		if revision == 0 {
			_, err = t.kv.Create(ctx, key, raw)
		} else {
			_, err = t.kv.Update(ctx, key, raw, revision)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue // a concurrent attempt: read again
		}
		return err == nil, err
	}
}
