package identity

import (
	"context"
	"errors"
	"time"

	"github.com/guichet/guichet/bus"
)

// Errors of a login.
var (
	// ErrBadCredentials means the id or the password is wrong, or the
	// account is deactivated; which one is not said.
	ErrBadCredentials = errors.New("identity: wrong id or password")
	// ErrTooManyAttempts means the account, the address, or the account
	// from that address failed too often lately.
	ErrTooManyAttempts = errors.New("identity: too many failed logins")
)

// Logins signs people in with a password and out again, limits failed
// attempts, and records every attempt in the security log.
type Logins struct {
	accounts    *Accounts
	credentials *Credentials
	sessions    *Sessions
	audit       *Audit
	throttle    throttle
}

// NewLogins wires logins to the account, credential and session stores;
// now tells the time of the login limits (time.Now when nil).
func NewLogins(
	ctx context.Context,
	b *bus.Bus,
	accounts *Accounts,
	credentials *Credentials,
	sessions *Sessions,
	audit *Audit,
	now func() time.Time,
) (*Logins, error) {
	kv, err := b.KV(ctx, bus.BucketLoginFailures)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Logins{
		accounts:    accounts,
		credentials: credentials,
		sessions:    sessions,
		audit:       audit,
		throttle:    throttle{kv: kv, now: now},
	}, nil
}

// Login checks an id and password from a client address and, if they are
// right, starts a new session and returns its id. The attempt is counted
// against the login limits before the password is checked, and taken
// back if it succeeds.
func (l *Logins) Login(ctx context.Context, accountID, password, addr string) (string, Session, error) {
	attempt, allowed, err := l.throttle.reserve(ctx, accountID, addr)
	if err != nil {
		return "", Session{}, err
	}
	if !allowed {
		_ = l.audit.Record(ctx, AuditEvent{Kind: "login.blocked", Account: accountID, Address: addr})
		return "", Session{}, ErrTooManyAttempts
	}
	ok, temporary, err := l.credentials.Verify(ctx, accountID, password)
	if err != nil {
		return "", Session{}, err
	}
	account, err := l.accounts.Get(ctx, accountID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", Session{}, err
	}
	if !ok || err != nil || !account.Active {
		_ = l.audit.Record(ctx, AuditEvent{Kind: "login.failed", Account: accountID, Address: addr})
		return "", Session{}, ErrBadCredentials
	}
	if err := l.throttle.release(ctx, attempt); err != nil {
		return "", Session{}, err
	}
	id, sess, err := l.sessions.Create(ctx, accountID)
	if err != nil {
		return "", Session{}, err
	}
	sess.TemporaryPassword = temporary
	_ = l.audit.Record(ctx, AuditEvent{Kind: "login.succeeded", Account: accountID, Address: addr})
	return id, sess, nil
}

// Logout ends a session.
func (l *Logins) Logout(ctx context.Context, sessionID string) error {
	sess, err := l.sessions.Get(ctx, sessionID)
	if errors.Is(err, ErrUnauthenticated) {
		return nil
	}
	if err != nil {
		return err
	}
	_ = l.audit.Record(ctx, AuditEvent{Kind: "logout", Account: sess.AccountID})
	return l.sessions.Delete(ctx, sessionID)
}
