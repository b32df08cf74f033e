package formfiles

import (
	"context"
	"errors"

	"github.com/guichet/guichet/api"
	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Local is a stopped Guichet's data directory, opened with its own
// embedded server. Its changes are in the security log like an admin's,
// under the name By.
type Local struct {
	bus     *bus.Bus
	forms   *schemas.Registry
	builder *builder.Builder
	by      string
	lang    locale.Lang
}

// OpenLocal opens a data directory. It fails with bus.ErrDataDirInUse
// while a Guichet runs on it: use its API then.
func OpenLocal(ctx context.Context, dataDir, by string, lang locale.Lang) (*Local, error) {
	b, err := bus.Open(ctx, bus.Config{DataDir: dataDir})
	if err != nil {
		return nil, err
	}
	departments, err := identity.NewDepartments(ctx, b)
	if err == nil {
		var forms *schemas.Registry
		if forms, err = schemas.NewRegistry(ctx, b, departments); err == nil {
			return &Local{bus: b, forms: forms, by: by, lang: lang,
				builder: &builder.Builder{Forms: forms, Audit: identity.NewAudit(b)}}, nil
		}
	}
	b.Close()
	return nil, err
}

// Export implements Store.
func (l *Local) Export(ctx context.Context, id string, version int) (api.ExportBody, error) {
	var v *schemas.Compiled
	var err error
	if version > 0 {
		v, err = l.forms.Version(ctx, id, version)
	} else {
		v, err = l.forms.Latest(ctx, id)
	}
	if err != nil {
		return api.ExportBody{}, l.explain(err)
	}
	return api.ExportOf(v), nil
}

// Import implements Store.
func (l *Local) Import(ctx context.Context, body api.ExportBody, publish bool) (int, error) {
	if err := l.builder.SaveDraft(ctx, l.by, body.Form()); err != nil {
		return 0, l.explain(err)
	}
	if !publish {
		return 0, nil
	}
	v, err := l.builder.Publish(ctx, l.by, body.ID)
	if err != nil {
		return 0, l.explain(err)
	}
	return v.Version.Version, nil
}

// Close implements Store: it stops the embedded server and frees the
// data directory.
func (l *Local) Close() { l.bus.Close() }

func (l *Local) explain(err error) error {
	switch {
	case errors.Is(err, schemas.ErrNotFound):
		return errors.New(msgNotFound.In(l.lang))
	case errors.Is(err, schemas.ErrArchived):
		return errors.New(msgArchived.In(l.lang))
	}
	return problemsOf(err)
}
