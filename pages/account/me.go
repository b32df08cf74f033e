package account

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

type meData struct {
	Account     identity.Account
	Departments []identity.Department
	// Drafts are the requests the account started and saved, to resume.
	Drafts []draftRow
	Tokens []identity.TokenInfo
	// NewToken is a token just created, shown this once.
	NewToken string
	Error    string
	Notice   string
}

func (p *Pages) me(w http.ResponseWriter, r *http.Request) {
	p.renderMe(w, r, http.StatusOK, meData{Notice: noticeText(r)})
}

func (p *Pages) renderMe(w http.ResponseWriter, r *http.Request, status int, data meData) {
	ctx := r.Context()
	var err error
	if data.Account, err = p.Accounts.Get(ctx, accountID(ctx)); err != nil {
		p.fail(w, r, err)
		return
	}
	for _, id := range data.Account.Departments {
		d, err := p.Departments.Get(ctx, id)
		if err != nil {
			d = identity.Department{ID: id, Name: id}
		}
		data.Departments = append(data.Departments, d)
	}
	if data.Tokens, err = p.Tokens.List(ctx, data.Account.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if data.Drafts, err = p.draftsOf(r, data.Account.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	p.templates.Render(w, r, status, "me.html", web.Say(r, "Mon compte", "My account"), data)
}

func (p *Pages) createToken(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.PostFormValue("days"))
	if days < 0 || days > 366 {
		days = 90
	}
	token, _, err := p.Tokens.Issue(r.Context(), accountID(r.Context()), r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if errors.Is(err, identity.ErrInvalid) {
		p.renderMe(
			w,
			r,
			http.StatusUnprocessableEntity,
			meData{Error: web.Say(r, "Donnez un nom au jeton (100 caractères au plus).", "Give the token a "+
				"name (100 characters at most).")},
		)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	// Shown in this answer only: the page is not cached and the token is not stored.
	p.renderMe(w, r, http.StatusCreated, meData{NewToken: token})
}

func (p *Pages) revokeMyToken(w http.ResponseWriter, r *http.Request) {
	err := p.Tokens.Revoke(r.Context(), accountID(r.Context()), r.PathValue("tokenId"))
	if errors.Is(err, identity.ErrNotFound) {
		p.renderMe(
			w,
			r,
			http.StatusNotFound,
			meData{Error: web.Say(r, "Ce jeton n'existe pas ou a déjà été révoqué.", "This token does not exist "+
				"or was already revoked.")},
		)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/me?done=revoked", http.StatusSeeOther)
}

// noticeText says what the action before a redirect did.
func noticeText(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "revoked":
		return web.Say(r, "Le jeton a été révoqué.", "The token was revoked.")
	case "draft-deleted":
		return web.Say(r, "La demande enregistrée est supprimée, avec ses réponses.", "The saved request is deleted, with its answers.")
	case "saved":
		return web.Say(r, "Le compte a été enregistré.", "The account was saved.")
	case "password":
		return web.Say(
			r,
			"Votre mot de passe est changé ; vos autres sessions sont fermées.",
			"Your password is changed; your other sessions are "+
				"closed.",
		)
	}
	return ""
}

type passwordData struct {
	// First says the password was given by someone else, and is asked to
	// be replaced at this first sign-in.
	First  bool
	Next   string
	Errors []string
}

func (p *Pages) passwordForm(w http.ResponseWriter, r *http.Request) {
	p.renderPassword(w, r, http.StatusOK, passwordData{
		First: r.URL.Query().Has("first"),
		Next:  web.LocalPath(r.URL.Query().Get("next"), "/me"),
	})
}

func (p *Pages) renderPassword(w http.ResponseWriter, r *http.Request, status int, data passwordData) {
	title := web.Say(r, "Changer de mot de passe", "Change your password")
	if len(data.Errors) > 0 {
		title = web.Say(r, "Erreur : ", "Error: ") + title
	}
	p.templates.Render(w, r, status, "password.html", title, data)
}

// changePassword replaces the signed-in agent's password with one they
// chose, given the current one.
func (p *Pages) changePassword(w http.ResponseWriter, r *http.Request) {
	data := passwordData{First: r.PostFormValue("first") != "", Next: web.LocalPath(r.PostFormValue("next"), "/me")}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("confirm") {
		data.Errors = []string{web.Say(r, "Les deux saisies du nouveau mot de passe diffèrent.", "The two entries of the new password differ.")}
		p.renderPassword(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	req := web.RequestOf(r.Context())
	err := p.Care.ChangeOwnPassword(r.Context(), req.Principal.AccountID, r.PostFormValue("current"), password, req.SessionID)
	var refused *identity.PasswordError
	switch {
	case errors.Is(err, identity.ErrWrongPassword):
		data.Errors = []string{web.Say(r, "Le mot de passe actuel n'est pas le bon.", "The current password is wrong.")}
	case errors.As(err, &refused):
		data.Errors = []string{refused.Reason.In(lang(r))}
	case err != nil:
		p.fail(w, r, err)
		return
	default:
		next := data.Next
		if next == "/me" {
			next = "/me?done=password"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p.renderPassword(w, r, http.StatusUnprocessableEntity, data)
}

// draftRow is a request being filled, as "Mon compte" lists it.
type draftRow struct {
	Form, Title, Link string
	// Token names it to delete it.
	Token     string
	ExpiresAt time.Time
}

// draftsOf lists the requests an account started and saved, with the
// titles of their forms in the reader's language.
func (p *Pages) draftsOf(r *http.Request, account string) ([]draftRow, error) {
	if p.Drafts == nil {
		return nil, nil
	}
	drafts, err := p.Drafts.OfAccount(r.Context(), account)
	if err != nil {
		return nil, err
	}
	rows := make([]draftRow, 0, len(drafts))
	for _, d := range drafts {
		row := draftRow{Form: d.Form, Title: d.Form, Link: submit.ResumePath(d.Form, d.Token), Token: d.Token, ExpiresAt: d.ExpiresAt}
		form, err := p.Forms.Latest(r.Context(), d.Form)
		switch {
		case errors.Is(err, schemas.ErrNotFound):
			continue // withdrawn: it can no longer be sent
		case err != nil:
			return nil, err
		}
		row.Title = form.In(string(web.LangOf(r))).Title
		rows = append(rows, row)
	}
	return rows, nil
}

// deleteDraft deletes a request the account saved and will not finish.
func (p *Pages) deleteDraft(w http.ResponseWriter, r *http.Request) {
	ctx, token := r.Context(), r.PostFormValue("draft")
	err := submit.ErrNoDraft
	var d submit.Draft
	if p.Drafts != nil {
		d, err = p.Drafts.Get(ctx, token)
	}
	if errors.Is(err, submit.ErrNoDraft) || err == nil && d.AccountID != accountID(ctx) {
		p.renderMe(w, r, http.StatusNotFound, meData{Error: web.Say(r, "Cette demande n'existe pas ou a déjà été supprimée.",
			"This request does not exist or was already deleted.")})
		return
	}
	if err == nil {
		err = p.Drafts.Delete(ctx, token)
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/me?done=draft-deleted#drafts", http.StatusSeeOther)
}
