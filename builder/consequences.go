package builder

import (
	"context"
	"errors"

	"github.com/guichet/guichet/schemas"
)

// Consequences is what publishing a draft changes for people in the
// middle of it: the drafts being filled whose answers the new version
// refuses, and the past submissions its routing would send elsewhere.
type Consequences struct {
	// Drafts counts the drafts being filled; Unfit, those of them whose
	// answers the new version refuses, with why. A draft that fits goes
	// on with the new version as it is.
	Drafts int
	Unfit  []UnfitDraft
	// Rerouted are the past submissions, among the last replayed, that
	// the new version's routing sends to another department.
	Rerouted []Rerouted
}

// UnfitDraft is a draft whose answers the new version refuses.
type UnfitDraft struct {
	Fields []schemas.FieldError
	// Reachable says its owner can be written to about it, once the
	// version is published: they had the resume link emailed, or are an
	// agent (see processors.UnfitDrafts).
	Reachable bool
}

// Reachable counts the drafts among Unfit whose owners can be written to.
func (c Consequences) Reachable() int {
	n := 0
	for _, d := range c.Unfit {
		if d.Reachable {
			n++
		}
	}
	return n
}

// Rerouted is a past submission that the new routing sends elsewhere.
type Rerouted struct {
	Reference  string
	Was, Would string
}

// Consequences says what publishing the draft of form id would change:
// for the drafts being filled, checked against it, and for the last
// replay submissions, routed by it rather than by the version published.
func (b *Builder) Consequences(ctx context.Context, id string, replay int) (Consequences, error) {
	var out Consequences
	draft, err := b.Forms.Draft(ctx, id)
	if err != nil {
		return out, err
	}
	next, err := schemas.Preview(draft)
	if err != nil {
		return out, err
	}
	if b.Drafts != nil {
		drafts, err := b.Drafts.OfForm(ctx, id)
		if err != nil {
			return out, err
		}
		out.Drafts = len(drafts)
		for _, d := range drafts {
			var invalid *schemas.ValidationError
			if errors.As(next.Validate(d.Data), &invalid) && len(invalid.Unfit()) > 0 {
				out.Unfit = append(out.Unfit, UnfitDraft{Fields: invalid.Unfit(), Reachable: d.Email != "" || d.AccountID != ""})
			}
		}
	}
	published, err := b.Forms.Latest(ctx, id)
	if errors.Is(err, schemas.ErrNotFound) {
		return out, nil // nothing routed yet
	}
	if err != nil {
		return out, err
	}
	past, err := b.lastSubmissions(ctx, id, min(replay, MaxReplay))
	if err != nil {
		return out, err
	}
	for _, p := range past {
		if was, would := published.Route(p.Data), next.Route(p.Data); was != would {
			out.Rerouted = append(out.Rerouted, Rerouted{Reference: p.Reference, Was: was, Would: would})
		}
	}
	return out, nil
}
