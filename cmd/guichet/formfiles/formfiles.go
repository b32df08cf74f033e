// Package formfiles keeps form definitions as files, so that a council can
// version its forms in git: it reads and lints definition files, and
// exports and imports them through a running Guichet's API or directly in
// a stopped Guichet's data directory.
//
// A file is what the API's export operation writes (api.ExportBody): the
// form's id, its JSON Schema and uiSchema at the top level (RJSF can render
// it as it is), its routing, settings and workflow.
//
// Front door (internal/test/layering).
package formfiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/guichet/guichet/api"
	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// MaxFileBytes bounds a definition file, as the API bounds an import.
const MaxFileBytes = schemas.MaxSchemaBytes * 4

// Read reads a definition file. Unknown fields are refused, so that a
// misspelt setting does not silently go unused.
func Read(path string) (api.ExportBody, error) {
	var body api.ExportBody
	f, err := os.Open(path)
	if err != nil {
		return body, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return body, err
	}
	if len(raw) > MaxFileBytes {
		return body, fmt.Errorf("file larger than %d bytes: too large for a definition", MaxFileBytes)
	}
	return Decode(raw)
}

// Decode reads a definition from JSON, refusing unknown fields and
// anything after the definition.
func Decode(raw []byte) (api.ExportBody, error) {
	var body api.ExportBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return body, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return body, errors.New("invalid JSON: text follows the definition")
	}
	return body, nil
}

// Lint lists what would stop the definition from being imported or
// published. Departments cannot be checked without a server: any name
// passes here, and the import checks them.
func Lint(ctx context.Context, body api.ExportBody) ([]schemas.Problem, error) {
	f := body.Form()
	var problems []schemas.Problem
	var refused *schemas.DefinitionError
	switch err := schemas.Check(ctx, f, anyDepartment{}); {
	case errors.As(err, &refused):
		problems = append(problems, refused.Problems...)
	case err != nil:
		return nil, err
	}
	return append(problems, builder.Lint(f)...), nil
}

type anyDepartment struct{}

func (anyDepartment) DepartmentExists(context.Context, string) (bool, error) { return true, nil }

// Store is where definitions are exported from and imported into.
type Store interface {
	// Export returns a published version of a form; 0 is the latest.
	Export(ctx context.Context, id string, version int) (api.ExportBody, error)
	// Import saves a definition as its form's draft and, if asked,
	// publishes it. It returns the version published, or 0.
	Import(ctx context.Context, body api.ExportBody, publish bool) (int, error)
	Close()
}

// ProblemsError is a definition the store refused, with each reason.
type ProblemsError struct {
	Problems []schemas.Problem
}

func (e *ProblemsError) Error() string {
	return fmt.Sprintf("definition refused: %d problems", len(e.Problems))
}

// problemsOf turns the registry's refusal into a ProblemsError.
func problemsOf(err error) error {
	var refused *schemas.DefinitionError
	if errors.As(err, &refused) {
		return &ProblemsError{Problems: refused.Problems}
	}
	return err
}

// Messages of the stores' errors.
var (
	msgNotFound = locale.Text{
		FR: "ce formulaire n'existe pas ou n'a aucune version publiée",
		EN: "this form does not exist or has no published version",
	}
	msgArchived = locale.Text{
		FR: "ce formulaire est archivé : restaurez-le avant de le publier",
		EN: "this form is archived: restore it before publishing",
	}
)
