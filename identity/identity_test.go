package identity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
)

type stores struct {
	departments *identity.Departments
	accounts    *identity.Accounts
	credentials *identity.Credentials
	tokens      *identity.Tokens
}

func open(t *testing.T, b *bus.Bus, bootstrapToken string) stores {
	t.Helper()
	ctx := context.Background()
	d, err := identity.NewDepartments(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	a, err := identity.NewAccounts(ctx, b, d)
	if err != nil {
		t.Fatal(err)
	}
	c, err := identity.NewCredentials(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := identity.NewTokens(ctx, b, a, bootstrapToken, 0)
	if err != nil {
		t.Fatal(err)
	}
	return stores{d, a, c, tk}
}

func TestDepartmentsAndAccountsRefuseBadInput(t *testing.T) {
	s := open(t, bus.StartTest(t), "")
	ctx := context.Background()
	if err := s.departments.Put(ctx, identity.Department{ID: "accueil", Name: "Accueil", Email: "accueil@moselle.fr"}); err != nil {
		t.Fatal(err)
	}
	bad := []error{
		s.departments.Put(ctx, identity.Department{ID: "Accueil Général", Name: "x"}),
		s.departments.Put(ctx, identity.Department{ID: "vide", Name: "  "}),
		s.departments.Put(ctx, identity.Department{ID: "courriel", Name: "x", Email: "pas une adresse"}),
		s.accounts.Put(ctx, identity.Account{ID: "a", Name: "A", Role: "superuser"}),
		s.accounts.Put(ctx, identity.Account{ID: "a", Name: "A", Role: identity.RoleAgent, Departments: []string{"fantome"}}),
		s.accounts.Put(ctx, identity.Account{ID: "a", Name: "", Role: identity.RoleAgent}),
	}
	for i, err := range bad {
		if !errors.Is(err, identity.ErrInvalid) {
			t.Errorf("case %d: %v, want ErrInvalid", i, err)
		}
	}
	if list, _ := s.departments.List(ctx); len(list) != 1 {
		t.Errorf("departments = %v", list)
	}
	if ok, _ := s.departments.DepartmentExists(ctx, "fantome"); ok {
		t.Error("an unknown department exists")
	}
}

func TestTokens(t *testing.T) {
	b := bus.StartTest(t)
	s := open(t, b, "")
	ctx := context.Background()
	boot, err := identity.EnsureBootstrapAdmin(ctx, s.accounts, s.credentials, s.tokens)
	if err != nil || !boot.FirstStart || boot.Token == "" || boot.Password == "" {
		t.Fatalf("first start: %+v %v", boot, err)
	}
	generated := boot.Token
	if ok, temporary, _ := s.credentials.Verify(ctx, identity.BootstrapAdminID, boot.Password); !ok || !temporary {
		t.Error("the generated password does not sign the bootstrap admin in")
	}
	again, _ := identity.EnsureBootstrapAdmin(ctx, s.accounts, s.credentials, s.tokens)
	if again.FirstStart || again.Token != "" || again.Password != "" {
		t.Error("the bootstrap credentials were issued twice")
	}
	p, err := s.tokens.Authenticate(ctx, generated)
	if err != nil || !p.IsAdmin() || p.AccountID != identity.BootstrapAdminID {
		t.Errorf("bootstrap token: %+v, %v", p, err)
	}

	if err := s.departments.Put(ctx, identity.Department{ID: "rh", Name: "RH"}); err != nil {
		t.Fatal(err)
	}
	agent := identity.Account{ID: "c-schmitt", Name: "Claire Schmitt", Role: identity.RoleAgent, Departments: []string{"rh"}, Active: true}
	if err := s.accounts.Put(ctx, agent); err != nil {
		t.Fatal(err)
	}
	token, _, err := s.tokens.Issue(ctx, agent.ID, "poste", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err = s.tokens.Authenticate(ctx, token)
	if err != nil || p.IsAdmin() || !p.ServesDepartment("rh") || p.ServesDepartment("finances") {
		t.Errorf("agent token: %+v, %v", p, err)
	}
	expired, _, err := s.tokens.Issue(ctx, agent.ID, "ancien", time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond) // let the nanosecond pass
	for _, bad := range []string{"", "gch_inconnu", token + "x", expired, "tour-admin-token"} {
		if _, err := s.tokens.Authenticate(ctx, bad); !errors.Is(err, identity.ErrUnauthenticated) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	agent.Active = false
	if err := s.accounts.Put(ctx, agent); err != nil {
		t.Fatal(err)
	}
	if _, err := s.tokens.Authenticate(ctx, token); !errors.Is(err, identity.ErrUnauthenticated) {
		t.Errorf("a deactivated account's token: %v", err)
	}
	if _, _, err := s.tokens.Issue(ctx, "personne", "x", 0); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("token for an unknown account: %v", err)
	}

	// A configured bootstrap token is accepted, and no token is generated.
	configured := open(t, bus.StartTest(t), "jeton-configure")
	boot, err = identity.EnsureBootstrapAdmin(ctx, configured.accounts, configured.credentials, configured.tokens)
	if !boot.FirstStart || boot.Token != "" || err != nil {
		t.Errorf("configured bootstrap: %+v %v", boot, err)
	}
	if p, err := configured.tokens.Authenticate(ctx, "jeton-configure"); err != nil || !p.IsAdmin() {
		t.Errorf("configured bootstrap token: %+v %v", p, err)
	}
}

func TestAccessRules(t *testing.T) {
	anonymous := identity.Principal{}
	agent := identity.Principal{AccountID: "a", Role: identity.RoleAgent, Departments: []string{"rh"}}
	admin := identity.Principal{AccountID: "b", Role: identity.RoleAdmin}
	cases := []struct {
		access identity.Access
		want   [3]bool // anonymous, agent, admin
	}{
		{identity.Anyone, [3]bool{true, true, true}},
		{identity.ReceiptHolder, [3]bool{true, true, true}},
		{identity.AnyAgent, [3]bool{false, true, true}},
		{identity.DepartmentAgent, [3]bool{false, true, true}},
		{identity.AdminOnly, [3]bool{false, false, true}},
		{identity.Access("oublié"), [3]bool{false, false, false}},
	}
	for _, c := range cases {
		for i, p := range []identity.Principal{anonymous, agent, admin} {
			if got := c.access.Allows(p); got != c.want[i] {
				t.Errorf("%s allows %+v = %v", c.access, p, got)
			}
		}
	}
	if !admin.ServesDepartment("rh") || !agent.ServesDepartment("rh") || agent.ServesDepartment("") || anonymous.ServesDepartment("rh") {
		t.Error("ServesDepartment")
	}
}
