package loadgen_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/bench/benchform"
	"github.com/guichet/guichet/internal/bench/loadgen"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/schemas"
)

// forms are the demo forms and the benchmark form, compiled.
func forms(t *testing.T) []*schemas.Compiled {
	t.Helper()
	defs := []schemas.Form{benchform.Form()}
	paths, err := filepath.Glob("../../demo/forms/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("demo forms: %v", err)
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var f schemas.Form
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defs = append(defs, f)
	}
	var out []*schemas.Compiled
	for _, f := range defs {
		c, err := schemas.Preview(f)
		if err != nil {
			t.Fatalf("%s: %v", f.ID, err)
		}
		out = append(out, c)
	}
	return out
}

// For every demo form (patterns, dates, e-mail addresses, conditions,
// repeated groups), the answers drawn are accepted, vary, and come out
// the same from the same seed; the wrong ones are refused.
func TestAnswersFitTheirForm(t *testing.T) {
	for _, form := range forms(t) {
		t.Run(form.ID, func(t *testing.T) {
			answers, err := loadgen.NewAnswers(form, 1)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for range 200 {
				raw, err := answers.Valid()
				if err != nil {
					t.Fatal(err)
				}
				if err := form.Validate(raw); err != nil {
					t.Fatalf("%s refused: %v", raw, err)
				}
				seen[string(raw)] = true
			}
			if len(seen) < 100 {
				t.Errorf("only %d different answers in 200", len(seen))
			}
			for range 50 {
				raw, err := answers.Invalid()
				if err != nil {
					t.Fatal(err)
				}
				if form.Validate(raw) == nil {
					t.Errorf("%s was meant to be refused", raw)
				}
			}
			again, err := loadgen.NewAnswers(form, 1)
			if err != nil {
				t.Fatal(err)
			}
			replay, err := loadgen.NewAnswers(form, 1)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := again.Valid()
			b, _ := replay.Valid()
			if string(a) != string(b) {
				t.Errorf("the same seed drew %s and %s", a, b)
			}
		})
	}
}

// The answers drawn for the demo's public forms are accepted by a running
// Guichet, files and all.
func TestAnswersAreAccepted(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	client := testkit.Client{T: t, URL: base}
	for _, form := range forms(t) {
		if form.Audience != schemas.Public || form.ID == benchform.ID {
			continue
		}
		answers, err := loadgen.NewAnswers(form, 7)
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			raw, err := answers.Valid()
			if err != nil {
				t.Fatal(err)
			}
			client.Must(201, "POST", "/api/forms/"+form.ID+"/submissions", "", `{"data":`+string(raw)+`}`)
		}
		wrong, err := answers.Invalid()
		if err != nil {
			t.Fatal(err)
		}
		client.Must(422, "POST", "/api/forms/"+form.ID+"/submissions", "", `{"data":`+string(wrong)+`}`)
	}
}
