package identity

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/schemas"
)

// Role is what an account may do.
type Role string

// The roles.
const (
	// RoleAgent files internal forms and works the inboxes of their departments.
	RoleAgent Role = "agent"
	// RoleAdmin designs forms and manages the organisation; they see everything.
	RoleAdmin Role = "admin"
)

// Account is an agent or an admin.
type Account struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Email       string   `json:"email,omitempty"`
	Role        Role     `json:"role"`
	Departments []string `json:"departments,omitempty"`
	Active      bool     `json:"active"`
}

// Accounts stores accounts in the accounts bucket.
type Accounts struct {
	kv          jetstream.KeyValue
	departments *Departments
}

// NewAccounts opens the account store.
func NewAccounts(ctx context.Context, b *bus.Bus, departments *Departments) (*Accounts, error) {
	kv, err := b.KV(ctx, bus.BucketAccounts)
	if err != nil {
		return nil, err
	}
	return &Accounts{kv: kv, departments: departments}, nil
}

// Put creates or updates an account; its departments must exist.
func (s *Accounts) Put(ctx context.Context, a Account) error {
	a.Name = strings.TrimSpace(a.Name)
	switch {
	case !schemas.ValidID(a.ID):
		return fmt.Errorf("%w: account id %q", ErrInvalid, a.ID)
	case a.Name == "":
		return fmt.Errorf("%w: account name is empty", ErrInvalid)
	case a.Role != RoleAgent && a.Role != RoleAdmin:
		return fmt.Errorf("%w: role %q", ErrInvalid, a.Role)
	}
	if a.Email != "" {
		if _, err := mail.ParseAddress(a.Email); err != nil {
			return fmt.Errorf("%w: account email %q", ErrInvalid, a.Email)
		}
	}
	slices.Sort(a.Departments)
	a.Departments = slices.Compact(a.Departments)
	for _, d := range a.Departments {
		ok, err := s.departments.DepartmentExists(ctx, d)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: unknown department %q", ErrInvalid, d)
		}
	}
	return putJSON(ctx, s.kv, a.ID, a)
}

// Get returns one account.
func (s *Accounts) Get(ctx context.Context, id string) (Account, error) {
	return getByID[Account](ctx, s.kv, id)
}

// List returns every account, by id.
func (s *Accounts) List(ctx context.Context) ([]Account, error) {
	return listJSON[Account](ctx, s.kv)
}
