package webform

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// Corrections is what the correction page needs of the approval
// workflows: the request an approver sent back, and sending it again.
type Corrections interface {
	// Returned gives the form version and the answers of p's request sent
	// back for correction, and the round to send it again in.
	Returned(ctx context.Context, p identity.Principal, reference string) (*schemas.Compiled, json.RawMessage, int, error)
	Resend(ctx context.Context, p identity.Principal, reference string, round int, data json.RawMessage) error
}

// ErrNotRequester and ErrNotReturned are the refusals a Corrections
// gives: someone else's request, or one not sent back (any more).
var (
	ErrNotRequester = errors.New("webform: not the requester")
	ErrNotReturned  = errors.New("webform: not sent back for correction")
)

// correction shows a request sent back for correction on one page,
// with its answers, to its requester.
func (p *Pages) correction(w http.ResponseWriter, r *http.Request) {
	form, data, _, ok := p.returned(w, r)
	if ok {
		p.renderCorrection(w, r, http.StatusOK, form, decodeData(data), nil)
	}
}

// returned loads the request of the path for its requester, or answers.
func (p *Pages) returned(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, json.RawMessage, int, bool) {
	form, data, round, err := p.Corrections.Returned(r.Context(), web.RequestOf(r.Context()).Principal, r.PathValue("reference"))
	switch {
	case errors.Is(err, ErrNotRequester):
		p.errors.Forbidden(w, r)
	case errors.Is(err, ErrNotReturned):
		http.Redirect(w, r, "/approbations", http.StatusSeeOther)
	case err != nil:
		p.fail(w, r, err)
	default:
		return form, data, round, true
	}
	return nil, nil, 0, false
}

func (p *Pages) renderCorrection(
	w http.ResponseWriter,
	r *http.Request,
	status int,
	form *schemas.Compiled,
	data map[string]any,
	errs []schemas.FieldError,
) {
	all := step{Title: form.Title, Fields: schemas.FieldOrder(form.Schema, form.UISchema)}
	page := p.stepPage(r, form, 0, data, errs, "", "")
	page.Steps, page.StepTitle = []step{all}, form.Title
	page.Fields = all.keepFields(buildFields(form.Schema, form.UISchema, data, "", p.fieldContext(r, data, errs)))
	page.Summary = summary(page.Fields)
	page.Action = "/approbations/" + r.PathValue("reference") + "/corriger"
	page.Correction = true
	p.renderForm(w, r, status, page)
}

// correct sends the corrected request again, or shows what to fix.
func (p *Pages) correct(w http.ResponseWriter, r *http.Request) {
	form, _, round, ok := p.returned(w, r)
	if !ok || !p.parseBody(w, r) {
		return
	}
	received, refused, err := p.receive(r, form)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data := parseObject(form.Schema, form.UISchema, postedOf(r, received), "")
	dropHidden(form.Schema, data)
	if len(refused) > 0 {
		p.renderCorrection(w, r, http.StatusUnprocessableEntity, form, data, refused)
		return
	}
	if action := r.PostFormValue("_action"); action != "" {
		applyAction(data, action)
		p.renderCorrection(w, r, http.StatusOK, form, data, nil)
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var invalid *schemas.ValidationError
	if err := form.Validate(raw); errors.As(err, &invalid) {
		p.renderCorrection(w, r, http.StatusUnprocessableEntity, form, data, invalid.Fields)
		return
	}
	err = p.Corrections.Resend(r.Context(), web.RequestOf(r.Context()).Principal, r.PathValue("reference"), round, raw)
	if errors.Is(err, ErrNotReturned) {
		http.Redirect(w, r, "/approbations", http.StatusSeeOther)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/approbations?done=resent", http.StatusSeeOther)
}
