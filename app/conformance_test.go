package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	// Its module ships the suite's files, which suiteDir reads.
	_ "github.com/google/jsonschema-go/jsonschema"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
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

// postPage sends answers through a form's page, as a browser without
// JavaScript does, and returns the receipt's reference, or "" when the page
// refused them.
func postPage(in *instance, form string, answers url.Values) string {
	client := in.Client
	client.NoRedirects = true
	answers.Set("form_csrf", pageToken)
	r := client.Do("POST", "/f/"+form, "", answers.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+pageToken)
	receipt := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(receipt, "/recu/") {
		return ""
	}
	reference, _, _ := strings.Cut(strings.TrimPrefix(receipt, "/recu/"), "?")
	return reference
}

// suiteGroups are the groups of the draft-07 JSON-Schema-Test-Suite
// (json-schema-org, MIT licence), with the name of their file: the suite's
// required cases at its commit 83e866b, which the module of
// github.com/google/jsonschema-go ships in its testdata, as its README
// says.
func suiteGroups(t *testing.T) iter.Seq2[string, suiteGroup] {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/google/jsonschema-go").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "jsonschema", "testdata", "draft7")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 35 {
		t.Fatalf("%d files of the suite in %s", len(files), dir)
	}
	return func(yield func(string, suiteGroup) bool) {
		for _, file := range files {
			name := filepath.Base(file)
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var groups []suiteGroup
			if err := json.Unmarshal(raw, &groups); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, g := range groups {
				if !yield(name, g) {
					return
				}
			}
		}
	}
}

// asField makes a case's schema the one field of a form: its references
// to the case's root now start from the field.
func asField(schema json.RawMessage) (json.RawMessage, error) {
	// Numbers keep their notation: 2.0 stays 2.0.
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
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
	var cases, agreed, pages int
	var differ []string
	form := 0
	for name, g := range suiteGroups(t) {
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
				if byPage := postPage(in, id, url.Values{"valeur": {text}}) != ""; byPage != accepted {
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
	t.Logf("JSON-Schema-Test-Suite draft-07 through the API: %d of %d cases agree, %d refused on purpose "+
		"(schemas/testdata/conformance-refusals.json); the pages give the API's verdict on the %d texts", agreed, cases, len(refusals), pages)
	for _, d := range differ {
		t.Error(d)
	}
}

// conditionData is the data of a suite's case that a field of a page can
// carry as typed, and that field's type: a text with no spaces around it
// and no control character, a number, a yes or no.
func conditionData(data json.RawMessage) (typ, text string, ok bool) {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return "", "", false
	}
	switch v := v.(type) {
	case string:
		clean := v != "" && strings.TrimSpace(v) == v && !strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f })
		return "string", v, clean
	case float64:
		return "number", string(data), true
	case bool:
		return "boolean", string(data), true
	}
	return "", "", false
}

// The conditions of conditional fields give the suite's verdicts too, on
// the page and on the server. Each group of the suite whose schema uses
// only the keywords a condition may use becomes the condition of a field
// "suite", set on a field "valeur" of its data's type. In Chromium, the
// page's script shows "suite" exactly when the suite says the data is
// valid; and a page posted without JavaScript keeps the answer to "suite"
// exactly then. Groups with other keywords are refused at publication,
// with the message that says why.
func TestConditionsFollowTheSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite publishes some 100 forms")
	}
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	ctx := browsertest.New(t)
	type postedCase struct {
		key, reference string
		valid          bool
	}
	var posted []postedCase
	var browser, refused int
	form := 0
	for name, g := range suiteGroups(t) {
		byType := map[string][]int{}
		for i, c := range g.Tests {
			if typ, _, ok := conditionData(c.Data); ok {
				byType[typ] = append(byType[typ], i)
			}
		}
		for _, typ := range slices.Sorted(maps.Keys(byType)) {
			form++
			id := fmt.Sprintf("condition-%d", form)
			schema, _ := json.Marshal(map[string]any{
				"type":       "object",
				"properties": map[string]any{"valeur": map[string]any{"type": typ, "title": "Valeur"}},
				"if":         map[string]any{"properties": map[string]any{"valeur": g.Schema}, "required": []string{"valeur"}},
				"then":       map[string]any{"properties": map[string]any{"suite": map[string]any{"type": "string", "title": "Suite"}}},
			})
			draft, _ := json.Marshal(map[string]any{"title": "Condition " + g.Description, "audience": "public", "schema": json.RawMessage(schema),
				"routing": map[string]any{"default": "accueil"}})
			r := in.Do("PUT", "/api/forms/"+id+"/draft", adminToken, string(draft))
			if r.Status == 200 {
				r = in.Do("POST", "/api/forms/"+id+"/publish", adminToken, "")
			}
			if r.Status != 200 {
				// A reference, which a condition cannot use, points from
				// the root of the case's schema: the draft is refused
				// before the publication would be.
				if !strings.Contains(string(r.Body), "condition d'affichage ne peut pas utiliser le mot-clé") &&
					!bytes.Contains(g.Schema, []byte(`"$ref"`)) {
					t.Errorf("%s / %s: publication refused: %.300s", name, g.Description, r.Body)
				}
				refused++
				continue
			}
			var values []any
			for _, i := range byType[typ] {
				var v any
				_ = json.Unmarshal(g.Tests[i].Data, &v)
				values = append(values, v)
			}
			browsertest.Load(t, ctx, chromedp.Navigate(in.URL+"/f/"+id))
			arg, _ := json.Marshal(values)
			shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`((values) => {
				const field = document.querySelector("[name=valeur]");
				const wrapper = document.querySelector("[name=suite]").closest("[data-condition]");
				return values.map((v) => {
					if (typeof v === "boolean") { field.checked = v; } else { field.value = String(v); }
					field.dispatchEvent(new Event("input", {bubbles: true}));
					return !wrapper.hidden;
				});
			})(`+string(arg)+`)`))
			if err != nil {
				t.Fatal(err)
			}
			for n, i := range byType[typ] {
				c := g.Tests[i]
				key := name + " / " + g.Description + " / " + c.Description
				browser++
				if shown[n] != c.Valid {
					t.Errorf("%s: the page shows the conditional field: %v; the suite says valid: %v", key, shown[n], c.Valid)
				}
				_, text, _ := conditionData(c.Data)
				answers := url.Values{"suite": {"oui"}}
				if text != "false" {
					answers.Set("valeur", text)
				}
				reference := postPage(in, id, answers)
				if reference == "" {
					t.Errorf("%s: the page refused %s", key, text)
					continue
				}
				posted = append(posted, postedCase{key, reference, c.Valid})
			}
		}
	}
	// The dossier, once routed, lists the answers the server kept.
	for _, p := range posted {
		var dossier struct{ Answers []struct{ Label string } }
		deadline := time.Now().Add(20 * time.Second)
		for {
			r := in.Do("GET", "/api/dossiers/"+p.reference, adminToken, "")
			if r.Status == 200 {
				if err := json.Unmarshal(r.Body, &dossier); err != nil {
					t.Fatal(err)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: dossier %s never routed: %d %.300s", p.key, p.reference, r.Status, r.Body)
			}
			time.Sleep(20 * time.Millisecond)
		}
		kept := slices.ContainsFunc(dossier.Answers, func(a struct{ Label string }) bool { return a.Label == "Suite" })
		if kept != p.valid {
			t.Errorf("%s: the server keeps the conditional answer: %v; the suite says valid: %v", p.key, kept, p.valid)
		}
	}
	t.Logf("JSON-Schema-Test-Suite draft-07 as display conditions: the page's script and the server agree with the suite on %d "+
		"cases; %d groups refused at publication for a keyword a condition cannot use", browser, refused)
	if browser < 100 {
		t.Errorf("only %d cases tried as conditions", browser)
	}
}
