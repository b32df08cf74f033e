package webform

import (
	"context"
	"encoding/json"

	"github.com/guichet/guichet/identity"
)

// Prefills are the account details a field can start with, named by its
// uiSchema's "ui:prefill".
const (
	PrefillName       = "account.name"
	PrefillEmail      = "account.email"
	PrefillID         = "account.id"
	PrefillDepartment = "account.department"
	PrefillManager    = "account.manager"
)

// prefill starts the top-level fields that ask for it with the signed-in
// agent's details; the agent can still change them.
func (p *Pages) prefill(ctx context.Context, uiRaw json.RawMessage, principal identity.Principal, data map[string]any) {
	if !principal.IsAgent() || p.Accounts == nil {
		return
	}
	ui := map[string]struct {
		Prefill string `json:"ui:prefill"`
	}{}
	_ = json.Unmarshal(uiRaw, &ui)
	var account *identity.Account
	for name, hints := range ui {
		if hints.Prefill == "" {
			continue
		}
		if account == nil {
			a, err := p.Accounts.Get(ctx, principal.AccountID)
			if err != nil {
				return
			}
			account = &a
		}
		if v := p.accountDetail(ctx, *account, hints.Prefill); v != "" {
			data[name] = v
		}
	}
}

func (p *Pages) accountDetail(ctx context.Context, a identity.Account, detail string) string {
	switch detail {
	case PrefillName:
		return a.Name
	case PrefillEmail:
		return a.Email
	case PrefillID:
		return a.ID
	case PrefillDepartment:
		if len(a.Departments) > 0 {
			if d, err := p.Departments.Get(ctx, a.Departments[0]); err == nil {
				return d.Name
			}
		}
	case PrefillManager:
		if m, err := p.Accounts.Get(ctx, a.Manager); err == nil {
			return m.Name
		}
	}
	return ""
}
