package identity

import (
	"context"
	"errors"
	"net/mail"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Department is a unit of the organisation that receives submissions.
type Department struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	// Address is its postal address, line by line, for its letters.
	Address string `json:"address,omitempty"`
}

// Departments stores departments in the departments bucket.
type Departments struct{ kv jetstream.KeyValue }

// NewDepartments opens the department store.
func NewDepartments(ctx context.Context, b *bus.Bus) (*Departments, error) {
	kv, err := b.KV(ctx, bus.BucketDepartments)
	if err != nil {
		return nil, err
	}
	return &Departments{kv: kv}, nil
}

// Put creates or updates a department.
func (s *Departments) Put(ctx context.Context, d Department) error {
	d.Name = strings.TrimSpace(d.Name)
	switch {
	case !schemas.ValidID(d.ID):
		return invalid("id", "L'identifiant s'écrit en minuscules, chiffres et tirets, par exemple solidarites.", "The id is written in lower "+
			"case, digits and hyphens, such as solidarites.")
	case d.Name == "":
		return invalid("name", "Le nom est obligatoire.", "The name is required.")
	case d.Email != "":
		if _, err := mail.ParseAddress(d.Email); err != nil {
			return invalid("email", "L'adresse électronique n'est pas valide.", "The email address is not valid.")
		}
	}
	return putJSON(ctx, s.kv, d.ID, d)
}

// Get returns one department.
func (s *Departments) Get(ctx context.Context, id string) (Department, error) {
	return getByID[Department](ctx, s.kv, id)
}

// List returns every department, in the order of their names.
func (s *Departments) List(ctx context.Context) ([]Department, error) {
	list, err := listJSON[Department](ctx, s.kv)
	locale.Sort(list, func(d Department) string { return d.Name })
	return list, err
}

// DepartmentExists tells whether a department exists.
func (s *Departments) DepartmentExists(ctx context.Context, id string) (bool, error) {
	_, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
