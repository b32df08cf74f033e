package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/testkit"
	"github.com/guichet/guichet/processors"
)

const adminToken = "admin-secret-for-tests"

// server is a Guichet started in-process on an embedded NATS server,
// served over real HTTP.
type server struct {
	testkit.Client
	t     *testing.T
	app   *app.App
	clock *clock
}

// clock is the sessions' clock, which tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func startServer(t *testing.T) *server {
	t.Helper()
	c := &clock{now: time.Now()}
	a, err := app.Start(context.Background(), app.Config{
		DataDir: t.TempDir(), AdminToken: adminToken, Sessions: identity.SessionConfig{Now: c.Now},
		Processing: processors.Config{Backoff: []time.Duration{20 * time.Millisecond}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		_ = a.Shutdown(context.Background())
	})
	return &server{Client: testkit.Client{T: t, URL: srv.URL}, t: t, app: a, clock: c}
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
