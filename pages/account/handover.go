package account

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/web"
)

// The ways an admin hands an account over to its holder: a one-time
// password shown once, which its holder replaces at their first sign-in,
// or a one-time sign-in link emailed to them.
const (
	byPassword = "password"
	byLink     = "link"
)

// handoverPage is the result of handing an account over: the password to
// pass on, or the address the link went to.
type handoverPage struct {
	Account  identity.Account
	New      bool
	Password string
	SentTo   string
}

// handOver gives an account its way in, as the admin chose, and shows the
// result on its own page, which no cache keeps. A new account is already
// saved: a handover refused sends the admin to its page to try again.
func (p *Pages) handOver(w http.ResponseWriter, r *http.Request, a identity.Account, isNew bool) {
	ctx := r.Context()
	page := handoverPage{Account: a, New: isNew}
	refuse := func(msg string) {
		p.renderAccountForm(w, r, http.StatusUnprocessableEntity, accountFormData{Account: a, Errors: []string{msg}})
	}
	if r.PostFormValue("handover") == byLink {
		if p.Mail == nil {
			refuse(web.Say(r, "Aucun serveur d'envoi n'est configuré : choisissez le mot de passe à usage unique.",
				"No mail relay is configured: choose the one-time password."))
			return
		}
		token, err := p.Care.IssueSignInLink(ctx, a.ID, accountID(ctx))
		if errors.Is(err, identity.ErrNoEmail) {
			refuse(web.Say(r, "Donnez l'adresse électronique du compte pour y envoyer le lien.",
				"Give the account's email address to send the link to it."))
			return
		}
		if err == nil {
			err = p.Mail.Send(ctx, p.linkMessage(a, token))
		}
		if err != nil {
			p.Log.Warn("sign-in link not emailed", "account", a.ID, "error", err)
			refuse(web.Say(r, "Le courriel n'a pas pu partir : réessayez, ou choisissez le mot de passe à usage unique.",
				"The email could not be sent: try again, or choose the one-time password."))
			return
		}
		page.SentTo = a.Email
	} else {
		password, err := p.Care.ResetPassword(ctx, a.ID, "", accountID(ctx))
		if err != nil {
			p.fail(w, r, err)
			return
		}
		page.Password = password
	}
	w.Header().Set("Cache-Control", "no-store")
	p.templates.Render(w, r, http.StatusOK, "handover.html", web.Say(r, "Accès au compte", "Access to the account")+" — "+a.Name, page)
}

// linkMessage is the email that carries a sign-in link, in French then in
// English: nothing says which the holder reads.
func (p *Pages) linkMessage(a identity.Account, token string) mailer.Message {
	link := strings.TrimSuffix(p.SiteURL, "/") + "/connexion/" + token
	days := int(identity.SignInLinkLifetime.Hours() / 24)
	text := fmt.Sprintf("Bonjour %s,\n\nUn compte vous est ouvert sur les démarches en ligne de %s, avec l'identifiant %s. Pour "+
		"choisir votre mot de passe et vous connecter, ouvrez ce lien dans les %d jours ; il ne sert qu'une fois :\n\n%s\n\n"+
		"Si vous n'attendiez pas ce message, ignorez-le.\n\n---\n\nHello %s,\n\nAn account is open for you on the online services of "+
		"%s, with the login id %s. To choose your password and sign in, open this link within %d days; it works once:\n\n%s\n\n"+
		"If you did not expect this message, ignore it.\n",
		a.Name, p.Site.Organisation, a.ID, days, link, a.Name, p.Site.Organisation, a.ID, days, link)
	subject := locale.Text{FR: "Votre accès à " + p.Site.Organisation, EN: "Your access to " + p.Site.Organisation}
	return mailer.Message{To: a.Email, Subject: subject.FR + " / " + subject.EN, Text: text}
}

// signInPage is the page a sign-in link opens: its holder chooses their
// password there.
type signInPage struct {
	Account   identity.Account
	Invalid   bool
	FormToken string
	Errors    []string
}

// signInForm shows the page of a sign-in link; opening it uses nothing,
// so that a mail filter that follows links spends none.
func (p *Pages) signInForm(w http.ResponseWriter, r *http.Request) {
	a, err := p.Care.Links.Account(r.Context(), r.PathValue("token"))
	p.renderSignIn(w, r, a, err, nil)
}

func (p *Pages) renderSignIn(w http.ResponseWriter, r *http.Request, a identity.Account, err error, errs []string) {
	page := signInPage{Account: a, Errors: errs}
	status := http.StatusOK
	switch {
	case errors.Is(err, identity.ErrLinkInvalid):
		page.Invalid, status = true, http.StatusGone
	case err != nil:
		p.fail(w, r, err)
		return
	case len(errs) > 0:
		status = http.StatusUnprocessableEntity
	}
	page.FormToken = web.FormToken(w, r, p.Cookies)
	w.Header().Set("Cache-Control", "no-store")
	p.templates.Render(w, r, status, "signin-link.html", web.Say(r, "Choisir votre mot de passe", "Choose your password"), page)
}

// signInWithLink sets the password the link's holder chose, under the
// rules of every password, ends the link and signs them in.
func (p *Pages) signInWithLink(w http.ResponseWriter, r *http.Request) {
	ctx, token := r.Context(), r.PathValue("token")
	if !web.FormTokenValid(r) {
		a, err := p.Care.Links.Account(ctx, token)
		p.renderSignIn(w, r, a, err, []string{web.Say(r, "Le formulaire a expiré : saisissez votre mot de passe à nouveau.",
			"The form expired: type your password again.")})
		return
	}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("confirm") {
		a, err := p.Care.Links.Account(ctx, token)
		p.renderSignIn(w, r, a, err, []string{web.Say(r, "Les deux saisies du mot de passe diffèrent.",
			"The two entries of the password differ.")})
		return
	}
	a, err := p.Care.SignInWithLink(ctx, token, password)
	var refused *identity.PasswordError
	if errors.As(err, &refused) {
		p.renderSignIn(w, r, a, nil, []string{refused.Reason.In(lang(r))})
		return
	}
	if err != nil {
		p.renderSignIn(w, r, a, err, nil)
		return
	}
	sessionID, _, err := p.Sessions.Create(ctx, a.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if old := web.RequestOf(ctx).SessionID; old != "" {
		_ = p.Sessions.Delete(ctx, old)
	}
	web.SetSession(w, r, sessionID, p.Cookies, p.Sessions.Config().MaxAge)
	http.Redirect(w, r, landing, http.StatusSeeOther)
}
