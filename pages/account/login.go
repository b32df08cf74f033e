package account

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/web"
)

type loginData struct {
	Next      string
	ID        string
	Error     string
	LoggedOut bool
	// CSRF is the login form's own token (see web.FormToken).
	CSRF string
}

// landing is where an agent arrives after signing in, unless the sign-in
// was asked on the way to another page: their inboxes.
const landing = "/inbox"

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	if !web.RequestOf(r.Context()).Principal.Anonymous() {
		http.Redirect(w, r, web.LocalPath(r.URL.Query().Get("next"), landing), http.StatusSeeOther)
		return
	}
	p.renderLogin(w, r, http.StatusOK, loginData{Next: r.URL.Query().Get("next"), LoggedOut: r.URL.Query().Has("logged_out")})
}

func (p *Pages) renderLogin(w http.ResponseWriter, r *http.Request, status int, data loginData) {
	data.CSRF = web.FormToken(w, r, p.Cookies)
	data.Next = web.LocalPath(data.Next, "")
	p.templates.Render(w, r, status, "login.html", web.Say(r, "Se connecter", "Sign in"), data)
}

func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := strings.TrimSpace(strings.ToLower(r.PostFormValue("id")))
	data := loginData{ID: id, Next: r.PostFormValue("next")}
	if !web.FormTokenValid(r) {
		data.Error = web.Say(
			r,
			"Le formulaire a expiré. Saisissez à nouveau vos identifiants.",
			"The form expired. Enter your credentials again.",
		)
		p.renderLogin(w, r, http.StatusForbidden, data)
		return
	}
	sessionID, session, err := p.Logins.Login(r.Context(), id, r.PostFormValue("password"), web.ClientAddress(r))
	switch {
	case errors.Is(err, identity.ErrTooManyAttempts):
		data.Error = web.Say(
			r,
			"Trop de tentatives ont échoué. Réessayez dans quelques minutes, ou demandez à un administrateur de réinitialiser votre mot de passe.",
			"Too many attempts failed. Try again in a few minutes, or ask an administrator to reset your password.",
		)
		p.renderLogin(w, r, http.StatusTooManyRequests, data)
		return
	case errors.Is(err, identity.ErrBadCredentials):
		data.Error = web.Say(r, "Identifiant ou mot de passe incorrect.", "Wrong id or password.")
		p.renderLogin(w, r, http.StatusUnauthorized, data)
		return
	case err != nil:
		p.fail(w, r, err)
		return
	}
	// A new session id at every login: a session planted before it is worthless.
	if old := web.RequestOf(r.Context()).SessionID; old != "" {
		_ = p.Sessions.Delete(r.Context(), old)
	}
	web.SetSession(w, r, sessionID, p.Cookies, p.Sessions.Config().MaxAge)
	if session.TemporaryPassword {
		// Someone else chose this password: its holder chooses their own first.
		http.Redirect(w, r, "/me/password?first=1&next="+url.QueryEscape(web.LocalPath(data.Next, landing)), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, web.LocalPath(data.Next, landing), http.StatusSeeOther)
}

func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	if id := web.RequestOf(r.Context()).SessionID; id != "" {
		if err := p.Logins.Logout(r.Context(), id); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	web.ClearSession(w, r, p.Cookies)
	http.Redirect(w, r, "/login?logged_out=1", http.StatusSeeOther)
}
