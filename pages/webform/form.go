package webform

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// formPage is what the form template shows: one step of the form.
type formPage struct {
	Form    *schemas.Compiled
	Fields  []*Field
	Summary []summaryItem
	// FormToken is the CSRF token of a visitor without a session.
	FormToken string
	// IdempotencyKey makes a double click send one submission.
	IdempotencyKey string
	// Unavailable says the answers could not be stored this time.
	Unavailable bool
	// Draft is the resume token of the answers saved so far, if any.
	Draft     string
	Step      int
	Steps     []step
	StepTitle string
	// Action is where the page posts: the form, or its preview.
	Action string
	// Preview marks an admin's preview of a draft, whose Answers so far
	// travel in the page, and whose Outcome names the department the
	// answers would go to.
	Preview bool
	Answers string
	Outcome string
	// Correction marks a request sent back by an approver, corrected on
	// one page and sent again, or one its department asks the applicant
	// to complete, with the department's Request.
	Correction bool
	Request    string
}

// HasFiles reports whether the page asks for files, and so posts multipart.
func (p formPage) HasFiles() bool { return hasFiles(p.Fields) }

func hasFiles(fields []*Field) bool {
	for _, f := range fields {
		if f.Kind == File || hasFiles(f.Children) {
			return true
		}
	}
	return false
}

// languageLink is a link to the page in another of the form's languages.
type languageLink struct {
	Lang, Name, URL string
}

// Languages are links to the page in the form's other languages, when it
// is published in several: the reader chooses.
func (p formPage) Languages() []languageLink {
	if len(p.Form.Languages) == 0 {
		return nil
	}
	var out []languageLink
	for _, lang := range append([]string{"fr"}, p.Form.Languages...) {
		if lang != p.Form.Language() {
			out = append(out, languageLink{Lang: lang, Name: schemas.LanguageNames[lang], URL: "?lang=" + lang})
		}
	}
	return out
}

// LiveURL is where the page's script asks, as the answers are typed,
// for the calculated fields and the checks' refusals (see live); empty
// when the form has none, or the page does not post to the form.
func (p formPage) LiveURL() string {
	if !p.Form.Live() || p.Action != "/f/"+p.Form.ID {
		return ""
	}
	return p.Action + "/calcul"
}

// MultiStep reports whether the form has several pages: one that
// declares several steps is checked before it is sent, even when its
// answers leave one step to show.
func (p formPage) MultiStep() bool { return len(declaredSteps(p.Form)) > 1 }

// Last reports whether this is the last page before sending or checking.
func (p formPage) Last() bool { return p.Step == len(p.Steps)-1 }

// StepNumber is the page's number, from 1.
func (p formPage) StepNumber() int { return p.Step + 1 }

// Back is the address of the previous page, if any.
func (p formPage) Back() string {
	if p.Step == 0 || p.Draft == "" {
		return ""
	}
	return submit.ResumePath(p.Form.ID, p.Draft) + "?step=" + strconv.Itoa(p.Step-1)
}

type summaryItem struct {
	Target, Message string
}

func (p *Pages) show(w http.ResponseWriter, r *http.Request) {
	form, ok := p.load(w, r)
	if !ok {
		return
	}
	data := map[string]any{}
	p.prefill(r.Context(), form.UISchema, web.RequestOf(r.Context()).Principal, data)
	p.renderStep(w, r, http.StatusOK, form, 0, data, nil, "", "")
}

// renderStep shows one page of a form with the answers so far and the
// errors found in them.
func (p *Pages) renderStep(
	w http.ResponseWriter,
	r *http.Request,
	status int,
	form *schemas.Compiled,
	index int,
	data map[string]any,
	fieldErrs []schemas.FieldError,
	draft, idem string,
) {
	p.renderForm(w, r, status, p.stepPage(r, form, index, data, fieldErrs, draft, idem))
}

// stepPage builds one page of a form with the answers so far and the
// errors found in them.
func (p *Pages) stepPage(
	r *http.Request,
	form *schemas.Compiled,
	index int,
	data map[string]any,
	fieldErrs []schemas.FieldError,
	draft, idem string,
) formPage {
	data = withCalculations(form, data)
	fc := p.fieldContext(r, data, fieldErrs)
	errs := fc.errs
	steps := stepsOf(form, data)
	index = max(0, min(index, len(steps)-1))
	page := formPage{
		Form: form, Fields: steps[index].decide(form, data, steps[index].keepFields(buildFields(form.Schema, form.UISchema, data, "", fc))),
		IdempotencyKey: idem, Draft: draft, Step: index, Steps: steps, StepTitle: steps[index].Title,
		Action: "/f/" + form.ID,
	}
	if page.IdempotencyKey == "" {
		page.IdempotencyKey = submit.NewToken()
	}
	page.Summary = summary(page.Fields)
	if len(page.Summary) == 0 && errs[""] != "" {
		page.Summary = []summaryItem{{Message: errs[""]}}
	}
	return page
}

func (p *Pages) renderForm(w http.ResponseWriter, r *http.Request, status int, page formPage) {
	if web.RequestOf(r.Context()).Session == nil {
		page.FormToken = web.FormToken(w, r, p.Cookies)
	}
	title := page.Form.Title
	if page.MultiStep() {
		title = page.StepTitle + " — " + title
	}
	if len(page.Summary) > 0 {
		title = web.Say(r, "Erreur : ", "Error: ") + title
	}
	p.templates.Render(w, r, status, "form.html", title, page)
}

// summary lists the errors of the fields, in the page's order, each
// linking to its field.
func summary(fields []*Field) []summaryItem {
	var items []summaryItem
	for _, f := range fields {
		if f.Error != "" {
			items = append(items, summaryItem{Target: f.ID(), Message: f.Error})
		}
		items = append(items, summary(f.Children)...)
	}
	return items
}

// post takes one page of answers: to add or remove an item of a group, to
// save for later, to go on to the next page, or to send.
func (p *Pages) post(w http.ResponseWriter, r *http.Request) {
	form, ok := p.loadPosted(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	req := web.RequestOf(ctx)
	token, idem := r.PostFormValue("_draft"), r.PostFormValue("_idem")
	data := map[string]any{}
	if token != "" {
		draft, err := p.Drafts.Get(ctx, token)
		if err == nil && mayResume(draft, form, req.Principal) {
			data = decodeData(draft.Data)
		} else {
			token = ""
		}
	}
	// Files are kept only from a page this site gave (its token), and are
	// then answers like the others: a refused one is said at its field.
	valid := req.Session != nil || web.FormTokenValid(r)
	var received map[string][]string
	var refused []schemas.FieldError
	if valid {
		var err error
		if received, refused, err = p.receive(r, form); err != nil {
			page, _ := strconv.Atoi(r.PostFormValue("_step"))
			p.unavailable(w, r, form, page, data, token, idem, err)
			return
		}
	}
	data, steps, index := takePage(r, form, data, received)
	if len(refused) > 0 {
		p.renderStep(w, r, http.StatusUnprocessableEntity, form, index, data, refused, token, idem)
		return
	}
	if !valid {
		// The answers are not lost: the page comes back with them.
		p.renderStep(w, r, http.StatusForbidden, form, index, data, []schemas.FieldError{{Message: locale.Text{
			FR: "Le formulaire a expiré. Vérifiez vos réponses et envoyez-le à nouveau.",
			EN: "The form expired. Check your answers and send it again.",
		}}}, token, idem)
		return
	}
	switch action := r.PostFormValue("_action"); {
	case strings.HasPrefix(action, "add:"), strings.HasPrefix(action, "remove:"):
		applyAction(data, action)
		p.renderStep(w, r, http.StatusOK, form, index, data, nil, token, idem)
		return
	case action == "save":
		p.save(w, r, form, token, index, data)
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(declaredSteps(form)) == 1 {
		p.send(w, r, form, data, raw, token, idem)
		return
	}
	var invalid *schemas.ValidationError
	if err := form.Validate(raw); errors.As(err, &invalid) {
		var mine []schemas.FieldError
		for _, f := range invalid.Fields {
			if steps[index].owns(f.Location) {
				mine = append(mine, f)
			}
		}
		if len(mine) > 0 {
			p.renderStep(w, r, http.StatusUnprocessableEntity, form, index, data, mine, token, idem)
			return
		}
	}
	next := index + 1
	token, err = p.Drafts.Save(ctx, token, submit.Draft{
		Form:      form.ID,
		Data:      raw,
		Step:      min(next, len(steps)-1),
		AccountID: req.Principal.AccountID,
		Lang:      req.Lang,
	}, form.DraftLifetime())
	if err != nil {
		p.unavailable(w, r, form, index, data, token, idem, err)
		return
	}
	target := submit.ResumePath(form.ID, token) + "?step=" + strconv.Itoa(next)
	if next == len(steps) {
		target = submit.ResumePath(form.ID, token) + "/verifier"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// send submits the answers and shows the receipt; refused answers come
// back on the page that holds them.
func (p *Pages) send(
	w http.ResponseWriter,
	r *http.Request,
	form *schemas.Compiled,
	data map[string]any,
	raw json.RawMessage,
	token, idem string,
) {
	ctx := r.Context()
	// idem is the page's own key, drawn when it was shown: a double click
	// sends once. Never the draft's token, which its resume link shows.
	receipt, err := p.Intake.Submit(ctx, submit.Request{
		FormID:         form.ID,
		Data:           raw,
		IdempotencyKey: idem,
		Principal:      web.RequestOf(ctx).Principal,
		Lang:           web.RequestOf(ctx).Lang,
		Client:         web.RequestOf(ctx).Client,
	})
	var invalid *schemas.ValidationError
	if errors.As(err, &invalid) {
		// The same refusals, said with the page's labels, in its language.
		if errors.As(form.Validate(raw), &invalid) {
			err = invalid
		}
	}
	switch {
	case errors.As(err, &invalid):
		steps := stepsOf(form, data)
		index := 0
		for i, s := range steps {
			if len(invalid.Fields) > 0 && s.owns(invalid.Fields[0].Location) {
				index = i
				break
			}
		}
		p.renderStep(w, r, http.StatusUnprocessableEntity, form, index, data, invalid.Fields, token, idem)
		return
	case errors.Is(err, submit.ErrRateLimited):
		page := p.stepPage(r, form, 0, data, []schemas.FieldError{{Message: locale.Text{
			FR: "Trop d'envois depuis votre connexion en peu de temps. Vos réponses sont conservées : envoyez-les à nouveau dans une minute.",
			EN: "Too many sendings from your connection in a short time. Your answers are kept: send them again in a minute.",
		}}}, token, idem)
		p.renderForm(w, r, http.StatusTooManyRequests, page)
		return
	case errors.Is(err, submit.ErrDataTooLarge):
		p.renderStep(w, r, http.StatusUnprocessableEntity, form, 0, data, []schemas.FieldError{{Message: locale.Text{
			FR: "Vos réponses sont trop volumineuses : raccourcissez les textes les plus longs.",
			EN: "Your answers are too large: shorten the longest texts.",
		}}}, token, idem)
		return
	case errors.Is(err, submit.ErrFormClosed):
		p.templates.Render(w, r, http.StatusGone, "closed.html", form.Title, form)
		return
	case err != nil:
		p.unavailable(w, r, form, 0, data, token, idem, err)
		return
	}
	if token != "" {
		if err := p.Drafts.Delete(ctx, token); err != nil && p.Log != nil {
			p.Log.Warn("sent draft not deleted; it expires by itself", "form", form.ID, "error", err)
		}
	}
	http.Redirect(w, r, receiptLink(receipt.Reference, receipt.Token, ""), http.StatusSeeOther)
}

// unavailable shows the page again, answers kept, when they could not be stored.
func (p *Pages) unavailable(
	w http.ResponseWriter,
	r *http.Request,
	form *schemas.Compiled,
	index int,
	data map[string]any,
	token, idem string,
	err error,
) {
	if p.Log != nil {
		p.Log.Error("answers not stored", "form", form.ID, "error", err)
	}
	page := p.stepPage(r, form, index, data, nil, token, idem)
	page.Unavailable = true
	p.renderForm(w, r, http.StatusServiceUnavailable, page)
}
