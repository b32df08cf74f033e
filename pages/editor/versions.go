package editor

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// versionRow is one published version.
type versionRow struct {
	Number int
	Form   *schemas.Compiled
}

type versionsPage struct {
	Form     schemas.Form
	Versions []versionRow
	// From and To are the versions compared; 0 is the draft.
	From, To int
	Changes  []builder.Change
	Compared bool
}

var changeNames = map[builder.ChangeKind]locale.Text{
	builder.Added:      {FR: "Champ ajouté", EN: "Field added"},
	builder.Removed:    {FR: "Champ supprimé", EN: "Field removed"},
	builder.Retyped:    {FR: "Type changé", EN: "Type changed"},
	builder.Relabelled: {FR: "Libellé changé", EN: "Label changed"},
	builder.Required:   {FR: "Caractère obligatoire changé", EN: "Required changed"},
	builder.Choices:    {FR: "Réponses proposées changées", EN: "Choices changed"},
	builder.Routing:    {FR: "Orientation changée", EN: "Routing changed"},
}

// ChangeName names a kind of change in the page's language.
func (versionsPage) ChangeName(lang locale.Lang, k builder.ChangeKind) string {
	return changeNames[k].In(lang)
}

// versions lists the published versions and compares two of them, or the
// draft with a version.
func (e *Pages) versions(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	numbers, err := e.Forms.Versions(ctx, draft.ID)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	page := versionsPage{Form: draft}
	for _, n := range numbers {
		v, err := e.Forms.Version(ctx, draft.ID, n)
		if err != nil {
			e.fail(w, r, err)
			return
		}
		page.Versions = append(page.Versions, versionRow{Number: n, Form: v})
	}
	if len(numbers) > 0 {
		// By default, what the draft changes in the latest version.
		page.From, page.To = numbers[len(numbers)-1], 0
		if q := r.URL.Query(); q.Has("from") {
			page.From, _ = strconv.Atoi(q.Get("from"))
			page.To, _ = strconv.Atoi(q.Get("to"))
		}
		from, errFrom := e.definition(r, draft, page.From)
		to, errTo := e.definition(r, draft, page.To)
		switch err := errors.Join(errFrom, errTo); {
		case errors.Is(err, schemas.ErrNotFound):
		case err != nil:
			e.fail(w, r, err)
			return
		default:
			page.Changes, page.Compared = builder.Diff(from, to), true
		}
	}
	e.templates.Render(w, r, http.StatusOK, "versions.html", pageTitle(r, "Versions", draft.Title, false), page)
}

// definition is version n of the form, or its draft for 0.
func (e *Pages) definition(r *http.Request, draft schemas.Form, n int) (schemas.Form, error) {
	if n == 0 {
		return draft, nil
	}
	v, err := e.Forms.Version(r.Context(), draft.ID, n)
	if err != nil {
		return schemas.Form{}, err
	}
	return v.Form, nil
}
