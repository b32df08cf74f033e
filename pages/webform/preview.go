package webform

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// The preview shows a form's draft with the real renderer, for admins:
// its steps, conditions, repeatable groups and validation work as they
// will once published, and the last step says which department the
// answers would go to. Nothing is stored or sent: the answers of the
// earlier steps travel in the page itself.

// previewForm compiles the draft named in the path, answering the visitor
// itself when there is none.
func (p *Pages) previewForm(w http.ResponseWriter, r *http.Request) (*schemas.Compiled, bool) {
	draft, err := p.Forms.Draft(r.Context(), r.PathValue("form"))
	if errors.Is(err, schemas.ErrNoDraft) {
		p.notFound(w, r)
		return nil, false
	}
	if err == nil {
		var form *schemas.Compiled
		if form, err = schemas.Preview(draft); err == nil {
			// The builder's page shows the preview beside the editor.
			web.FramedBySelf(w)
			return form, true
		}
	}
	p.fail(w, r, err)
	return nil, false
}

func (p *Pages) preview(w http.ResponseWriter, r *http.Request) {
	form, ok := p.previewForm(w, r)
	if !ok {
		return
	}
	index, _ := strconv.Atoi(r.URL.Query().Get("step"))
	p.renderPreview(w, r, http.StatusOK, form, index, map[string]any{}, nil, "")
}

func (p *Pages) renderPreview(
	w http.ResponseWriter,
	r *http.Request,
	status int,
	form *schemas.Compiled,
	index int,
	data map[string]any,
	errs []schemas.FieldError,
	outcome string,
) {
	page := p.stepPage(r, form, index, data, errs, "", "")
	page.Action = "/admin/forms/" + form.ID + "/preview"
	page.Preview = true
	page.Outcome = outcome
	if raw, err := json.Marshal(data); err == nil {
		page.Answers = string(raw)
	}
	p.renderForm(w, r, status, page)
}

// previewPost checks one step of answers and goes on to the next, or, on
// the last, says where the answers would go.
func (p *Pages) previewPost(w http.ResponseWriter, r *http.Request) {
	form, ok := p.previewForm(w, r)
	if !ok || !p.parseBody(w, r) {
		return
	}
	// A preview keeps no file: nothing of it is stored.
	data, steps, index := takePage(r, form, decodeData(json.RawMessage(r.PostFormValue("_answers"))), nil)
	if action := r.PostFormValue("_action"); strings.HasPrefix(action, "add:") || strings.HasPrefix(action, "remove:") {
		applyAction(data, action)
		p.renderPreview(w, r, http.StatusOK, form, index, data, nil, "")
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var invalid *schemas.ValidationError
	if err := form.Validate(raw); errors.As(err, &invalid) {
		for i, s := range steps {
			var mine []schemas.FieldError
			for _, f := range invalid.Fields {
				if s.owns(f.Location) || (len(steps) == 1 && i == 0) {
					mine = append(mine, f)
				}
			}
			// Errors on this step or an earlier one stop here; later
			// steps are not answered yet.
			if len(mine) > 0 && (i <= index || index == len(steps)-1) {
				p.renderPreview(w, r, http.StatusUnprocessableEntity, form, i, data, mine, "")
				return
			}
		}
	}
	if index+1 < len(steps) {
		p.renderPreview(w, r, http.StatusOK, form, index+1, data, nil, "")
		return
	}
	department := form.Route(raw)
	if d, err := p.Departments.Get(r.Context(), department); err == nil {
		department = d.Name
	}
	p.renderPreview(w, r, http.StatusOK, form, index, data, nil, department)
}

// parseBody reads a posted form, bounded, files included.
func (p *Pages) parseBody(w http.ResponseWriter, r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, MaxMultipartBytes)
		err = r.ParseMultipartForm(8 << 20)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
		err = r.ParseForm()
	}
	if err != nil {
		http.Error(w, web.Say(r, "Le formulaire envoyé est trop volumineux.", "The form sent is too large."), http.StatusRequestEntityTooLarge)
		return false
	}
	return true
}
