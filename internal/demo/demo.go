// Package demo seeds a first start with the departments and forms of a
// département council, so that Guichet can be tried at once.
//
// Business layer (internal/test/layering).
package demo

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
)

//go:embed departments.json forms/*.json
var files embed.FS

// Templates are the demo forms, from which an admin may start a new one.
func Templates() ([]schemas.Form, error) {
	names, err := fs.Glob(files, "forms/*.json")
	if err != nil {
		return nil, err
	}
	out := make([]schemas.Form, 0, len(names))
	for _, name := range names {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var f schemas.Form
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Seed creates the demo departments, then saves and publishes the demo
// forms, which pass the builder's lint like any other.
func Seed(ctx context.Context, departments *identity.Departments, forms *schemas.Registry) error {
	publisher := &builder.Builder{Forms: forms}
	raw, err := files.ReadFile("departments.json")
	if err != nil {
		return err
	}
	var depts []identity.Department
	if err := json.Unmarshal(raw, &depts); err != nil {
		return fmt.Errorf("departments.json: %w", err)
	}
	for _, d := range depts {
		if err := departments.Put(ctx, d); err != nil {
			return fmt.Errorf("department %s: %w", d.ID, err)
		}
	}
	templates, err := Templates()
	if err != nil {
		return err
	}
	for _, f := range templates {
		if err := publisher.SaveDraft(ctx, "", f); err != nil {
			return fmt.Errorf("%s: %w", f.ID, err)
		}
		if _, err := publisher.Publish(ctx, "", f.ID); err != nil {
			return fmt.Errorf("%s: %w", f.ID, err)
		}
	}
	return nil
}
