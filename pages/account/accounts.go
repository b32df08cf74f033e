package account

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/web"
)

type accountListData struct {
	Accounts []identity.Account
	Notice   string
	// DepartmentNames name the departments by id.
	DepartmentNames map[string]string
}

// DepartmentName names a department, or gives its id if it has none.
func (d accountListData) DepartmentName(id string) string { return cmp.Or(d.DepartmentNames[id], id) }

func (p *Pages) accountList(w http.ResponseWriter, r *http.Request) {
	all, err := p.Accounts.List(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	departments, err := p.Departments.List(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	names := make(map[string]string, len(departments))
	for _, d := range departments {
		names[d.ID] = d.Name
	}
	p.templates.Render(w, r, http.StatusOK, "accounts.html", web.Say(r, "Comptes", "Accounts"), accountListData{
		Accounts:        all,
		Notice:          noticeText(r),
		DepartmentNames: names,
	})
}

type accountFormData struct {
	New         bool
	Account     identity.Account
	Departments []identity.Department
	Others      []identity.Account
	// Managers are those who may be the account's manager: the managers,
	// and the one it has if it is no longer one.
	Managers []identity.Account
	Roles    []identity.Role
	Tokens   []identity.TokenInfo
	Errors   []string
	Notice   string
	// Mailing says an SMTP relay is configured, to email sign-in links.
	Mailing bool
}

// HasDepartment reports whether the account belongs to a department.
func (d accountFormData) HasDepartment(id string) bool {
	return slices.Contains(d.Account.Departments, id)
}

func (p *Pages) newAccount(w http.ResponseWriter, r *http.Request) {
	p.renderAccountForm(w, r, http.StatusOK, accountFormData{New: true, Account: identity.Account{Role: identity.RoleAgent, Active: true}})
}

// pathAccount loads the account named in the path, or answers 404 or 500.
func (p *Pages) pathAccount(w http.ResponseWriter, r *http.Request) (identity.Account, bool) {
	a, err := p.Accounts.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, identity.ErrNotFound) {
		http.NotFound(w, r)
		return a, false
	}
	if err != nil {
		p.fail(w, r, err)
		return a, false
	}
	return a, true
}

func (p *Pages) editAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := p.pathAccount(w, r)
	if !ok {
		return
	}
	p.renderAccountForm(w, r, http.StatusOK, accountFormData{Account: a, Notice: noticeText(r)})
}

func (p *Pages) renderAccountForm(w http.ResponseWriter, r *http.Request, status int, data accountFormData) {
	ctx := r.Context()
	var err error
	if data.Departments, err = p.Departments.List(ctx); err != nil {
		p.fail(w, r, err)
		return
	}
	all, err := p.Accounts.List(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, a := range all {
		if a.ID == data.Account.ID {
			continue
		}
		data.Others = append(data.Others, a)
		if a.Role == identity.RoleManager || a.ID == data.Account.Manager {
			data.Managers = append(data.Managers, a)
		}
	}
	data.Roles, data.Mailing = identity.Roles, p.Mail != nil
	if !data.New {
		if data.Tokens, err = p.Tokens.List(ctx, data.Account.ID); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	title := web.Say(r, "Nouveau compte", "New account")
	if !data.New {
		title = data.Account.Name
	}
	p.templates.Render(w, r, status, "account.html", title, data)
}

func (p *Pages) saveAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	isNew := id == ""
	if isNew {
		id = strings.TrimSpace(strings.ToLower(r.PostFormValue("id")))
	}
	a := identity.Account{
		ID:          id,
		Name:        r.PostFormValue("name"),
		Email:       strings.TrimSpace(r.PostFormValue("email")),
		Role:        identity.Role(r.PostFormValue("role")),
		Departments: r.PostForm["departments"],
		Manager:     r.PostFormValue("manager"),
		Delegate:    r.PostFormValue("delegate"),
		Absent:      r.PostFormValue("absent") == "on",
		Active:      r.PostFormValue("active") == "on",
	}
	refuse := func(msg string) {
		p.renderAccountForm(w, r, http.StatusUnprocessableEntity, accountFormData{New: isNew, Account: a, Errors: []string{msg}})
	}
	if isNew {
		if _, err := p.Accounts.Get(ctx, id); err == nil {
			refuse(web.Say(r, "Un compte porte déjà cet identifiant.", "An account already has this id."))
			return
		}
	}
	err := p.Care.Save(ctx, a, accountID(ctx))
	var invalid *identity.InvalidError
	switch {
	case errors.Is(err, identity.ErrLastAdmin):
		refuse(web.Say(r, "C'est le dernier administrateur actif : nommez-en un autre avant de le désactiver ou de le rétrograder.",
			"This is the last active admin: appoint another before deactivating or demoting this one."))
		return
	case errors.As(err, &invalid):
		refuse(invalid.Message.In(lang(r)))
		return
	case err != nil:
		p.fail(w, r, err)
		return
	}
	if isNew {
		p.handOver(w, r, a, true)
		return
	}
	http.Redirect(w, r, "/admin/accounts/"+a.ID+"?done=saved", http.StatusSeeOther)
}

// resetPassword ends an account's password and hands it over again.
func (p *Pages) resetPassword(w http.ResponseWriter, r *http.Request) {
	if a, ok := p.pathAccount(w, r); ok {
		p.handOver(w, r, a, false)
	}
}

func (p *Pages) revokeAccountToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := p.Tokens.Revoke(r.Context(), id, r.PathValue("tokenId"))
	if err != nil && !errors.Is(err, identity.ErrNotFound) {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/accounts/"+id+"?done=revoked", http.StatusSeeOther)
}
