package webform

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// loadWithDraft loads the form and the draft named in the path.
func (p *Pages) loadWithDraft(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, string, submit.Draft, bool) {
	form, ok := p.load(w, r)
	if !ok {
		return nil, "", submit.Draft{}, false
	}
	token, draft, ok := p.loadDraft(w, r, form)
	return form, token, draft, ok
}

func (p *Pages) resume(w http.ResponseWriter, r *http.Request) {
	form, token, draft, ok := p.loadWithDraft(w, r)
	if !ok {
		return
	}
	index := draft.Step
	if i, err := strconv.Atoi(r.URL.Query().Get("step")); err == nil {
		index = i
	}
	// A version published since the draft was saved may refuse some of
	// its answers: the page opens where the first is, and says them.
	var unfit []schemas.FieldError
	if invalid := (*schemas.ValidationError)(nil); errors.As(form.Validate(draft.Data), &invalid) {
		unfit = invalid.Unfit()
	}
	data := decodeData(draft.Data)
	if len(unfit) > 0 {
		for i, s := range stepsOf(form, data) {
			if s.owns(unfit[0].Location) {
				index = i
				break
			}
		}
	}
	p.renderStep(w, r, http.StatusOK, form, index, data, unfit, token, "")
}

func decodeData(raw json.RawMessage) map[string]any {
	data := map[string]any{}
	_ = json.Unmarshal(raw, &data)
	return data
}

type savedPage struct {
	Form      *schemas.Compiled
	Draft     string
	ResumeURL string
	ExpiresAt time.Time
	// Mail offers to email the link; Email is the address typed, Sent the
	// one the link went to, Error why it did not go.
	Mail             bool
	Email, Sent      string
	Error, FormToken string
}

// savedPage shows a draft's resume link.
func (p *Pages) savedPage(w http.ResponseWriter, r *http.Request, form *schemas.Compiled, token string, expires time.Time) savedPage {
	page := savedPage{
		Form:      form,
		Draft:     token,
		ResumeURL: web.SiteAddress(r, p.SiteURL) + submit.ResumePath(form.ID, token),
		ExpiresAt: expires,
		Mail:      p.Mail != nil,
	}
	if web.RequestOf(r.Context()).Session == nil {
		page.FormToken = web.FormToken(w, r, p.Cookies)
	}
	return page
}

// save keeps the answers so far and shows the link to come back to them.
func (p *Pages) save(w http.ResponseWriter, r *http.Request, form *schemas.Compiled, token string, index int, data map[string]any) {
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	lifetime := form.DraftLifetime()
	token, err = p.Drafts.Save(r.Context(), token, submit.Draft{
		Form:      form.ID,
		Data:      raw,
		Step:      index,
		AccountID: web.RequestOf(r.Context()).Principal.AccountID,
		Lang:      web.RequestOf(r.Context()).Lang,
	}, lifetime)
	if err != nil {
		p.unavailable(w, r, form, index, data, token, "", err)
		return
	}
	page := p.savedPage(w, r, form, token, time.Now().Add(lifetime))
	p.templates.Render(w, r, http.StatusOK, "saved.html", web.Say(r, "Vos réponses sont enregistrées", "Your answers are saved"), page)
}

type checkPage struct {
	Form      *schemas.Compiled
	Draft     string
	Sections  []checkSection
	FormToken string
	// IdempotencyKey makes a double click on "send" send once.
	IdempotencyKey string
}

type checkSection struct {
	Title   string
	Step    int
	Answers []schemas.Answer
}

// check shows every answer before sending, each page with a link to change it.
func (p *Pages) check(w http.ResponseWriter, r *http.Request) {
	form, token, draft, ok := p.loadWithDraft(w, r)
	if !ok {
		return
	}
	data := decodeData(draft.Data)
	page := checkPage{Form: form, Draft: token, IdempotencyKey: submit.NewToken()}
	for i, s := range stepsOf(form, data) {
		raw, err := json.Marshal(s.only(data))
		if err != nil {
			p.fail(w, r, err)
			return
		}
		answers := p.fileNames(r.Context(), form.Answers(raw), web.LangOf(r))
		page.Sections = append(page.Sections, checkSection{Title: s.Title, Step: i, Answers: answers})
	}
	if web.RequestOf(r.Context()).Session == nil {
		page.FormToken = web.FormToken(w, r, p.Cookies)
	}
	p.templates.Render(w, r, http.StatusOK, "check.html", web.Say(r, "Vérifiez vos réponses", "Check your answers")+" — "+form.Title, page)
}

// sendDraft sends a checked draft.
func (p *Pages) sendDraft(w http.ResponseWriter, r *http.Request) {
	form, token, draft, ok := p.loadPostedDraft(w, r)
	if !ok {
		return
	}
	if web.RequestOf(r.Context()).Session == nil && !web.FormTokenValid(r) {
		http.Redirect(w, r, submit.ResumePath(form.ID, token)+"/verifier", http.StatusSeeOther)
		return
	}
	p.send(w, r, form, decodeData(draft.Data), draft.Data, token, r.PostFormValue("_idem"))
}

// fileNames shows the files among answers by their names and sizes, not
// their content or ids: an answer is replaced only when each of its parts
// names a file.
func (p *Pages) fileNames(ctx context.Context, answers []schemas.Answer, lang locale.Lang) []schemas.Answer {
	for i, a := range answers {
		if !strings.HasPrefix(a.Value, "data:") && !strings.HasPrefix(a.Value, "upload:") {
			continue
		}
		var names []string
		for _, part := range strings.Split(a.Value, ", ") {
			name, ok := p.fileName(ctx, part, lang)
			if !ok {
				names = nil
				break
			}
			names = append(names, name)
		}
		if names != nil {
			answers[i].Value = strings.Join(names, ", ")
		}
	}
	return answers
}
