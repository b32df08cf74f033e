package builder

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Builder is the admins' work on form definitions, over the registry.
// Every change is recorded in the security log with who made it.
type Builder struct {
	Forms *schemas.Registry
	Audit *identity.Audit
	// Submissions is the SUBMISSIONS stream, for replaying routing.
	Submissions jetstream.Stream
	// Drafts are the drafts being filled, which a new version may no
	// longer fit.
	Drafts *submit.Drafts
	// History keeps the drafts to undo and redo; nil keeps none.
	History *History
}

// SaveDraft saves a draft for an admin; the draft it replaces can be
// brought back with Undo.
func (b *Builder) SaveDraft(ctx context.Context, by string, f schemas.Form) error {
	before, err := b.Forms.Draft(ctx, f.ID)
	switch {
	case errors.Is(err, schemas.ErrNoDraft):
		return b.save(ctx, by, nil, f)
	case err != nil:
		return err
	}
	return b.save(ctx, by, &before, f)
}

// save saves f in place of the draft before, nil when there was none,
// which Undo can then bring back.
func (b *Builder) save(ctx context.Context, by string, before *schemas.Form, f schemas.Form) error {
	if err := b.Forms.SaveDraft(ctx, f); err != nil {
		return err
	}
	b.record(ctx, "form.draft_saved", by, f.ID)
	if b.History == nil || before == nil || schemas.SameForm(*before, f) {
		return nil
	}
	return b.History.changed(ctx, *before)
}

// Undo brings back the draft before the last change, and Redo the change
// undone; ErrNoEdit when there is none.
func (b *Builder) Undo(ctx context.Context, by, id string) (schemas.Form, error) {
	return b.step(ctx, by, id, true)
}

// Redo makes again the last change undone (see Undo).
func (b *Builder) Redo(ctx context.Context, by, id string) (schemas.Form, error) {
	return b.step(ctx, by, id, false)
}

func (b *Builder) step(ctx context.Context, by, id string, undo bool) (schemas.Form, error) {
	current, err := b.Forms.Draft(ctx, id)
	if err != nil || b.History == nil {
		return current, cmp.Or(err, ErrNoEdit)
	}
	next, err := b.History.step(ctx, current, undo)
	if err != nil {
		return current, err
	}
	if err := b.Forms.SaveDraft(ctx, next); err != nil {
		return current, err
	}
	b.record(ctx, map[bool]string{true: "form.draft_undone", false: "form.draft_redone"}[undo], by, id)
	return next, nil
}

// EditDraft applies an edit operation (see edit.go) to a form's draft and
// saves the result, which must still be a valid definition.
func (b *Builder) EditDraft(ctx context.Context, by, id string, edit func(schemas.Form) (schemas.Form, error)) (schemas.Form, error) {
	draft, err := b.Forms.Draft(ctx, id)
	if err != nil {
		return draft, err
	}
	edited, err := edit(draft)
	if err != nil {
		return draft, err
	}
	return edited, b.save(ctx, by, &draft, edited)
}

// Publish lints the draft and, if it passes, freezes it as the next version.
func (b *Builder) Publish(ctx context.Context, by, id string) (*schemas.Compiled, error) {
	draft, err := b.Forms.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if problems := Lint(draft); len(problems) > 0 {
		return nil, &schemas.DefinitionError{Problems: problems}
	}
	v, err := b.Forms.Publish(ctx, id)
	if err == nil {
		b.record(ctx, KindPublished, by, id+" v"+strconv.Itoa(v.Version.Version))
	}
	return v, err
}

// KindPublished is the security log's kind of a form's publication; its
// event names the version published, which PublishedVersion reads.
const KindPublished = "form.published"

// PublishedVersion reads the form and version that an event of kind
// KindPublished names.
func PublishedVersion(e identity.AuditEvent) (id string, version int, ok bool) {
	id, n, found := strings.Cut(e.Detail, " v")
	version, err := strconv.Atoi(n)
	return id, version, e.Kind == KindPublished && found && err == nil && schemas.ValidID(id)
}

// Unpublish takes a form out of the catalogue: it accepts no more
// submissions, while its versions stay for the submissions made with them.
func (b *Builder) Unpublish(ctx context.Context, by, id string) error {
	if err := b.Forms.Unpublish(ctx, id); err != nil {
		return err
	}
	b.record(ctx, "form.unpublished", by, id)
	return nil
}

// Archive takes a form out of the catalogue and of the forms in progress;
// its draft and versions stay, and Restore brings it back.
func (b *Builder) Archive(ctx context.Context, by, id string) error {
	if err := b.Forms.Archive(ctx, id); err != nil {
		return err
	}
	b.record(ctx, "form.archived", by, id)
	return nil
}

// Restore brings an archived form back, unpublished.
func (b *Builder) Restore(ctx context.Context, by, id string) error {
	if err := b.Forms.Restore(ctx, id); err != nil {
		return err
	}
	b.record(ctx, "form.restored", by, id)
	return nil
}

func (b *Builder) record(ctx context.Context, kind, by, detail string) {
	if b.Audit != nil {
		_ = b.Audit.Record(ctx, identity.AuditEvent{Kind: kind, By: by, Detail: detail})
	}
}

// MaxReplay bounds how many past submissions a routing dry run replays.
const MaxReplay = 100

// Route is where one sample of data would go.
type Route struct {
	// Reference names a replayed submission; empty for pasted samples.
	Reference  string          `json:"reference,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Department string          `json:"department"`
	// Rule is the position of the rule that matched, from 0; -1 when none
	// did and the default department receives the data.
	Rule int `json:"rule" doc:"Position de la règle qui s'applique, à partir de 0 ; -1 : aucune, le service par défaut"`
}

// DryRun says where each sample, and each of the last replay submissions
// of the form, would go under the draft's routing rules.
func (b *Builder) DryRun(ctx context.Context, id string, samples []json.RawMessage, replay int) ([]Route, error) {
	draft, err := b.Forms.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	preview, err := schemas.Preview(draft)
	if err != nil {
		return nil, err
	}
	routes := make([]Route, 0, len(samples))
	for _, s := range samples {
		department, rule := preview.RouteOf(s)
		routes = append(routes, Route{Data: s, Department: department, Rule: rule})
	}
	past, err := b.lastSubmissions(ctx, id, min(replay, MaxReplay))
	if err != nil {
		return nil, err
	}
	for _, p := range past {
		department, rule := preview.RouteOf(p.Data)
		routes = append(routes, Route{Reference: p.Reference, Department: department, Rule: rule})
	}
	return routes, nil
}

// lastSubmissions reads the last n submissions of a form, newest last.
func (b *Builder) lastSubmissions(ctx context.Context, id string, n int) ([]submit.Stored, error) {
	if n <= 0 || b.Submissions == nil {
		return nil, nil
	}
	var last []submit.Stored
	err := bus.Scan(ctx, b.Submissions, bus.SubmissionSubject(id), func(msg jetstream.Msg) {
		if p, err := submit.Decode(msg); err == nil {
			last = append(last, p)
			if len(last) > n {
				last = last[1:]
			}
		}
	})
	return last, err
}
