package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/test/testkit"
)

const adminToken = "admin-secret-for-tests"

// server is a Guichet started in-process on an embedded NATS server,
// served over real HTTP.
type server struct {
	testkit.Client
	t     *testing.T
	app   *app.App
	clock *testkit.Clock
}

func startServer(t *testing.T) *server {
	t.Helper()
	return startServerWith(t, app.Config{})
}

// startServerWith starts Guichet with cfg, the test admin token, and a
// session clock the test moves.
func startServerWith(t *testing.T, cfg app.Config) *server {
	t.Helper()
	c := testkit.NewClock(time.Now())
	cfg.AdminToken = adminToken
	cfg.Sessions = identity.SessionConfig{Now: c.Now}
	a, base := testkit.StartApp(t, cfg)
	return &server{Client: testkit.Client{T: t, URL: base}, t: t, app: a, clock: c}
}

// startWithPermis starts Guichet with the "accueil" and "finances"
// departments and the public form "permis" published.
func startWithPermis(t *testing.T) *server {
	t.Helper()
	s := startServer(t)
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/departments/finances", adminToken, `{"name":"Finances"}`)
	s.Must(200, "PUT", "/api/forms/permis/draft", adminToken, publicForm)
	s.Must(200, "POST", "/api/forms/permis/publish", adminToken, "")
	return s
}

// issueToken creates an account and returns a token for it.
func (s *server) issueToken(id, role string, active bool, departments ...string) string {
	s.t.Helper()
	deps, _ := json.Marshal(departments)
	account := func(active bool) string {
		return fmt.Sprintf(`{"name":"Agent %s","role":"%s","active":%v,"departments":%s}`, id, role, active, deps)
	}
	s.Must(200, "PUT", "/api/accounts/"+id, adminToken, account(true))
	token := s.Must(201, "POST", "/api/accounts/"+id+"/tokens", adminToken, `{"name":"tests"}`).JSON(s.t)["token"].(string)
	if !active {
		s.Must(200, "PUT", "/api/accounts/"+id, adminToken, account(false))
	}
	return token
}
