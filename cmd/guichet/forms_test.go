package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/testkit"
)

// forms runs "guichet forms …" and returns its output and error.
func forms(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(append([]string{"forms"}, args...), envOf(env), &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func TestFormsLintTheDemoForms(t *testing.T) {
	files, _ := filepath.Glob("../../internal/demo/forms/*.json")
	if len(files) < 5 {
		t.Fatalf("demo forms: %v", files)
	}
	out, err := forms(t, nil, append([]string{"lint"}, files...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Count(out, "conforme") != len(files) {
		t.Errorf("output:\n%s", out)
	}
}

func TestFormsLintFindsProblems(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("bon.json", `{"id":"bon","title":"Bon","audience":"public","routing":{"default":"dsi"},
		"schema":{"type":"object","properties":{"nom":{"type":"string","title":"Nom"}}}}`)
	for name, c := range map[string]struct{ content, want string }{
		"misspelt setting": {
			`{"id":"a","title":"A","audience":"public","retentionDay":30,"routing":{"default":"dsi"},"schema":{"type":"object"}}`,
			`unknown field "retentionDay"`,
		},
		"remote $ref": {
			`{"id":"a","title":"A","audience":"public","routing":{"default":"dsi"},"schema":{"type":"object",` +
				`"properties":{"x":{"$ref":"https://example.org/s.json"}}}}`,
			"schema.properties.x",
		},
		"field without label": {
			`{"id":"a","title":"A","audience":"public","routing":{"default":"dsi"},"schema":{"type":"object",` +
				`"properties":{"nom":{"type":"string"}}}}`,
			"schema.properties.nom",
		},
		"bad id and no title": {
			`{"id":"A B","title":"","audience":"public","routing":{"default":"dsi"},"schema":{"type":"object"}}`,
			"title : Le titre est obligatoire",
		},
		"not JSON": {`{"id":`, "invalid JSON"},
	} {
		bad := write(strings.ReplaceAll(name, " ", "-")+".json", c.content)
		out, err := forms(t, nil, "lint", good, bad)
		if err == nil || !strings.Contains(err.Error(), "1 file(s) of 2") {
			t.Errorf("%s: error %v", name, err)
		}
		if !strings.Contains(out, bad+" : ") || !strings.Contains(out, c.want) || !strings.Contains(out, good+" : conforme") {
			t.Errorf("%s: output lacks %q:\n%s", name, c.want, out)
		}
	}
	if out, _ := forms(t, nil, "lint", "-lang", "en", write("en.json", `{"id":"a","title":"","audience":"public",`+
		`"routing":{"default":"dsi"},"schema":{"type":"object"}}`)); !strings.Contains(out, "The title is required") {
		t.Errorf("in English:\n%s", out)
	}
}

// TestFormsRoundTrip exports a form from a running server, changes it in
// its file, imports and publishes it, then does the same in the stopped
// server's data directory.
func TestFormsRoundTrip(t *testing.T) {
	dataDir, files := t.TempDir(), t.TempDir()
	a, base := testkit.StartApp(t, app.Config{DataDir: dataDir, Demo: true, AdminToken: "jeton-admin"})
	env := map[string]string{"GUICHET_URL": base, "GUICHET_TOKEN": "jeton-admin"}

	out, err := forms(t, env, "export", "-dir", files, "transport-scolaire", "demande-conges")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	path := filepath.Join(files, "transport-scolaire.json")
	if out, err := forms(t, nil, "lint", path, filepath.Join(files, "demande-conges.json")); err != nil {
		t.Fatalf("an exported file does not lint: %v\n%s", err, out)
	}
	edit(t, path, func(f map[string]any) { f["title"] = "Transport scolaire 2027" })
	if out, err := forms(t, env, "import", "-publish", path); err != nil || !strings.Contains(out, "transport-scolaire : version 2 publiée") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	exported := exportedTitle(t, env, "transport-scolaire", "Transport scolaire 2027", 2)

	// A refused definition says why, and changes nothing.
	edit(t, path, func(f map[string]any) { f["routing"] = map[string]any{"default": "service-inconnu"} })
	out, err = forms(t, env, "import", "-publish", path)
	if err == nil || !strings.Contains(out, `routing.default : Le service "service-inconnu" n'existe pas`) {
		t.Fatalf("refused import: %v\n%s", err, out)
	}
	exportedTitle(t, env, "transport-scolaire", "Transport scolaire 2027", 2)

	// Without a token, or with an agent's, nothing is read.
	out, err = forms(t, map[string]string{"GUICHET_URL": base}, "export", "transport-scolaire")
	if err == nil || !strings.Contains(out+err.Error(), "GUICHET_TOKEN") {
		t.Errorf("without a token: %v %s", err, out)
	}
	if _, err := forms(t, map[string]string{
		"GUICHET_URL":   base,
		"GUICHET_TOKEN": "faux",
	}, "export", "transport-scolaire"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("with a wrong token: %v", err)
	}

	// The data directory is the running server's: the command says so.
	_, err = forms(t, nil, "export", "-data-dir", dataDir, "transport-scolaire")
	if err == nil || !strings.Contains(err.Error(), "already open") {
		t.Errorf("data dir of a running server: %v", err)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, err = forms(t, nil, "export", "-data-dir", dataDir, "transport-scolaire")
	if err != nil || out != exported {
		t.Fatalf("export from the data dir: %v\n%s\nwant\n%s", err, out, exported)
	}
	edit(t, path, func(f map[string]any) {
		f["title"] = "Transport scolaire 2028"
		f["routing"] = map[string]any{"default": "transports"}
	})
	if out, err := forms(t, nil, "import", "-data-dir", dataDir, "-publish", path); err != nil || !strings.Contains(out, "version 3 publiée") {
		t.Fatalf("import into the data dir: %v\n%s", err, out)
	}
	_, base = testkit.StartApp(t, app.Config{DataDir: dataDir, AdminToken: "jeton-admin"})
	env["GUICHET_URL"] = base
	exportedTitle(t, env, "transport-scolaire", "Transport scolaire 2028", 3)
}

func edit(t *testing.T, path string, change func(map[string]any)) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	change(f)
	raw, _ = json.Marshal(f)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// exportedTitle exports a form to standard output, checks its title and
// version, and returns the file.
func exportedTitle(t *testing.T, env map[string]string, id, title string, version int) string {
	t.Helper()
	out, err := forms(t, env, "export", id)
	if err != nil {
		t.Fatalf("export %s: %v\n%s", id, err, out)
	}
	var f struct {
		Title   string `json:"title"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal([]byte(out), &f); err != nil || f.Title != title || f.Version != version {
		t.Fatalf("exported %s: %+v (%v), want %q v%d", id, f, err, title, version)
	}
	return out
}
