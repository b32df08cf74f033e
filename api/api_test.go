package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/processors"
)

const adminToken = "admin-secret-for-tests"

// server is a Guichet started in-process on an embedded NATS server, served
// over real HTTP.
type server struct {
	t   *testing.T
	url string
	app *app.App
}

func startServer(t *testing.T) *server {
	t.Helper()
	a, err := app.Start(context.Background(), app.Config{
		DataDir: t.TempDir(), AdminToken: adminToken,
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
	return &server{t: t, url: srv.URL, app: a}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the response body.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return v
}

// do sends a request; headers come in name, value pairs.
func (s *server) do(method, path, token, body string, headers ...string) response {
	s.t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, reader)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// must sends a request and fails the test unless it gets status.
func (s *server) must(status int, method, path, token, body string, headers ...string) response {
	s.t.Helper()
	r := s.do(method, path, token, body, headers...)
	if r.status != status {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body)
	}
	return r
}

// issueToken creates an account and returns a token for it.
func (s *server) issueToken(id, role string, active bool, departments ...string) string {
	s.t.Helper()
	deps, _ := json.Marshal(departments)
	s.must(200, "PUT", "/api/accounts/"+id, adminToken,
		`{"name":"Agent `+id+`","role":"`+role+`","active":true,"departments":`+string(deps)+`}`)
	token := s.must(201, "POST", "/api/accounts/"+id+"/tokens", adminToken, `{"name":"tests"}`).json(s.t)["token"].(string)
	if !active {
		s.must(200, "PUT", "/api/accounts/"+id, adminToken, `{"name":"Agent `+id+`","role":"`+role+`","active":false,"departments":`+string(deps)+`}`)
	}
	return token
}

// waitStatus polls a submission until it reaches status.
func (s *server) waitStatus(reference, token, status string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := s.do("GET", "/api/submissions/"+reference+"?token="+token, "", "")
		if r.status == 200 {
			body := r.json(s.t)
			if body["status"] == status {
				return body
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("submission %s did not reach %s: %d %s", reference, status, r.status, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
