package identity

import (
	"context"
	"errors"

	"github.com/guichet/guichet/internal/platform/locale"
)

// AccountCare is what admins do to accounts: save one, reset its
// password. Each change goes to the security log, and a change that alters
// how the account gets in or what it may do (a password reset, a
// deactivation, another role) ends its sessions and revokes its API
// tokens, so that no way in outlives it.
type AccountCare struct {
	Accounts    *Accounts
	Credentials *Credentials
	Sessions    *Sessions
	Tokens      *Tokens
	Audit       *Audit
	// Links are the one-time sign-in links sent by email.
	Links *SignInLinks
}

// Save creates or updates an account for the admin by.
func (c *AccountCare) Save(ctx context.Context, a Account, by string) error {
	before, err := c.Accounts.Get(ctx, a.ID)
	existed := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := c.Accounts.Put(ctx, a); err != nil {
		return err
	}
	_ = c.Audit.Record(ctx, AuditEvent{Kind: "account.saved", Account: a.ID, By: by})
	if !a.Active || (existed && before.Role != a.Role) {
		return c.revoke(ctx, a.ID)
	}
	return nil
}

// ResetPassword gives an account a new password, for the admin by. When
// password is empty, one is generated and returned: a temporary password,
// which its holder replaces at their next sign-in.
func (c *AccountCare) ResetPassword(ctx context.Context, id, password, by string) (string, error) {
	a, err := c.Accounts.Get(ctx, id)
	if err != nil {
		return "", err
	}
	generated := ""
	set := c.Credentials.SetPassword
	if password == "" {
		// Generated, and shown to the admin: its holder chooses their own
		// at their next sign-in.
		password, set = GeneratePassword(), c.Credentials.SetTemporaryPassword
		generated = password
	}
	if err := set(ctx, a, password); err != nil {
		return "", err
	}
	_ = c.Audit.Record(ctx, AuditEvent{Kind: "password.reset", Account: a.ID, By: by})
	return generated, c.revoke(ctx, a.ID)
}

// ErrNoEmail means a sign-in link was asked for an account without an
// email address.
var ErrNoEmail = errors.New("identity: the account has no email address")

// IssueSignInLink gives an account a one-time sign-in link, for the admin
// by, and returns its token, to be emailed to the account's address: its
// holder signs in once with it, choosing their password. Like a reset,
// it ends the account's password, sessions and API tokens.
func (c *AccountCare) IssueSignInLink(ctx context.Context, id, by string) (string, error) {
	a, err := c.Accounts.Get(ctx, id)
	if err != nil {
		return "", err
	}
	if a.Email == "" {
		return "", ErrNoEmail
	}
	// Nobody knows this password: the old one stops working.
	if err := c.Credentials.SetTemporaryPassword(ctx, a, GeneratePassword()); err != nil {
		return "", err
	}
	token, err := c.Links.issue(ctx, a.ID)
	if err != nil {
		return "", err
	}
	_ = c.Audit.Record(ctx, AuditEvent{Kind: "signin_link.issued", Account: a.ID, By: by})
	return token, c.revoke(ctx, a.ID)
}

// SignInWithLink sets the password that the holder of a sign-in link
// chose, under the rules of every password, then ends the link: the
// account it opened is returned, to start its session. A password
// refused (*PasswordError) leaves the link as it was.
func (c *AccountCare) SignInWithLink(ctx context.Context, token, password string) (Account, error) {
	a, err := c.Links.Account(ctx, token)
	if err != nil {
		return a, err
	}
	if err := c.Credentials.SetPassword(ctx, a, password); err != nil {
		return a, err
	}
	if err := c.Links.use(ctx, token); err != nil {
		return a, err
	}
	_ = c.Audit.Record(ctx, AuditEvent{Kind: "signin_link.used", Account: a.ID, By: a.ID})
	return a, nil
}

// ErrWrongPassword means the current password given to change it is not
// the account's.
var ErrWrongPassword = errors.New("identity: wrong current password")

// ChangeOwnPassword replaces an account's password with one its holder
// chose, given the current one, and ends the account's other sessions:
// keep is the session to keep, the one the change is made in.
func (c *AccountCare) ChangeOwnPassword(ctx context.Context, id, current, password, keep string) error {
	a, err := c.Accounts.Get(ctx, id)
	if err != nil {
		return err
	}
	ok, _, err := c.Credentials.Verify(ctx, id, current)
	if err != nil {
		return err
	}
	if !ok {
		_ = c.Audit.Record(ctx, AuditEvent{Kind: "password.change_refused", Account: id, By: id})
		return ErrWrongPassword
	}
	if current == password {
		return &PasswordError{Reason: locale.Text{
			FR: "Choisissez un mot de passe différent de l'actuel.",
			EN: "Choose a password other than the current one.",
		}}
	}
	if err := c.Credentials.SetPassword(ctx, a, password); err != nil {
		return err
	}
	_ = c.Audit.Record(ctx, AuditEvent{Kind: "password.changed", Account: id, By: id})
	return c.Sessions.RevokeAccountExcept(ctx, id, keep)
}

// revoke ends every session of an account and revokes its API tokens.
func (c *AccountCare) revoke(ctx context.Context, id string) error {
	if err := c.Sessions.RevokeAccount(ctx, id); err != nil {
		return err
	}
	return c.Tokens.RevokeAccount(ctx, id)
}
