package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const adminToken = "e2e-admin-token"

// instance is Guichet started in-process the way the command starts it,
// on a real listener.
type instance struct {
	testkit.Client
	t   *testing.T
	app *app.App
}

func start(t *testing.T, dataDir string, demo bool) *instance {
	t.Helper()
	return startWith(t, app.Config{DataDir: dataDir, Demo: demo})
}

// startWith starts Guichet with cfg and the test admin token.
func startWith(t *testing.T, cfg app.Config) *instance {
	t.Helper()
	cfg.AdminToken = adminToken
	a, base := testkit.StartApp(t, cfg)
	return &instance{Client: testkit.Client{T: t, URL: base}, t: t, app: a}
}

// stop shuts Guichet down before a restart on the same data.
func (in *instance) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := in.app.Shutdown(ctx); err != nil {
		in.t.Error(err)
	}
}

// pageSession is someone signed in to the pages.
type pageSession struct {
	in           *instance
	cookie, csrf string
}

// signIn opens a page session for an account.
func (in *instance) signIn(id string) pageSession {
	in.t.Helper()
	sid, session, err := in.app.Services.Sessions.Create(in.t.Context(), id)
	if err != nil {
		in.t.Fatal(err)
	}
	return pageSession{in: in, cookie: "guichet_session=" + sid, csrf: session.CSRF}
}

// get loads a page and returns its HTML.
func (s pageSession) get(path string) string {
	s.in.t.Helper()
	return string(s.in.Must(200, "GET", path, "", "", "Cookie", s.cookie).Body)
}

// post sends a page's form, with the session's CSRF token.
func (s pageSession) post(status int, path string, form url.Values) string {
	s.in.t.Helper()
	form.Set("csrf", s.csrf)
	return string(
		s.in.Must(status, "POST", path, "", form.Encode(), "Cookie", s.cookie, "Content-Type", "application/x-www-form-urlencoded").Body,
	)
}

// must sends a request, fails the test unless it gets status, and decodes the answer.
func (in *instance) must(status int, method, path, token, body string, headers ...string) map[string]any {
	in.t.Helper()
	return in.Must(status, method, path, token, body, headers...).JSON(in.t)
}

// waitProcessed polls a submission until every stage has done its work, and returns it.
func (in *instance) waitProcessed(ref, token string) map[string]any {
	in.t.Helper()
	return in.WaitProcessed(ref, token)
}

// inbox lists the references in a department's inbox.
func (in *instance) inbox(department string) []string {
	in.t.Helper()
	body := in.must(200, "GET", "/api/departments/"+department+"/submissions", adminToken, "")
	var refs []string
	for _, item := range body["items"].([]any) {
		refs = append(refs, item.(map[string]any)["reference"].(string))
	}
	return refs
}

func count(refs []string, ref string) int {
	n := 0
	for _, r := range refs {
		if r == ref {
			n++
		}
	}
	return n
}

// subjectMessages counts the messages of a stream on one subject.
func (in *instance) subjectMessages(name, subject string) uint64 {
	in.t.Helper()
	stream, err := in.app.Bus.JS.Stream(context.Background(), name)
	if err != nil {
		in.t.Fatal(err)
	}
	info, err := stream.Info(context.Background(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		in.t.Fatal(err)
	}
	return info.State.Subjects[subject]
}

// streamMessages counts the messages of a stream.
func (in *instance) streamMessages(name string) uint64 {
	in.t.Helper()
	stream, err := in.app.Bus.JS.Stream(context.Background(), name)
	if err != nil {
		in.t.Fatal(err)
	}
	info, err := stream.Info(context.Background())
	if err != nil {
		in.t.Fatal(err)
	}
	return info.State.Msgs
}

func TestEndToEnd(t *testing.T) {
	dataDir := t.TempDir()
	g := start(t, dataDir, false)
	for id, name := range map[string]string{
		"accueil":    "Accueil des usagers",
		"thionville": "Maison du Département de Thionville",
		"finances":   "Direction des Finances",
	} {
		g.must(200, "PUT", "/api/departments/"+id, adminToken, `{"name":"`+name+`"}`)
	}
	g.must(200, "PUT", "/api/forms/aide-equipement/draft", adminToken, `{
		"title": "Aide à l'équipement — « Seniors »",
		"audience": "public",
		"schema": {
			"type": "object",
			"required": ["nom", "email", "commune", "enfants"],
			"properties": {
				"nom": {"type": "string", "title": "Nom complet", "minLength": 1, "maxLength": 100},
				"email": {"type": "string", "title": "Courriel", "format": "email"},
				"commune": {"type": "string", "title": "Commune"},
				"montant": {"type": "number", "title": "Montant demandé (€)", "minimum": 0, "maximum": 10000},
				"enfants": {"type": "array", "title": "Enfants", "items": {"type": "object", "required": ["prenom"],
					"properties": {"prenom": {"type": "string", "title": "Prénom"}}}}
			}
		},
		"uiSchema": {"ui:order": ["nom", "email", "commune", "montant", "enfants"]},
		"routing": {
			"default": "accueil",
			"rules": [
				{"when": {"properties": {"commune": {"enum": ["Thionville", "Yutz"]}}}, "department": "thionville"},
				{"when": {"properties": {"montant": {"exclusiveMinimum": 5000}}, "required": ["montant"]}, "department": "finances"}
			]
		}
	}`)
	published := g.must(200, "POST", "/api/forms/aide-equipement/publish", adminToken, "")
	if published["version"] != 1.0 {
		t.Fatalf("published %v", published)
	}

	// Invalid data: one error per failing field, in both languages.
	invalid := `{"data":{"nom":"","email":"şükrü.yılmaz chez exemple.fr","montant":20000,"enfants":[{"prenom":"Ayşe"},{}]}}`
	wantErrors := map[string][2]string{
		"body.data.nom": {"Le champ « Nom complet » ne peut pas être vide.", "“Nom complet” cannot be empty."},
		"body.data.email": {
			"« Courriel » doit être une adresse électronique, par exemple prenom.nom@exemple.fr.",
			"“Courriel” must be an email address, like name@example.com.",
		},
		"body.data.commune": {"Le champ « Commune » est obligatoire.", "“Commune” is required."},
		"body.data.montant": {
			"« Montant demandé (€) » doit être inférieur ou égal à 10\u00a0000.",
			"“Montant demandé (€)” must be 10000 or less.",
		},
		"body.data.enfants[1].prenom": {"Le champ « Prénom (Enfants n° 2) » est obligatoire.", "“Prénom (Enfants n° 2)” is required."},
	}
	for i, lang := range []string{"fr", "en"} {
		problem := g.must(422, "POST", "/api/forms/aide-equipement/submissions", "", invalid, "Accept-Language", lang)
		errs := problem["errors"].([]any)
		if len(errs) != len(wantErrors) {
			t.Errorf("%s: %d errors, want %d: %v", lang, len(errs), len(wantErrors), errs)
		}
		for _, e := range errs {
			detail := e.(map[string]any)
			want, ok := wantErrors[detail["location"].(string)]
			if !ok || detail["message"] != want[i] {
				t.Errorf("%s: %s: %q, want %q", lang, detail["location"], detail["message"], want[i])
			}
			if detail["location"] == "body.data.email" && detail["value"] != "şükrü.yılmaz chez exemple.fr" {
				t.Errorf("the refused value is not shown as typed: %q", detail["value"])
			}
		}
	}

	// Valid data twice with one idempotency key: one submission.
	valid := `{"data":{"nom":"Şükrü Yılmaz-Lefèvre","email":"sukru@example.fr","commune":"Montigny-lès-Metz","montant":250,` +
		`"enfants":[{"prenom":"Zoé"}]}}`
	first := g.must(201, "POST", "/api/forms/aide-equipement/submissions", "", valid, "Idempotency-Key", "9b1f0c3e")
	second := g.must(201, "POST", "/api/forms/aide-equipement/submissions", "", valid, "Idempotency-Key", "9b1f0c3e")
	if first["reference"] != second["reference"] || first["token"] != second["token"] {
		t.Fatalf("the idempotency key gave %v then %v", first, second)
	}
	if first["status"] != "received" || first["formVersion"] != 1.0 {
		t.Errorf("receipt = %v", first)
	}

	// One submission per route.
	routes := map[string]string{first["reference"].(string): "accueil"}
	tokens := map[string]string{first["reference"].(string): first["token"].(string)}
	for _, c := range []struct{ data, department string }{
		{`{"nom":"Marie Weber","email":"m.weber@example.fr","commune":"Thionville","montant":9000,"enfants":[]}`, "thionville"},
		{`{"nom":"Jean Muller","email":"j.muller@example.fr","commune":"Metz","montant":8000,"enfants":[]}`, "finances"},
		{`{"nom":"Lucie Klein","email":"l.klein@example.fr","commune":"Forbach","enfants":[]}`, "accueil"},
	} {
		r := g.must(201, "POST", "/api/forms/aide-equipement/submissions", "", `{"data":`+c.data+`}`)
		routes[r["reference"].(string)] = c.department
		tokens[r["reference"].(string)] = r["token"].(string)
	}
	for ref, department := range routes {
		status := g.waitProcessed(ref, tokens[ref])
		if status["department"] != department {
			t.Errorf("%s routed to %v, want %s", ref, status["department"], department)
		}
		var steps []string
		for _, h := range status["history"].([]any) {
			steps = append(steps, h.(map[string]any)["status"].(string))
		}
		if strings.Join(steps, ",") != "received,routed" {
			t.Errorf("%s history = %v", ref, steps)
		}
	}
	checkInboxes := func(g *instance) {
		for ref, department := range routes {
			for _, d := range []string{"accueil", "thionville", "finances"} {
				want := 0
				if d == department {
					want = 1
				}
				if n := count(g.inbox(d), ref); n != want {
					t.Errorf("%s appears %d times in %s's inbox, want %d", ref, n, d, want)
				}
			}
		}
	}
	checkInboxes(g)

	// The PDF record shows the submission as typed.
	ref := first["reference"].(string)
	pdf := g.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+tokens[ref], "", "")
	if ct := pdf.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("PDF served as %s", ct)
	}
	text := pdftest.Text(t, pdf.Body)
	for _, want := range []string{"Département de la Moselle", "Aide à l'équipement — « Seniors »", ref,
		"Şükrü Yılmaz-Lefèvre", "Montigny-lès-Metz", "Montant demandé (€)", "250", "Enfants n° 1", "Zoé"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	submissions, events := g.streamMessages(bus.StreamSubmissions), g.streamMessages(bus.StreamEvents)
	// Four submissions, and the mark of the one idempotency key.
	if submissions != 5 || events != 12 {
		t.Errorf("%d messages in SUBMISSIONS and %d events stored, want 5 and 12", submissions, events)
	}

	// Restart on the same data: nothing lost, nothing processed twice.
	g.stop()
	g = start(t, dataDir, false)
	for ref, department := range routes {
		status := g.must(200, "GET", "/api/submissions/"+ref+"?token="+tokens[ref], "", "")
		if status["status"] != "routed" || status["department"] != department || len(status["history"].([]any)) != 2 ||
			status["documented"] != true {
			t.Errorf("after restart, %s = %v", ref, status)
		}
	}
	checkInboxes(g)
	if s, e := g.streamMessages(bus.StreamSubmissions), g.streamMessages(bus.StreamEvents); s != submissions || e != events {
		t.Errorf("after restart: %d submissions and %d events, want %d and %d", s, e, submissions, events)
	}
	g.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+tokens[ref], "", "")
	again := g.must(201, "POST", "/api/forms/aide-equipement/submissions", "", valid, "Idempotency-Key", "9b1f0c3e")
	if again["reference"] != ref {
		t.Errorf("after restart the idempotency key gave %v", again["reference"])
	}
	latest := g.must(200, "GET", "/api/forms/aide-equipement", "", "")
	if latest["version"] != 1.0 || latest["title"] != "Aide à l'équipement — « Seniors »" {
		t.Errorf("form after restart = %v", latest)
	}
}
