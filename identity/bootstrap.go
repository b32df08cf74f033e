package identity

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BootstrapAdminID is the account of the bootstrap admin, who signs in
// with GUICHET_ADMIN_TOKEN or with what the first start printed, creates
// the first real admin, and can then be deactivated.
const BootstrapAdminID = "bootstrap-admin"

// BootstrapTokenLifetime is how long the API token printed at the first
// start lasts: long enough to create the first real admin.
const BootstrapTokenLifetime = 24 * time.Hour

// Bootstrap is what a first start generated for the bootstrap admin, to be
// shown once.
type Bootstrap struct {
	FirstStart bool
	// Password signs the bootstrap admin in on /login.
	Password string
	// Token is an API token, issued when no GUICHET_ADMIN_TOKEN is set.
	Token string
}

// EnsureBootstrapAdmin creates the bootstrap admin's account if it does
// not exist, which is how a first start is recognised, and then gives it
// a generated password and, without a configured token, an API token.
func EnsureBootstrapAdmin(ctx context.Context, accounts *Accounts, credentials *Credentials, tokens *Tokens) (Bootstrap, error) {
	admin := Account{ID: BootstrapAdminID, Name: "Administrateur initial", Role: RoleAdmin, Active: true}
	raw, err := json.Marshal(admin)
	if err != nil {
		return Bootstrap{}, err
	}
	_, err = accounts.kv.Create(ctx, BootstrapAdminID, raw)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return Bootstrap{}, nil
	}
	if err != nil {
		return Bootstrap{}, err
	}
	b := Bootstrap{FirstStart: true, Password: GeneratePassword()}
	if err := credentials.SetTemporaryPassword(ctx, admin, b.Password); err != nil {
		return Bootstrap{}, err
	}
	if tokens.bootstrap == nil {
		if b.Token, _, err = tokens.Issue(ctx, BootstrapAdminID, "bootstrap", BootstrapTokenLifetime); err != nil {
			return Bootstrap{}, err
		}
	}
	return b, nil
}
