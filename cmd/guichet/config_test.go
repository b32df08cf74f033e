package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet/guichet/bus"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "guichet.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Flags win over the environment, which wins over the file, which wins
// over the defaults; each value remembers where it came from.
func TestSettingsFromTheConfigFile(t *testing.T) {
	path := writeConfig(t, `
addr = "127.0.0.1:7000"
data-dir = "/srv/fichier"
replicas = 3
demo = false
submit-rate = 10
nats-url = "nats://n1:4222"
nats-creds = "/etc/guichet/guichet.creds"
`)
	var stderr bytes.Buffer
	env := map[string]string{"GUICHET_CONFIG": path, "GUICHET_DATA_DIR": "/srv/env", "GUICHET_SUBMIT_RATE": "20"}
	s, err := parse([]string{"-submit-rate", "30"}, envOf(env), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != "127.0.0.1:7000" || s.replicas != 3 || s.demo || s.natsCreds != "/etc/guichet/guichet.creds" {
		t.Errorf("from the file: %+v", s)
	}
	if s.dataDir != "/srv/env" || s.submitRate != 30 || s.organisation != "Département de la Moselle" {
		t.Errorf("precedence: data dir %q, submit rate %d, organisation %q", s.dataDir, s.submitRate, s.organisation)
	}
	for key, want := range map[string]string{
		"addr":         path,
		"data-dir":     "GUICHET_DATA_DIR",
		"submit-rate":  "option -submit-rate",
		"organisation": defaultOrigin,
	} {
		if s.origins[key] != want {
			t.Errorf("origin of %s = %q, want %q", key, s.origins[key], want)
		}
	}
	// -config on the command line wins over GUICHET_CONFIG.
	other := writeConfig(t, `addr = "127.0.0.1:7001"`)
	if s, err := parse([]string{"--config", other}, envOf(env), &stderr); err != nil || s.addr != "127.0.0.1:7001" {
		t.Errorf("--config: %v, addr %q", err, s.addr)
	}
}

func TestConfigFileErrors(t *testing.T) {
	for content, want := range map[string]string{
		`port = 8080`:                  `unknown setting "port"; the settings are: addr, data-dir`,
		`smtp-password = "secret"`:     "GUICHET_SMTP_PASSWORD",
		`admin-token = "secret"`:       "GUICHET_ADMIN_TOKEN",
		`addr = ["a", "b"]`:            "must be a string, a number or a boolean",
		`addr = "127.0.0.1:80`:         "guichet.toml",
		`replicas = 2`:                 `replicas = "2" (` + "",
		`drain-delay = "dix secondes"`: "want a duration",
		`retry-delays = "1s,,5s"`:      "want durations separated by commas",
	} {
		path := writeConfig(t, content)
		_, err := parse([]string{"-config", path}, envOf(nil), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", content, err, want)
		}
		if strings.HasPrefix(content, "replicas") && !strings.Contains(err.Error(), path) {
			t.Errorf("the error does not name the file: %v", err)
		}
		if strings.Contains(content, "secret") && strings.Contains(err.Error(), `"secret"`) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
	if _, err := parse([]string{
		"-config",
		"/nulle/part.toml",
	}, envOf(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "/nulle/part.toml") {
		t.Errorf("missing file: %v", err)
	}
}

func configCheck(env map[string]string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := run(append([]string{"config", "check"}, args...), envOf(env), &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func TestConfigCheck(t *testing.T) {
	dataDir := t.TempDir()
	out, err := configCheck(map[string]string{"GUICHET_SMTP_PASSWORD": "mot-de-passe-smtp"}, "-data-dir", dataDir, "-addr", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		`data-dir\s+` + regexp.QuoteMeta(dataDir) + `\s+option -data-dir`,
		`ok\s+dossier de données`,
		`ok\s+adresse d'écoute`,
		`smtp-password\s+défini`,
		"Configuration prête",
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "mot-de-passe-smtp") {
		t.Errorf("the secret is shown:\n%s", out)
	}

	// Each check fails on what would stop the start.
	b, err := bus.Open(context.Background(), bus.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, err = configCheck(nil, "-data-dir", dataDir, "-addr", ln.Addr().String(), "-smtp-addr", ln.Addr().String(), "-smtp-tls", "none")
	if err == nil || !strings.Contains(err.Error(), "2 check(s) failed") {
		t.Errorf("in use: %v\n%s", err, out)
	}
	for _, want := range []string{
		"ERREUR     dossier de données " + dataDir + " : " + dataDir + ": the data directory is already open",
		"ERREUR     adresse d'écoute",
		"ok         relais SMTP",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = configCheck(map[string]string{"GUICHET_NATS_URL": "nats://127.0.0.1:1"}, "-addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(out, "ERREUR     cluster NATS") {
		t.Errorf("unreachable cluster: %v\n%s", err, out)
	}
	out, err = configCheck(nil, "-replicas", "2")
	if err == nil || !strings.Contains(out, `ERREUR  réglages : replicas = "2" (option -replicas): want 1 or 3`) {
		t.Errorf("invalid setting: %v\n%s", err, out)
	}
}

// Every subcommand explains itself with -help, and exits without error.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{
		{"-help"},
		{"help"},
		{"serve", "-help"},
		{"forms", "-help"},
		{"config", "-help"},
		{"config", "check", "-help"},
		{"nats", "-help"},
		{"receipts", "-help"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(args, envOf(nil), &stdout, &stderr)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(stderr.String(), "Utilisation : guichet") || !strings.Contains(stderr.String(), "xemple") {
			t.Errorf("%v: help\n%s", args, stderr.String())
		}
	}
	var stdout bytes.Buffer
	if err := run([]string{
		"version",
		"-help",
	}, envOf(nil), &stdout, &bytes.Buffer{}); err != nil || !strings.HasPrefix(stdout.String(), "guichet ") {
		t.Errorf("version: %v %q", err, stdout.String())
	}
}

// The example configuration and the systemd unit's command lines are ones
// the command accepts.
func TestDeployExamplesParse(t *testing.T) {
	s, err := parse([]string{"-config", "../../deploy/guichet.toml"}, envOf(map[string]string{"GUICHET_SMTP_PASSWORD": "x"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if s.demo || s.addr != "127.0.0.1:8080" || s.maxStore != 50_000_000_000 || s.logFormat != "json" || s.mail.Addr == "" {
		t.Errorf("deploy/guichet.toml read as %+v", s)
	}
	unit, err := os.ReadFile("../../deploy/guichet.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(unit), "\n") {
		command, ok := strings.CutPrefix(line, "ExecStart=")
		if !ok {
			command, ok = strings.CutPrefix(line, "ExecStartPre=")
		}
		if !ok {
			continue
		}
		args := strings.Fields(command)[1:]
		if args[0] == "config" {
			args = args[2:]
		}
		for i, arg := range args {
			if arg == "/etc/guichet/guichet.toml" {
				args[i] = "../../deploy/guichet.toml"
			}
		}
		if _, err := parse(args, envOf(map[string]string{"GUICHET_SMTP_PASSWORD": "x"}), &bytes.Buffer{}); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}

// The commands speak English when $GUICHET_LANG or $LANG asks for it, and
// French otherwise.
func TestCommandsInEnglish(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"LANG": "en_GB.UTF-8"}, []string{"-help"}, "Usage: guichet [serve] [options]"},
		{map[string]string{"LANG": "en_GB.UTF-8"}, []string{"-help"}, "HTTP listen address (GUICHET_ADDR)"},
		{map[string]string{"GUICHET_LANG": "en"}, []string{"forms", "-help"}, "Forms as code"},
		{map[string]string{"GUICHET_LANG": "en", "LANG": "fr_FR.UTF-8"}, []string{"receipts", "-help"}, "replaces the key that signs"},
		{map[string]string{"LANG": "C.UTF-8"}, []string{"nats", "-help"}, "Démarre le serveur NATS embarqué seul"},
		{map[string]string{"GUICHET_LANG": "en"}, []string{"config", "check", "-data-dir", t.TempDir(), "-addr", "127.0.0.1:0"},
			"ok         data directory"},
	} {
		var stdout, stderr bytes.Buffer
		_ = run(c.args, envOf(c.env), &stdout, &stderr)
		if out := stdout.String() + stderr.String(); !strings.Contains(out, c.want) {
			t.Errorf("%v %v: output lacks %q:\n%s", c.env, c.args, c.want, out)
		}
	}
}
