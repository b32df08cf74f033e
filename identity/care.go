package identity

import (
	"context"
	"errors"
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

// ResetPassword gives an account a new password, generated when password
// is empty, for the admin by, and returns the password generated.
func (c *AccountCare) ResetPassword(ctx context.Context, id, password, by string) (string, error) {
	a, err := c.Accounts.Get(ctx, id)
	if err != nil {
		return "", err
	}
	generated := ""
	if password == "" {
		password = GeneratePassword()
		generated = password
	}
	if err := c.Credentials.SetPassword(ctx, a, password); err != nil {
		return "", err
	}
	_ = c.Audit.Record(ctx, AuditEvent{Kind: "password.reset", Account: a.ID, By: by})
	return generated, c.revoke(ctx, a.ID)
}

// revoke ends every session of an account and revokes its API tokens.
func (c *AccountCare) revoke(ctx context.Context, id string) error {
	if err := c.Sessions.RevokeAccount(ctx, id); err != nil {
		return err
	}
	return c.Tokens.RevokeAccount(ctx, id)
}
