package webform

import (
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// linkMailLimit bounds how often one connection has a resume link emailed:
// enough for a person who mistyped their address, too few for a relay.
var linkMailLimit = submit.RateLimit{PerMinute: 1, Burst: 5}

// emailLink sends a draft's resume link to the address typed, where an
// SMTP relay is set. The address is used for this sending only and kept
// nowhere; the page says whether the link went, and shows it either way.
func (p *Pages) emailLink(w http.ResponseWriter, r *http.Request) {
	if p.Mail == nil {
		p.notFound(w, r)
		return
	}
	form, token, draft, ok := p.loadPostedDraft(w, r)
	if !ok {
		return
	}
	page := p.savedPage(w, r, form, token, draft.ExpiresAt)
	page.Email = strings.TrimSpace(r.PostFormValue("email"))
	status := http.StatusOK
	address, err := mail.ParseAddress(page.Email)
	switch {
	case web.RequestOf(r.Context()).Session == nil && !web.FormTokenValid(r):
		status, page.Error = http.StatusForbidden, web.Say(
			r,
			"Le formulaire a expiré : saisissez votre adresse à nouveau.",
			"The form expired: "+
				"type your address again.",
		)
	case err != nil || address.Address != page.Email:
		status, page.Error = http.StatusUnprocessableEntity, web.Say(
			r,
			"Saisissez une adresse électronique, par exemple prenom.nom@exemple.fr.",
			"Type an email "+
				"address, like name@example.com.",
		)
	case !p.linkMails.Allow(web.RequestOf(r.Context()).Client, time.Now()):
		status, page.Error = http.StatusTooManyRequests, web.Say(
			r,
			"Trop d'envois depuis votre connexion : réessayez dans une minute, ou copiez le "+
				"lien.",
			"Too many sendings "+
				"from your connection: try again in a minute, or copy the link.",
		)
	default:
		if err := p.Mail.Send(r.Context(), p.linkMessage(r, form, page)); err != nil {
			p.Log.Warn("resume link not emailed", "form", form.ID, "error", err)
			status, page.Error = http.StatusServiceUnavailable, web.Say(
				r,
				"Le courriel n'a pas pu partir. Copiez le lien ci-dessus : il reste valable.",
				"The email could not "+
					"be sent. Copy the link above: it stays valid.",
			)
			break
		}
		page.Sent = address.Address
		// The owner is told there if a new version refuses answers.
		if err := p.Drafts.SetEmail(r.Context(), token, address.Address); err != nil {
			p.Log.Warn("resume address not kept with the draft", "form", form.ID, "error", err)
		}
	}
	p.templates.Render(w, r, status, "saved.html", web.Say(r, "Vos réponses sont enregistrées", "Your answers are saved"), page)
}

// linkMessage is the email that carries a resume link, in the reader's language.
func (p *Pages) linkMessage(r *http.Request, form *schemas.Compiled, page savedPage) mailer.Message {
	lang := web.RequestOf(r.Context()).Lang
	until := locale.DateTime(page.ExpiresAt, lang)
	text := locale.Text{
		FR: fmt.Sprintf(
			"Bonjour,\n\nVos réponses au formulaire « %s » sont enregistrées. Pour reprendre votre demande, depuis cet appareil ou "+
				"un autre, ouvrez ce lien :\n\n%s\n\nIl reste valable jusqu'au %s. Ne le transmettez qu'aux personnes qui peuvent voir vos "+
				"réponses.\n\n%s",
			form.Title,
			page.ResumeURL,
			until,
			p.Site.Organisation,
		),
		EN: fmt.Sprintf(
			"Hello,\n\nYour answers to the form “%s” are saved. To continue your request, from this device or another, open this "+
				"link:\n\n%s\n\nIt stays valid until %s. Pass it on only to people who may see your answers.\n\n%s",
			form.Title,
			page.ResumeURL,
			until,
			p.Site.Organisation,
		),
	}
	subject := locale.Text{FR: "Votre demande « " + form.Title + " » en cours", EN: "Your request “" + form.Title + "” in progress"}
	return mailer.Message{To: page.Email, Subject: subject.In(lang), Text: text.In(lang)}
}
