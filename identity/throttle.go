package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// Login failure limits, within bus.LoginFailureWindow of the last failure.
const (
	MaxFailuresPerAccount = 5
	MaxFailuresPerAddress = 20
)

// throttle counts failed logins per account and per client address in a
// bucket whose entries expire, so that every node sees the same counts.
type throttle struct{ kv jetstream.KeyValue }

func accountCounter(accountID string) string { return "account." + hashKey(accountID) }
func addressCounter(addr string) string      { return "address." + hashKey(addr) }

// hashKey makes any string a valid bucket key (an IPv6 address has colons).
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// blocked reports whether the account or the address has failed too often.
func (t *throttle) blocked(ctx context.Context, accountID, addr string) (bool, error) {
	for key, limit := range map[string]int{accountCounter(accountID): MaxFailuresPerAccount, addressCounter(addr): MaxFailuresPerAddress} {
		n, _, err := t.count(ctx, key)
		if err != nil {
			return false, err
		}
		if n >= limit {
			return true, nil
		}
	}
	return false, nil
}

// fail counts one more failure for the account and the address.
func (t *throttle) fail(ctx context.Context, accountID, addr string) error {
	for _, key := range []string{accountCounter(accountID), addressCounter(addr)} {
		if err := t.increment(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// reset forgets an account's failures after a successful login.
func (t *throttle) reset(ctx context.Context, accountID string) error {
	err := t.kv.Delete(ctx, accountCounter(accountID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

func (t *throttle) count(ctx context.Context, key string) (int, uint64, error) {
	entry, err := t.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	n, _ := strconv.Atoi(string(entry.Value()))
	return n, entry.Revision(), nil
}

func (t *throttle) increment(ctx context.Context, key string) error {
	for {
		n, revision, err := t.count(ctx, key)
		if err != nil {
			return err
		}
		value := []byte(strconv.Itoa(n + 1))
		if revision == 0 {
			_, err = t.kv.Create(ctx, key, value)
		} else {
			_, err = t.kv.Update(ctx, key, value, revision)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue // a concurrent failure: count again
		}
		return err
	}
}
