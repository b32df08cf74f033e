package identity

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// SignInLinkLifetime is how long a sign-in link sent by email works.
const SignInLinkLifetime = 72 * time.Hour

// ErrLinkInvalid means a sign-in link is unknown, used, expired, or its
// account deactivated.
var ErrLinkInvalid = errors.New("identity: invalid sign-in link")

// SignInLinks are one-time links that let a person sign in once, to
// choose their password: an admin sends one to a new account, or instead
// of a password when resetting. Only the SHA-256 of a link's token is
// stored, with the account it opens; it expires after
// SignInLinkLifetime, and goes once used.
type SignInLinks struct {
	kv       jetstream.KeyValue
	accounts *Accounts
}

// NewSignInLinks opens the bucket of the sign-in links.
func NewSignInLinks(ctx context.Context, b *bus.Bus, accounts *Accounts) (*SignInLinks, error) {
	kv, err := b.KV(ctx, bus.BucketSignInLinks)
	if err != nil {
		return nil, err
	}
	return &SignInLinks{kv: kv, accounts: accounts}, nil
}

// issue stores a new link to an account, and returns its token.
func (l *SignInLinks) issue(ctx context.Context, account string) (string, error) {
	token, err := randomToken(32)
	if err != nil {
		return "", err
	}
	_, err = l.kv.Create(ctx, sessionKey(token), []byte(account))
	return token, err
}

// Account is the active account a link's token opens.
func (l *SignInLinks) Account(ctx context.Context, token string) (Account, error) {
	if token == "" {
		return Account{}, ErrLinkInvalid
	}
	entry, err := l.kv.Get(ctx, sessionKey(token))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Account{}, ErrLinkInvalid
	}
	if err != nil {
		return Account{}, err
	}
	a, err := l.accounts.Get(ctx, string(entry.Value()))
	if errors.Is(err, ErrNotFound) || (err == nil && !a.Active) {
		return Account{}, ErrLinkInvalid
	}
	return a, err
}

// use ends a link, once it served.
func (l *SignInLinks) use(ctx context.Context, token string) error {
	return l.kv.Purge(ctx, sessionKey(token))
}
