package webform

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

// receiptLink is the applicant's page of a request, with what it says
// after a change.
func receiptLink(reference, token, done string) string {
	link := "/recu/" + reference + "?token=" + url.QueryEscape(token)
	if done != "" {
		link += "&done=" + done
	}
	return link
}

// completeLink is where the applicant corrects what their request asks.
func completeLink(reference, token string) string {
	return "/recu/" + reference + "/completer?token=" + url.QueryEscape(token)
}

// reply sends the applicant's message to the department, with the files
// posted, and shows their page again.
func (p *Pages) reply(w http.ResponseWriter, r *http.Request) {
	if !p.parseBody(w, r) {
		return
	}
	req := web.RequestOf(r.Context())
	if req.Session == nil && !web.FormTokenValid(r) {
		p.errors.CSRF(w, r)
		return
	}
	reference, token, text := r.PathValue("reference"), r.URL.Query().Get("token"), r.PostFormValue("text")
	posted := web.PostedFiles(r, "files")
	var err error
	if len(posted) > 0 {
		err = p.Intake.AllowUpload(req.Client)
	}
	var files []uploads.File
	if err == nil {
		files, err = web.ReceivePosted(r.Context(), p.Uploads, backoffice.MessageFiles, posted)
	}
	if err == nil {
		err = p.Conversations.Reply(r.Context(), req.Principal, token, reference, text, files)
	}
	if reason, refused := replyRefusal(r, err); refused {
		p.showReceipt(w, r, http.StatusUnprocessableEntity, token, receiptPage{Reply: text, Errors: []string{reason}})
		return
	}
	switch {
	case errors.Is(err, backoffice.ErrNotApplicant), errors.Is(err, submit.ErrUnknownSubmission):
		p.notFound(w, r)
	case err != nil:
		p.fail(w, r, err)
	default:
		http.Redirect(w, r, receiptLink(reference, token, "replied")+"#conversation", http.StatusSeeOther)
	}
}

// replyRefusal says why a reply was refused, if it was for a reason the
// applicant can fix.
func replyRefusal(r *http.Request, err error) (string, bool) {
	var refusal *uploads.Refusal
	switch {
	case errors.As(err, &refusal):
		return refusal.Message.In(web.RequestOf(r.Context()).Lang), true
	case errors.Is(err, submit.ErrRateLimited):
		return web.Say(r, "Trop d'envois depuis votre connexion en peu de temps : réessayez dans une minute.",
			"Too many sendings from your connection in a short time: try again in a minute."), true
	case errors.Is(err, backoffice.ErrEmptyNote):
		return web.Say(r, "Écrivez votre message, ou joignez un fichier, avant de l'envoyer.",
			"Write your message, or attach a file, before sending it."), true
	case errors.Is(err, backoffice.ErrTooLong):
		return web.Say(r, "Le message est trop long (5 000 caractères au plus).", "The message is too long (5,000 characters at most)."), true
	}
	return "", false
}

// completion shows the answers a department asks the applicant to
// correct, with their current values.
func (p *Pages) completion(w http.ResponseWriter, r *http.Request) {
	c, ok := p.completionOf(w, r)
	if ok {
		p.renderCompletion(w, r, http.StatusOK, c, decodeData(c.Data), nil)
	}
}

// completionOf loads what the dossier of the path asks of its applicant,
// or answers: to anyone else, the dossier is unknown; once it asks
// nothing more, the applicant goes back to their page.
func (p *Pages) completionOf(w http.ResponseWriter, r *http.Request) (backoffice.Completion, bool) {
	reference, token := r.PathValue("reference"), r.URL.Query().Get("token")
	c, err := p.Conversations.Completion(r.Context(), web.RequestOf(r.Context()).Principal, token, reference)
	switch {
	case errors.Is(err, backoffice.ErrNotApplicant), errors.Is(err, submit.ErrUnknownSubmission):
		p.notFound(w, r)
	case errors.Is(err, backoffice.ErrTransition):
		http.Redirect(w, r, receiptLink(reference, token, ""), http.StatusSeeOther)
	case err != nil:
		p.fail(w, r, err)
	default:
		return c, true
	}
	return c, false
}

func (p *Pages) renderCompletion(
	w http.ResponseWriter,
	r *http.Request,
	status int,
	c backoffice.Completion,
	data map[string]any,
	errs []schemas.FieldError,
) {
	asked := step{Title: c.Form.Title, Fields: c.Request.Asks}
	page := p.stepPage(r, c.Form, 0, data, errs, "", "")
	page.Steps, page.StepTitle = []step{asked}, c.Form.Title
	page.Fields = asked.keepFields(buildFields(c.Form.Schema, c.Form.UISchema, data, "", p.fieldContext(r, data, errs)))
	page.Summary = summary(page.Fields)
	page.Action = completeLink(r.PathValue("reference"), r.URL.Query().Get("token"))
	page.Correction, page.Request = true, c.Request.Text
	p.renderForm(w, r, status, page)
}

// complete stores the applicant's corrections, or shows what to fix.
// Only the answers asked for are read from the page; the others stay as
// they are on record, and a file asked for that is not sent again stays.
func (p *Pages) complete(w http.ResponseWriter, r *http.Request) {
	c, ok := p.completionOf(w, r)
	if !ok || !p.parseBody(w, r) {
		return
	}
	files := c.Form.FileFields()
	asked := func(data, page map[string]any) {
		for _, name := range c.Request.Asks {
			if v, ok := page[name]; ok {
				data[name] = v
			} else if _, file := files[name]; !file {
				delete(data, name)
			}
		}
	}
	again := func(status int, data map[string]any, errs []schemas.FieldError) {
		p.renderCompletion(w, r, status, c, data, errs)
	}
	raw, ok := p.corrected(w, r, c.Form, decodeData(c.Data), asked, again)
	if !ok {
		return
	}
	reference, token := r.PathValue("reference"), r.URL.Query().Get("token")
	err := p.Conversations.Complete(r.Context(), c, raw)
	var invalid *schemas.ValidationError
	switch {
	case errors.As(err, &invalid):
		p.renderCompletion(w, r, http.StatusUnprocessableEntity, c, decodeData(raw), invalid.Fields)
	case errors.Is(err, backoffice.ErrTransition):
		http.Redirect(w, r, receiptLink(reference, token, ""), http.StatusSeeOther)
	case err != nil:
		p.fail(w, r, err)
	default:
		http.Redirect(w, r, receiptLink(reference, token, "completed"), http.StatusSeeOther)
	}
}
