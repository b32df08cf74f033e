package app_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/testkit"
)

const applicationForm = `{
	"title": "Inscription à la médiathèque", "audience": "public", "draftDays": 7,
	"schema": {"type": "object", "required": ["nom"], "properties": {"nom": {"type": "string", "title": "Nom"}}},
	"routing": {"default": "accueil"}
}`

var resumeLink = regexp.MustCompile(`/f/mediatheque/d/([A-Za-z0-9_-]{22,})`)

// Someone who holds a draft's resume link waits for it to be sent, then
// posts the same answers under the draft's token as idempotency key: they
// never get the citizen's receipt. A double click of the citizen's still
// sends once.
func TestReplayedKeyNeverGivesTheReceipt(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/mediatheque/draft", adminToken, applicationForm)
	in.Must(200, "POST", "/api/forms/mediatheque/publish", adminToken, "")

	citizen := testkit.NewBrowser(t, in.URL)
	_, page, _ := citizen.Get("/f/mediatheque")
	_, saved, _ := citizen.Post("/f/mediatheque", url.Values{
		"form_csrf": {testkit.Field(t, page, "form_csrf")},
		"_idem":     {testkit.Field(t, page, "_idem")},
		"nom":       {"Anne Weber"},
		"_action":   {"save"},
	})
	m := resumeLink.FindStringSubmatch(saved)
	if m == nil {
		t.Fatalf("no resume link on the saved page:\n%s", saved)
	}
	draft := m[1]
	_, resumed, _ := citizen.Get("/f/mediatheque/d/" + draft)
	if testkit.Field(t, resumed, "_idem") == draft {
		t.Fatal("the draft's token is the page's idempotency key")
	}
	send := url.Values{
		"form_csrf": {testkit.Field(t, resumed, "form_csrf")},
		"_idem":     {testkit.Field(t, resumed, "_idem")},
		"_draft":    {draft},
		"nom":       {"Anne Weber"},
	}
	status, _, header := citizen.Post("/f/mediatheque", send)
	receipt := header.Get("Location")
	if status != 303 || !strings.Contains(receipt, "token=") {
		t.Fatalf("sending: %d %s", status, receipt)
	}
	if _, _, again := citizen.Post("/f/mediatheque", send); again.Get("Location") != receipt {
		t.Errorf("a double click gives another receipt: %s, then %s", receipt, again.Get("Location"))
	}

	holder := testkit.NewBrowser(t, in.URL)
	_, page, _ = holder.Get("/f/mediatheque")
	for _, form := range []url.Values{
		{"_idem": {draft}},
		{"_idem": {draft}, "_draft": {draft}},
	} {
		form.Set("form_csrf", testkit.Field(t, page, "form_csrf"))
		form.Set("nom", "Anne Weber")
		_, body, header := holder.Post("/f/mediatheque", form)
		if got := header.Get("Location"); got == receipt || strings.Contains(body, receipt[strings.Index(receipt, "token=")+6:]) {
			t.Errorf("the draft's holder got the citizen's receipt: %s", got)
		}
	}
}

// Through the API, a replayed Idempotency-Key gives the first receipt,
// token included, to the caller who first used it only: anyone else gets
// 409, and no token.
func TestIdempotencyKeyIsTheFirstCallersOnly(t *testing.T) {
	o := startOrganisation(t, t.TempDir())
	o.Must(200, "PUT", "/api/forms/mediatheque/draft", adminToken, applicationForm)
	o.Must(200, "POST", "/api/forms/mediatheque/publish", adminToken, "")
	body := `{"data":{"nom":"Anne Weber"}}`
	first := o.must(201, "POST", "/api/forms/mediatheque/submissions", "", body, "Idempotency-Key", "cle-secrete-du-premier-appelant")
	again := o.must(201, "POST", "/api/forms/mediatheque/submissions", "", body, "Idempotency-Key", "cle-secrete-du-premier-appelant")
	if again["reference"] != first["reference"] || again["token"] != first["token"] {
		t.Errorf("the first caller's retry: %v, then %v", first, again)
	}
	other := o.Must(
		409,
		"POST",
		"/api/forms/mediatheque/submissions",
		o.tokens["m-weber"],
		body,
		"Idempotency-Key",
		"cle-secrete-du-premier-appelant",
	)
	if strings.Contains(string(other.Body), first["token"].(string)) || strings.Contains(string(other.Body), first["reference"].(string)) {
		t.Errorf("another caller's replay shows the first receipt: %s", other.Body)
	}

	mine := o.must(201, "POST", "/api/forms/mediatheque/submissions", o.tokens["m-weber"], body, "Idempotency-Key", "cle-de-l-agent")
	o.Must(409, "POST", "/api/forms/mediatheque/submissions", o.tokens["r-hoffmann"], body, "Idempotency-Key", "cle-de-l-agent")
	o.Must(409, "POST", "/api/forms/mediatheque/submissions", "", body, "Idempotency-Key", "cle-de-l-agent")
	again = o.must(201, "POST", "/api/forms/mediatheque/submissions", o.tokens["m-weber"], body, "Idempotency-Key", "cle-de-l-agent")
	if again["token"] != mine["token"] {
		t.Errorf("the agent's own retry: %v, then %v", mine, again)
	}
}
