package webform

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
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

// corrected reads answers corrected on one page: a request sent back, or
// a dossier to complete. The files posted are received, the page's
// answers merged into data, and the conditions applied. A file refused,
// an item added or removed, or an answer to fix shows the page again
// (again), and nothing is returned; else the answers, validated.
func (p *Pages) corrected(
	w http.ResponseWriter,
	r *http.Request,
	form *schemas.Compiled,
	data map[string]any,
	merge func(data, page map[string]any),
	again func(status int, data map[string]any, errs []schemas.FieldError),
) (json.RawMessage, bool) {
	received, refused, err := p.receive(r, form)
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	merge(data, parseObject(form.Schema, form.UISchema, postedOf(r, received), ""))
	dropHidden(form.Schema, data)
	if len(refused) > 0 {
		again(http.StatusUnprocessableEntity, data, refused)
		return nil, false
	}
	if action := r.PostFormValue("_action"); action != "" {
		applyAction(data, action)
		again(http.StatusOK, data, nil)
		return nil, false
	}
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	var invalid *schemas.ValidationError
	if err := form.Validate(raw); errors.As(err, &invalid) {
		again(http.StatusUnprocessableEntity, data, invalid.Fields)
		return nil, false
	}
	return raw, true
}

// correct sends the corrected request again, or shows what to fix.
func (p *Pages) correct(w http.ResponseWriter, r *http.Request) {
	form, _, round, ok := p.returned(w, r)
	if !ok || !p.parseBody(w, r) {
		return
	}
	// The whole request is on the page.
	whole := func(data, page map[string]any) { maps.Copy(data, page) }
	again := func(status int, data map[string]any, errs []schemas.FieldError) {
		p.renderCorrection(w, r, status, form, data, errs)
	}
	raw, ok := p.corrected(w, r, form, map[string]any{}, whole, again)
	if !ok {
		return
	}
	err := p.Corrections.Resend(r.Context(), web.RequestOf(r.Context()).Principal, r.PathValue("reference"), round, raw)
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
