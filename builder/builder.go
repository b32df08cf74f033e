package builder

import (
	"context"

	"github.com/guichet/guichet/schemas"
)

// Builder is the admins' work on form definitions, over the registry.
type Builder struct {
	Forms *schemas.Registry
}

// Publish lints the draft and, if it passes, freezes it as the next version.
func (b *Builder) Publish(ctx context.Context, id string) (*schemas.Compiled, error) {
	draft, err := b.Forms.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if problems := Lint(draft); len(problems) > 0 {
		return nil, &schemas.DefinitionError{Problems: problems}
	}
	return b.Forms.Publish(ctx, id)
}
