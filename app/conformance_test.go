package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	// Its module ships the suite's files, which suiteDir reads.
	_ "github.com/google/jsonschema-go/jsonschema"

	"github.com/guichet/guichet/app"
)

// suiteGroup is a group of cases of the JSON-Schema-Test-Suite: a
// schema, and data it accepts or refuses.
type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

// pageToken is the form token the conformance test's page posts carry,
// in their field and their cookie.
const pageToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"

// postPage sends text as the one field of a form through its page, as a
// browser without JavaScript does, and tells whether it was accepted.
func postPage(in *instance, form, text string) bool {
	client := in.Client
	client.NoRedirects = true
	r := client.Do("POST", "/f/"+form, "", url.Values{"valeur": {text}, "form_csrf": {pageToken}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+pageToken)
	return r.Status == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/recu/")
}

// suiteDir is the draft-07 JSON-Schema-Test-Suite (json-schema-org, MIT
// licence) that the module of github.com/google/jsonschema-go ships in its
// testdata: the suite's required cases at its commit 83e866b, which its
// README names.
func suiteDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/google/jsonschema-go").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "jsonschema", "testdata", "draft7")
}

// asField makes a case's schema the one field of a form: its references
// to the case's root now start from the field.
func asField(schema json.RawMessage) (json.RawMessage, error) {
	var v any
	if err := json.Unmarshal(schema, &v); err != nil {
		return nil, err
	}
	const root = "#/properties/valeur/allOf/0"
	var rebase func(any) any
	rebase = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				switch ref, isRef := child.(string); {
				case k == "enum" || k == "const" || k == "default" || k == "examples":
					// values, not schemas: a "$ref" there is data
				case isRef && k == "$ref" && strings.HasPrefix(ref, "#"):
					v[k] = root + strings.TrimPrefix(ref, "#")
				default:
					v[k] = rebase(child)
				}
			}
		case []any:
			for i := range v {
				v[i] = rebase(v[i])
			}
		}
		return v
	}
	return json.Marshal(map[string]any{
		"type":       "object",
		"properties": map[string]any{"valeur": map[string]any{"title": "Valeur", "allOf": []any{rebase(v)}}},
	})
}

// The official JSON-Schema-Test-Suite (draft-07), run through the HTTP
// API: each case's schema is the one field of a published form, and each
// of its data is submitted. A submission is accepted exactly when the
// suite says the data is valid, save the deliberate refusals listed in
// schemas/testdata/conformance-refusals.json, each with its reason; and a
// routing rule made of the same schema gives the same verdict, as does
// the form's page for the data a page can carry (a text).
func TestJSONSchemaTestSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite publishes some 300 forms")
	}
	refusals := map[string]string{}
	raw, err := os.ReadFile("../schemas/testdata/conformance-refusals.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &refusals); err != nil {
		t.Fatal(err)
	}
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/departments/finances", adminToken, `{"name":"Finances"}`)
	dir := suiteDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 35 {
		t.Fatalf("%d files of the suite in %s", len(files), dir)
	}
	var cases, agreed, pages int
	var differ []string
	form := 0
	for _, file := range files {
		name, _ := filepath.Rel(dir, file)
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var groups []suiteGroup
		if err := json.Unmarshal(raw, &groups); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range groups {
			form++
			id := fmt.Sprintf("cas-%d", form)
			field, err := asField(g.Schema)
			if err != nil {
				t.Fatal(err)
			}
			// The same schema routes: a submission it accepts goes to
			// finances, any other to accueil.
			draft, _ := json.Marshal(map[string]any{"title": "Cas " + g.Description, "audience": "public", "schema": field,
				"routing": map[string]any{"default": "accueil", "rules": []any{map[string]any{
					"when": json.RawMessage(field), "department": "finances"}}}})
			refusal := in.Do("PUT", "/api/forms/"+id+"/draft", adminToken, string(draft))
			if refusal.Status == 200 {
				refusal = in.Do("POST", "/api/forms/"+id+"/publish", adminToken, "")
			}
			published := refusal.Status == 200
			var routes []struct{ Department string }
			if published {
				var samples []json.RawMessage
				for _, c := range g.Tests {
					samples = append(samples, json.RawMessage(`{"valeur":`+string(c.Data)+`}`))
				}
				body, _ := json.Marshal(map[string]any{"samples": samples, "replay": 0})
				var dry struct{ Routes []struct{ Department string } }
				if err := json.Unmarshal(in.Must(200, "POST", "/api/forms/"+id+"/routing/dry-run", adminToken, string(body)).Body, &dry); err != nil {
					t.Fatal(err)
				}
				routes = dry.Routes
			}
			for i, c := range g.Tests {
				cases++
				key := name + " / " + g.Description + " / " + c.Description
				accepted := false
				if published {
					status := in.Do("POST", "/api/forms/"+id+"/submissions", "", `{"data":{"valeur":`+string(c.Data)+`}}`).Status
					accepted = status == 201
				}
				if published && (routes[i].Department == "finances") != c.Valid && refusals[key] == "" {
					differ = append(differ, fmt.Sprintf("%s (suite: valid %v; routed to %s)", key, c.Valid, routes[i].Department))
				}
				// A text the page can carry as typed gets the API's verdict;
				// an empty field is no answer on a page, not "".
				var text string
				if published && c.Data[0] == '"' && json.Unmarshal(c.Data, &text) == nil && text != "" && refusals[key] == "" {
					pages++
					if byPage := postPage(in, id, text); byPage != accepted {
						differ = append(differ, fmt.Sprintf("%s (the API accepts %v, the page %v)", key, accepted, byPage))
					}
				}
				switch {
				case accepted == c.Valid:
					agreed++
					if reason, listed := refusals[key]; listed {
						t.Errorf("%s: listed as refused (%s), yet it agrees with the suite", key, reason)
					}
				case refusals[key] == "":
					why := ""
					if !published {
						why = fmt.Sprintf(": %.300s", refusal.Body)
					}
					differ = append(differ, fmt.Sprintf("%s (suite: valid %v; published %v, accepted %v)%s", key, c.Valid, published, accepted, why))
				}
			}
		}
	}
	t.Logf("JSON-Schema-Test-Suite draft-07 through the API: %d of %d cases agree, %d refused on purpose "+
		"(schemas/testdata/conformance-refusals.json); the pages give the API's verdict on the %d texts", agreed, cases, len(refusals), pages)
	for _, d := range differ {
		t.Error(d)
	}
}
