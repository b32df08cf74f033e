package identity_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/test/testkit"
)

type loginKit struct {
	stores
	bus      *bus.Bus
	sessions *identity.Sessions
	logins   *identity.Logins
	clock    *testkit.Clock
}

func newLoginKit(t *testing.T) *loginKit {
	t.Helper()
	ctx := context.Background()
	b := bus.StartTest(t)
	k := &loginKit{stores: open(t, b, ""), bus: b, clock: testkit.NewClock(time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC))}
	var err error
	k.sessions, err = identity.NewSessions(ctx, b, identity.SessionConfig{
		IdleTimeout: 30 * time.Minute,
		MaxAge:      8 * time.Hour,
		Now:         k.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	k.logins, err = identity.NewLogins(ctx, b, k.accounts, k.credentials, k.sessions, identity.NewAudit(b), k.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	account := identity.Account{
		ID:     "c-schmitt",
		Name:   "Claire Schmitt",
		Email:  "claire.schmitt@moselle.fr",
		Role:   identity.RoleAgent,
		Active: true,
	}
	if err := k.accounts.Put(ctx, account); err != nil {
		t.Fatal(err)
	}
	if err := k.credentials.SetPassword(ctx, account, "le chat dort sur le radiateur"); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestPasswordRules(t *testing.T) {
	a := identity.Account{ID: "c-schmitt", Email: "claire.schmitt@moselle.fr"}
	refused := map[string]string{
		"court":                  "au moins 12",
		"123qweasdzxc":           "plus utilisés",
		"QWERTYUIOPASDFGHJKL":    "plus utilisés",
		"mon-c-schmitt-2026":     "identifiant",
		"claire.schmitt!!":       "identifiant",
		strings.Repeat("é", 257): "au plus 256",
	}
	for password, why := range refused {
		var pe *identity.PasswordError
		if err := identity.CheckPassword(password, a); !errors.As(err, &pe) || !strings.Contains(pe.Reason.FR, why) {
			t.Errorf("%.20q: %v, want a refusal about %q", password, err, why)
		}
	}
	for _, password := range []string{"le chat dort sur le radiateur", "Mosel-Saar-Lux 2026 !", "ÉtéÀMetz·Şükrü"} {
		if err := identity.CheckPassword(password, a); err != nil {
			t.Errorf("%q refused: %v", password, err)
		}
	}
}

// Passwords are stored as argon2id hashes, never as they were typed.
func TestPasswordsAreHashed(t *testing.T) {
	k := newLoginKit(t)
	ctx := context.Background()
	kv, err := k.bus.KV(ctx, bus.BucketCredentials)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := kv.Get(ctx, "c-schmitt")
	if err != nil {
		t.Fatal(err)
	}
	stored := string(entry.Value())
	if !strings.HasPrefix(stored, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(stored, "radiateur") {
		t.Errorf("stored credential = %q", stored)
	}
	for _, bucket := range []string{bus.BucketAccounts, bus.BucketSessions, bus.BucketLoginFailures} {
		kv, err := k.bus.KV(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for key := range keys.Keys() {
			if e, err := kv.Get(ctx, key); err == nil && strings.Contains(string(e.Value()), "radiateur") {
				t.Errorf("the password is in clear in bucket %s", bucket)
			}
		}
	}
	if ok, _, _ := k.credentials.Verify(ctx, "c-schmitt", "le chat dort sur le radiateur"); !ok {
		t.Error("the right password is refused")
	}
	for _, wrong := range []string{"", "le chat dort sur le radiateur ", "Le chat dort sur le radiateur"} {
		if ok, _, _ := k.credentials.Verify(ctx, "c-schmitt", wrong); ok {
			t.Errorf("%q accepted", wrong)
		}
	}
	if ok, _, err := k.credentials.Verify(ctx, "personne", "le chat dort sur le radiateur"); ok || err != nil {
		t.Errorf("unknown account: %v %v", ok, err)
	}
}

func TestLoginSessionAndExpiry(t *testing.T) {
	k := newLoginKit(t)
	ctx := context.Background()
	id, sess, err := k.logins.Login(ctx, "c-schmitt", "le chat dort sur le radiateur", "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	if len(id) < 40 || sess.AccountID != "c-schmitt" || len(sess.CSRF) < 40 {
		t.Fatalf("session %q %+v", id, sess)
	}
	got, err := k.sessions.Get(ctx, id)
	if err != nil || got.AccountID != "c-schmitt" || !got.CSRFMatches(sess.CSRF) || got.CSRFMatches("") || got.CSRFMatches(id) {
		t.Fatalf("session lookup: %+v %v", got, err)
	}
	second, _, err := k.logins.Login(ctx, "c-schmitt", "le chat dort sur le radiateur", "192.0.2.10")
	if err != nil || second == id {
		t.Fatalf("a second login reused the session id: %v", err)
	}

	// Used within the idle timeout, a session lives until its maximum age.
	for range 7 {
		k.clock.Advance(25 * time.Minute)
		if _, err := k.sessions.Get(ctx, id); err != nil {
			t.Fatalf("active session ended: %v", err)
		}
	}
	k.clock.Advance(31 * time.Minute)
	if _, err := k.sessions.Get(ctx, second); !errors.Is(err, identity.ErrUnauthenticated) {
		t.Errorf("idle session: %v", err)
	}
	for range 12 {
		k.clock.Advance(25 * time.Minute)
		_, err = k.sessions.Get(ctx, id)
	}
	if !errors.Is(err, identity.ErrUnauthenticated) {
		t.Errorf("session past its maximum age: %v", err)
	}

	// Logout and revocation end sessions.
	id, _, err = k.logins.Login(ctx, "c-schmitt", "le chat dort sur le radiateur", "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	if err := k.logins.Logout(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := k.sessions.Get(ctx, id); !errors.Is(err, identity.ErrUnauthenticated) {
		t.Errorf("session after logout: %v", err)
	}
	a, _, _ := k.logins.Login(ctx, "c-schmitt", "le chat dort sur le radiateur", "192.0.2.10")
	b, _, _ := k.logins.Login(ctx, "c-schmitt", "le chat dort sur le radiateur", "192.0.2.11")
	if err := k.sessions.RevokeAccount(ctx, "c-schmitt"); err != nil {
		t.Fatal(err)
	}
	for _, revoked := range []string{a, b} {
		if _, err := k.sessions.Get(ctx, revoked); !errors.Is(err, identity.ErrUnauthenticated) {
			t.Errorf("revoked session: %v", err)
		}
	}

	// A deactivated account cannot sign in, and learns no more than from a wrong password.
	account, _ := k.accounts.Get(ctx, "c-schmitt")
	account.Active = false
	if err := k.accounts.Put(ctx, account); err != nil {
		t.Fatal(err)
	}
	_, _, err = k.logins.Login(ctx, "c-schmitt", "le chat dort sur le radiateur", "192.0.2.10")
	if !errors.Is(err, identity.ErrBadCredentials) {
		t.Errorf("deactivated account: %v", err)
	}
}

// attempts tries a password on an account from each address at once, and
// counts the attempts whose password was checked (a wrong one) and those
// refused by the limits.
func (k *loginKit) attempts(t *testing.T, account, password string, addrs []string) (checked, refused int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, addr := range addrs {
		wg.Go(func() {
			_, _, err := k.logins.Login(context.Background(), account, password, addr)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, identity.ErrBadCredentials):
				checked++
			case errors.Is(err, identity.ErrTooManyAttempts):
				refused++
			default:
				t.Errorf("attempt from %s: %v", addr, err)
			}
		})
	}
	wg.Wait()
	return checked, refused
}

func repeat(addr string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = addr
	}
	return out
}

// Wrong passwords sent all at once cannot race past the limits: each
// attempt is counted before its password is checked. A guesser is stopped
// on their own address without locking the account's owner out; guesses
// spread over many addresses are bounded by the account's limit, which
// drains again with time.
func TestFailedLoginsAreLimitedAndRecorded(t *testing.T) {
	k := newLoginKit(t)
	ctx := context.Background()
	const right = "le chat dort sur le radiateur"
	calls := 0

	checked, refused := k.attempts(t, "c-schmitt", "mauvais mot de passe", repeat("192.0.2.10", 60))
	calls += 60
	if checked != identity.MaxFailuresPerAccountAndAddress || refused != 60-checked {
		t.Errorf("60 wrong passwords at once from one address: %d checked, %d refused", checked, refused)
	}
	// The guesser's address stays refused, even with the right password…
	if _, _, err := k.logins.Login(ctx, "c-schmitt", right, "192.0.2.10"); !errors.Is(err, identity.ErrTooManyAttempts) {
		t.Errorf("the right password from the guesser's address: %v", err)
	}
	// …but the owner, elsewhere, signs in.
	if _, _, err := k.logins.Login(ctx, "c-schmitt", right, "198.51.100.7"); err != nil {
		t.Errorf("the owner from another address: %v", err)
	}
	calls += 2
	// The guesser gets one more try once the limit has drained by one.
	k.clock.Advance(3 * time.Minute)
	if checked, _ := k.attempts(t, "c-schmitt", "mauvais mot de passe", repeat("192.0.2.10", 3)); checked != 1 {
		t.Errorf("after 3 minutes, %d attempts checked, want 1", checked)
	}
	calls += 3

	// Spread over 40 addresses, the account's own limit holds.
	k.clock.Advance(time.Hour)
	var addrs []string
	for i := range 40 {
		addrs = append(addrs, fmt.Sprintf("203.0.113.%d", i+1))
	}
	checked, refused = k.attempts(t, "c-schmitt", "mauvais mot de passe", addrs)
	calls += 40
	if checked != identity.MaxFailuresPerAccount || refused != 40-checked {
		t.Errorf("40 wrong passwords at once from 40 addresses: %d checked, %d refused", checked, refused)
	}
	if _, _, err := k.logins.Login(ctx, "c-schmitt", right, "198.51.100.7"); !errors.Is(err, identity.ErrTooManyAttempts) {
		t.Errorf("the right password while the account's limit is full: %v", err)
	}
	k.clock.Advance(45 * time.Second)
	if _, _, err := k.logins.Login(ctx, "c-schmitt", right, "198.51.100.7"); err != nil {
		t.Errorf("the right password once the account's limit drained by one: %v", err)
	}
	calls += 2

	// One address trying many accounts is limited too.
	k.clock.Advance(time.Hour)
	for i := range identity.MaxFailuresPerAddress {
		_, _, _ = k.logins.Login(ctx, "compte-"+string(rune('a'+i)), "mauvais mot de passe", "203.0.113.5")
	}
	if _, _, err := k.logins.Login(ctx, "autre-compte", "mauvais mot de passe", "203.0.113.5"); !errors.Is(err, identity.ErrTooManyAttempts) {
		t.Errorf("after %d failures from one address: %v", identity.MaxFailuresPerAddress, err)
	}
	calls += identity.MaxFailuresPerAddress + 1

	// Every attempt is in the security log, without the password.
	stream, err := k.bus.JS.Stream(ctx, bus.StreamAudit)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(calls) {
		t.Errorf("%d security events, want %d", info.State.Msgs, calls)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(msg.Data), "mot de passe") || strings.Contains(string(msg.Data), "radiateur") {
			t.Errorf("a password is in the security log: %s", msg.Data)
		}
	}
}
