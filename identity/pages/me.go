package pages

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/guichet/guichet/identity"
)

type meData struct {
	Account     identity.Account
	Departments []identity.Department
	Tokens      []identity.TokenInfo
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
	p.templates.Render(w, r, status, "me.html", tr(r, "Mon compte", "My account"), data)
}

func (p *Pages) createToken(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.PostFormValue("days"))
	if days < 0 || days > 366 {
		days = 90
	}
	token, _, err := p.Tokens.Issue(r.Context(), accountID(r.Context()), r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if errors.Is(err, identity.ErrInvalid) {
		p.renderMe(w, r, http.StatusUnprocessableEntity, meData{Error: tr(r, "Donnez un nom au jeton (100 caractères au plus).", "Give the token a name (100 characters at most).")})
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
		p.renderMe(w, r, http.StatusNotFound, meData{Error: tr(r, "Ce jeton n'existe pas ou a déjà été révoqué.", "This token does not exist or was already revoked.")})
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
		return tr(r, "Le jeton a été révoqué.", "The token was revoked.")
	case "saved":
		return tr(r, "Le compte a été enregistré.", "The account was saved.")
	}
	return ""
}
