// Package account serves the identity pages: signing in and out, the /me
// page with the account's API tokens, and the admins' account pages.
//
// Front door (internal/test/layering); the API mounts its routes.
package account

import (
	"context"
	"embed"
	"log/slog"
	"net/http"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

//go:embed templates
var files embed.FS

// Config is what the pages need.
type Config struct {
	Departments *identity.Departments
	Accounts    *identity.Accounts
	Care        *identity.AccountCare
	Tokens      *identity.Tokens
	Sessions    *identity.Sessions
	Logins      *identity.Logins
	Audit       *identity.Audit
	Cookies     web.CookiePolicy
	// Mail, when set, emails sign-in links to new accounts; SiteURL is
	// the public address of the site, for the links.
	Mail    *mailer.Mailer
	SiteURL string
	// Site is what every page shows of the organisation.
	Site web.Site
	// Drafts are the requests being filled, which "Mon compte" lists for
	// the agent who started them; Forms give their titles.
	Drafts *submit.Drafts
	Forms  *schemas.Registry
	Log    *slog.Logger
}

// Pages serves the identity pages.
type Pages struct {
	Config
	templates *web.Templates
}

// New returns the pages, their templates parsed.
func New(cfg Config) *Pages {
	p := &Pages{Config: cfg}
	p.templates = web.Parse(cfg.Site, files, "templates/*.html", p.Log)
	return p
}

// Routes returns the identity pages with their access rules.
func (p *Pages) Routes() []web.Route {
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/login", Access: identity.Anyone, Handler: p.loginForm},
		{Method: http.MethodPost, Pattern: "/login", Access: identity.Anyone, Handler: p.login},
		{Method: http.MethodPost, Pattern: "/logout", Access: identity.Anyone, Handler: p.logout},
		{Method: http.MethodGet, Pattern: "/me", Access: identity.AnyAgent, Handler: p.me},
		{Method: http.MethodGet, Pattern: "/me/password", Access: identity.AnyAgent, Handler: p.passwordForm},
		{Method: http.MethodPost, Pattern: "/me/password", Access: identity.AnyAgent, Handler: p.changePassword},
		{Method: http.MethodPost, Pattern: "/me/tokens", Access: identity.AnyAgent, Handler: p.createToken},
		{Method: http.MethodPost, Pattern: "/me/tokens/{tokenId}/revoke", Access: identity.AnyAgent, Handler: p.revokeMyToken},
		{Method: http.MethodPost, Pattern: "/me/drafts/delete", Access: identity.AnyAgent, Handler: p.deleteDraft},
		{Method: http.MethodGet, Pattern: "/admin/accounts", Access: identity.AdminOnly, Handler: p.accountList},
		{Method: http.MethodGet, Pattern: "/admin/accounts/new", Access: identity.AdminOnly, Handler: p.newAccount},
		{Method: http.MethodPost, Pattern: "/admin/accounts", Access: identity.AdminOnly, Handler: p.saveAccount},
		{Method: http.MethodGet, Pattern: "/admin/accounts/{id}", Access: identity.AdminOnly, Handler: p.editAccount},
		{Method: http.MethodPost, Pattern: "/admin/accounts/{id}", Access: identity.AdminOnly, Handler: p.saveAccount},
		{Method: http.MethodPost, Pattern: "/admin/accounts/{id}/password", Access: identity.AdminOnly, Handler: p.resetPassword},
		{Method: http.MethodGet, Pattern: "/connexion/{token}", Access: identity.Anyone, Handler: p.signInForm},
		{Method: http.MethodPost, Pattern: "/connexion/{token}", Access: identity.Anyone, Handler: p.signInWithLink},
		{
			Method:  http.MethodPost,
			Pattern: "/admin/accounts/{id}/tokens/{tokenId}/revoke",
			Access:  identity.AdminOnly,
			Handler: p.revokeAccountToken,
		},
	}
}

func lang(r *http.Request) locale.Lang { return web.RequestOf(r.Context()).Lang }

func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) { web.Fail(w, r, p.Log, err) }

func accountID(ctx context.Context) string { return web.RequestOf(ctx).Principal.AccountID }
