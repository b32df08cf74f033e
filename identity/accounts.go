package identity

import (
	"context"
	"errors"
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
	// RoleManager is an agent who also approves the requests of their team.
	RoleManager Role = "manager"
	// RoleAdmin designs forms and manages the organisation; they see everything.
	RoleAdmin Role = "admin"
)

// Roles lists the roles, from the least to the most powerful.
var Roles = []Role{RoleAgent, RoleManager, RoleAdmin}

// ErrLastAdmin means a change would leave no active admin.
var ErrLastAdmin = errors.New("identity: the last active admin cannot be demoted or deactivated")

// Account is an agent, a manager or an admin.
type Account struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Email       string   `json:"email,omitempty"`
	Role        Role     `json:"role"`
	Departments []string `json:"departments,omitempty"`
	// Manager is the account that approves this agent's requests.
	Manager string `json:"manager,omitempty"`
	// Delegate acts for this account while it is absent.
	Delegate string `json:"delegate,omitempty"`
	// Absent says the account is away: its delegate approves in its place.
	Absent bool `json:"absent,omitempty"`
	Active bool `json:"active"`
}

// ActiveAdmin reports whether the account is an active admin.
func (a Account) ActiveAdmin() bool { return a.Active && a.Role == RoleAdmin }

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
		return invalid(
			"id",
			"L'identifiant s'écrit en minuscules, chiffres et tirets, par exemple m-weber.",
			"The id is written in lower case,"+
				" digits and hyphens, such as m-weber.",
		)
	case a.Name == "":
		return invalid("name", "Le nom est obligatoire.", "The name is required.")
	case !slices.Contains(Roles, a.Role):
		return invalid("role", "Le rôle est agent, manager ou admin.", "The role is agent, manager or admin.")
	case a.Manager == a.ID || a.Delegate == a.ID:
		return invalid(
			"manager",
			"Un compte ne peut pas être son propre responsable ni son propre suppléant.",
			"An account cannot be its own "+
				"manager or delegate.",
		)
	}
	for _, other := range []string{a.Manager, a.Delegate} {
		if other == "" {
			continue
		}
		if _, err := s.Get(ctx, other); errors.Is(err, ErrNotFound) {
			return invalid(
				"manager",
				fmt.Sprintf("Aucun compte ne porte l'identifiant « %s ».", other),
				fmt.Sprintf("No account has the id “%s”.", other),
			)
		} else if err != nil {
			return err
		}
	}
	if a.Email != "" {
		if _, err := mail.ParseAddress(a.Email); err != nil {
			return invalid("email", "L'adresse électronique n'est pas valide.", "The email address is not valid.")
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
			return invalid(
				"departments",
				fmt.Sprintf("Aucun service ne porte l'identifiant « %s ».", d),
				fmt.Sprintf("No department has the id "+
					"“%s”.", d),
			)
		}
	}
	if !a.ActiveAdmin() {
		if err := s.keepOneAdmin(ctx, a.ID); err != nil {
			return err
		}
	}
	return putJSON(ctx, s.kv, a.ID, a)
}

// keepOneAdmin refuses to let the account id stop being an active admin
// when it is the last one.
func (s *Accounts) keepOneAdmin(ctx context.Context, id string) error {
	current, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !current.ActiveAdmin()) {
		return nil
	}
	if err != nil {
		return err
	}
	all, err := s.List(ctx)
	if err != nil {
		return err
	}
	for _, a := range all {
		if a.ID != id && a.ActiveAdmin() {
			return nil
		}
	}
	return ErrLastAdmin
}

// Get returns one account.
func (s *Accounts) Get(ctx context.Context, id string) (Account, error) {
	return getByID[Account](ctx, s.kv, id)
}

// List returns every account, by id.
func (s *Accounts) List(ctx context.Context) ([]Account, error) {
	return listJSON[Account](ctx, s.kv)
}

// Principal returns who an active account is, for a request it makes; an
// unknown or deactivated account is ErrUnauthenticated.
func (s *Accounts) Principal(ctx context.Context, id string) (Principal, error) {
	a, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !a.Active) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{AccountID: a.ID, Role: a.Role, Departments: a.Departments}, nil
}
