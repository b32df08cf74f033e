package schemas

import (
	"errors"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
)

// Sentinel errors of the registry.
var (
	// ErrNotFound means the form or version does not exist, or is not published.
	ErrNotFound = errors.New("schemas: not found")
	// ErrNoDraft means the form has no draft.
	ErrNoDraft = errors.New("schemas: no draft")
	// ErrArchived means the form is archived: restore it before publishing.
	ErrArchived = errors.New("schemas: archived")
	// ErrInvalidField means a field description was refused; the error
	// wrapping it says why.
	ErrInvalidField = errors.New("schemas: invalid field")
)

// Problem is one reason why a form definition is refused.
type Problem struct {
	// Location points into the definition, for example "schema.properties.age".
	Location string
	Message  locale.Text
}

// DefinitionError lists why a form definition was refused.
type DefinitionError struct {
	Problems []Problem
}

func (e *DefinitionError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Location + ": " + p.Message.EN
	}
	return "schemas: invalid form definition: " + strings.Join(msgs, "; ")
}

func (e *DefinitionError) add(location string, msg locale.Text) {
	e.Problems = append(e.Problems, Problem{Location: location, Message: msg})
}

// merge adds the problems of err, a *DefinitionError.
func (e *DefinitionError) merge(err error) {
	var other *DefinitionError
	if errors.As(err, &other) {
		e.Problems = append(e.Problems, other.Problems...)
	}
}

func (e *DefinitionError) orNil() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// FieldError is one field of submitted data that does not satisfy the form.
type FieldError struct {
	// Location is the field's path in the data, for example "enfants[1].nom".
	Location string
	Message  locale.Text
	Value    any
	// Missing says the field is required and unanswered: what a draft,
	// still being filled, may be.
	Missing bool
}

// ValidationError lists the fields of submitted data that do not satisfy the form.
type ValidationError struct {
	Fields []FieldError
}

// Unfit lists the errors of answers given, leaving out the answers
// missing: what a draft still being filled must not have.
func (e *ValidationError) Unfit() []FieldError {
	var out []FieldError
	for _, f := range e.Fields {
		if !f.Missing {
			out = append(out, f)
		}
	}
	return out
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Location + ": " + f.Message.EN
	}
	return "schemas: invalid data: " + strings.Join(msgs, "; ")
}

// Title summarises the error for a person.
func (e *ValidationError) Title(lang locale.Lang) string {
	return locale.Text{
		FR: "Certaines réponses sont à corriger.",
		EN: "Some answers need correcting.",
	}.In(lang)
}
