package webform

import (
	"encoding/json"
	"net/http"

	"github.com/guichet/guichet/internal/web"
)

// liveAnswer is what the page's script shows as the answers are typed:
// the calculated fields, as the page writes them, and what the checks
// across answers refuse, by field.
type liveAnswer struct {
	Values map[string]string `json:"values"`
	Checks map[string]string `json:"checks"`
}

// live works out, for the page posted with its answers so far, the
// calculated fields and the checks' refusals. It is the server's own
// calculation, the one stored: the page never computes on its own, so
// that what it shows is what the receipt and the PDF will say. It stores
// nothing, and files posted are not read.
func (p *Pages) live(w http.ResponseWriter, r *http.Request) {
	form, ok := p.loadPosted(w, r)
	if !ok {
		return
	}
	data := map[string]any{}
	if token := r.PostFormValue("_draft"); token != "" {
		if draft, err := p.Drafts.Get(r.Context(), token); err == nil && mayResume(draft, form, web.RequestOf(r.Context()).Principal) {
			data = decodeData(draft.Data)
		}
	}
	data, _, _ = takePage(r, form, data, nil)

	lang := web.LangOf(r)
	answer := liveAnswer{Values: map[string]string{}, Checks: map[string]string{}}
	for _, f := range buildFields(form.Schema, form.UISchema, data, "", fieldContext{lang: lang}) {
		if f.Kind == Calculated {
			answer.Values[f.Path] = f.Value
		}
	}
	if raw, err := json.Marshal(data); err == nil {
		for _, refused := range form.Checks(raw) {
			answer.Checks[refused.Location] = refused.Message.In(lang)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(answer)
}
