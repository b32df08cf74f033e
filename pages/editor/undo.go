package editor

import (
	"context"
	"errors"
	"net/http"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/schemas"
)

// undo brings back the draft before the last change.
func (e *Pages) undo(w http.ResponseWriter, r *http.Request) { e.step(w, r, e.Builder.Undo, "undone") }

// redo makes again the last change undone.
func (e *Pages) redo(w http.ResponseWriter, r *http.Request) { e.step(w, r, e.Builder.Redo, "redone") }

// step undoes or redoes a change, and says so on the form's page; with
// nothing to undo or redo, it says that.
func (e *Pages) step(w http.ResponseWriter, r *http.Request, step func(ctx context.Context, by, id string) (schemas.Form, error),
	done string,
) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	_, err := step(r.Context(), by(r), draft.ID)
	if errors.Is(err, builder.ErrNoEdit) {
		done = "nothing"
		err = nil
	}
	if err != nil {
		e.fail(w, r, err)
		return
	}
	redirect(w, r, draft.ID, "", done)
}
