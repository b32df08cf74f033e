package editor

import (
	"net/http"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// publicationPage is what publishing the draft would change, shown
// before it is confirmed.
type publicationPage struct {
	Form schemas.Form
	builder.Consequences
	// Replayed is how many past submissions the routing was tried on.
	Replayed int
	// Departments name the departments by id.
	Departments map[string]string
	Problems    []string
	// Mail says the owners of unfit drafts can be emailed.
	Mail bool
}

// replayed is how many of the last submissions the publication page
// routes again.
const replayed = 50

// publication shows what publishing the draft would change for the
// drafts being filled and the past submissions' routing, and asks for
// confirmation.
func (e *Pages) publication(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	consequences, err := e.Builder.Consequences(r.Context(), draft.ID, replayed)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	names, _, err := e.departmentNames(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	page := publicationPage{Form: draft, Consequences: consequences, Replayed: replayed, Departments: names, Mail: e.Mail}
	for _, p := range builder.Lint(draft) {
		page.Problems = append(page.Problems, p.Message.In(langOf(r)))
	}
	e.templates.Render(w, r, http.StatusOK, "publication.html",
		pageTitle(r, web.Say(r, "Publier", "Publish"), draft.Title, false), page)
}

// Department names a department by id.
func (p publicationPage) Department(id string) string { return cmpName(p.Departments, id) }
