package main

import (
	"bytes"
	"errors"
	"flag"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/testkit"
)

func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestSettingsPrecedence(t *testing.T) {
	var stderr bytes.Buffer
	s, err := parse(nil, envOf(nil), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != "127.0.0.1:8080" || s.dataDir != "./data" || !s.demo || s.replicas != 1 || s.natsURL != "" {
		t.Errorf("defaults = %+v", s)
	}
	env := envOf(map[string]string{"GUICHET_ADDR": "127.0.0.1:9000", "GUICHET_DATA_DIR": "/srv/guichet", "GUICHET_DEMO": "0",
		"GUICHET_NATS_URL": "nats://a:4222,nats://b:4222", "GUICHET_REPLICAS": "3"})
	s, err = parse(nil, env, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != "127.0.0.1:9000" || s.dataDir != "/srv/guichet" || s.demo || s.replicas != 3 || s.natsURL != "nats://a:4222,nats://b:4222" {
		t.Errorf("from the environment = %+v", s)
	}
	s, err = parse([]string{"-addr", "0.0.0.0:80", "-demo=true"}, env, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != "0.0.0.0:80" || !s.demo || s.dataDir != "/srv/guichet" {
		t.Errorf("flags over the environment = %+v", s)
	}
	env = envOf(map[string]string{
		"GUICHET_NATS_URL":   "nats://a:4222",
		"GUICHET_NATS_CREDS": "/etc/guichet/guichet.creds",
		"GUICHET_ROLE":       "processors",
		"GUICHET_MAX_STORE":  "50GB",
	})
	s, err = parse([]string{"serve", "--role", "api"}, env, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if s.role != app.RoleAPI || s.natsCreds != "/etc/guichet/guichet.creds" || s.maxStore != 50_000_000_000 {
		t.Errorf("serve --role api = %+v", s)
	}
}

func TestSettingsErrors(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"GUICHET_REPLICAS": "deux"}, "GUICHET_REPLICAS"},
		{[]string{"-replicas", "2"}, nil, "want 1 or 3"},
		{nil, map[string]string{"GUICHET_DEMO": "peut-être"}, "GUICHET_DEMO"},
		{[]string{"serve-all"}, nil, "unexpected argument"},
		{[]string{"-log-format", "xml"}, nil, "text ou json"},
		{[]string{"serve", "--role", "worker"}, nil, "want api, processors or all"},
		{nil, map[string]string{"GUICHET_NATS_NKEY": "/etc/guichet/guichet.nk"}, "GUICHET_NATS_URL"},
		{[]string{"-max-store", "beaucoup"}, nil, "want a size"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		if _, err := parse(c.args, envOf(c.env), &stderr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parse(%v, %v) = %v, want an error about %q", c.args, c.env, err, c.want)
		}
	}
	var stderr bytes.Buffer
	if _, err := parse([]string{"-help"}, envOf(nil), &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-help: %v", err)
	}
	for _, want := range []string{"Utilisation : guichet", "GUICHET_DATA_DIR", "GUICHET_ADMIN_TOKEN", "SIGTERM"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stderr.String())
		}
	}
}

var readyURL = regexp.MustCompile(`guichet ready" url=(http://[0-9.:]+)`)

// runUntilReady starts the command and returns its URL once it serves.
func runUntilReady(t *testing.T, dataDir string) (url string, stdout *testkit.SyncBuffer, done chan error) {
	t.Helper()
	stdout, stderr := &testkit.SyncBuffer{}, &testkit.SyncBuffer{}
	done = make(chan error, 1)
	go func() {
		done <- run([]string{"-addr", "127.0.0.1:0", "-data-dir", dataDir}, envOf(nil), stdout, stderr)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := readyURL.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stdout, done
		}
		select {
		case err := <-done:
			t.Fatalf("guichet stopped: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("guichet not ready:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func terminate(t *testing.T, done chan error) {
	t.Helper()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("guichet exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("guichet did not stop after SIGTERM")
	}
}

// The command starts, prints a generated admin token once, serves, and
// stops cleanly on SIGTERM; a second start finds its data and prints no token.
func TestRunStopsCleanlyOnSIGTERM(t *testing.T) {
	dataDir := t.TempDir()
	url, stdout, done := runUntilReady(t, dataDir)
	token := regexp.MustCompile(`gch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	if token == "" {
		t.Fatalf("no admin token printed on the first start:\n%s", stdout.String())
	}
	if status := departmentsStatus(t, url, token); status != 200 {
		t.Fatalf("the printed token is refused: %d", status)
	}
	terminate(t, done)

	url, stdout, done = runUntilReady(t, dataDir)
	if strings.Contains(stdout.String(), "gch_") {
		t.Errorf("a token was printed again on the second start:\n%s", stdout.String())
	}
	if status := departmentsStatus(t, url, token); status != 200 {
		t.Errorf("the first start's token is refused after a restart: %d", status)
	}
	terminate(t, done)
}

// departmentsStatus is the status of an admin-only request made with token.
func departmentsStatus(t *testing.T, url, token string) int {
	t.Helper()
	return testkit.Client{T: t, URL: url}.Do("GET", "/api/departments", token, "").Status
}
