package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
)

const cantineForm = `{
	"title": "Cantine", "audience": "public",
	"schema": {"type": "object", "required": ["nom"], "properties": {
		"nom": {"type": "string", "title": "Nom"},
		"commune": {"type": "string", "title": "Commune", "oneOf": [{"const": "metz", "title": "Metz"},
			{"const": "forbach", "title": "Forbach"}]}}},
	"routing": {"default": "accueil", "rules": [{"when": {"properties": {"commune": {"const": "forbach"}}, "required": ["commune"]},
		"department": "est"}]}
}`

// Before publishing, the admin sees what the new version changes: the
// drafts being filled whose answers it refuses, and the past submissions
// its routing sends elsewhere; a draft that no longer fits opens, when
// resumed, on the answer to review.
func TestPublicationShowsItsConsequences(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/departments/est", adminToken, `{"name":"Maison du Département de Forbach"}`)
	in.Must(200, "PUT", "/api/forms/cantine/draft", adminToken, cantineForm)
	in.Must(200, "POST", "/api/forms/cantine/publish", adminToken, "")
	for _, commune := range []string{"metz", "forbach"} {
		receipt := in.Must(201, "POST", "/api/forms/cantine/submissions", "", `{"data":{"nom":"A","commune":"`+commune+`"}}`).JSON(t)
		in.WaitProcessed(receipt["reference"].(string), receipt["token"].(string))
	}
	const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	draft := func(commune string) string {
		t.Helper()
		r := in.Do("POST", "/f/cantine", "", "nom=Brouillon&commune="+commune+"&_action=save&form_csrf="+formToken,
			"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+formToken)
		m := regexp.MustCompile(`/f/cantine/d/([A-Za-z0-9_-]{22})`).FindSubmatch(r.Body)
		if r.Status != http.StatusOK || m == nil {
			t.Fatalf("saving a draft: %d", r.Status)
		}
		return string(m[1])
	}
	draft("metz")
	forbach := draft("forbach")

	// Forbach is no longer offered, and Metz now goes east.
	next := strings.Replace(strings.Replace(cantineForm, `,
			{"const": "forbach", "title": "Forbach"}`, "", 1), `"const": "forbach"}}, "required"`, `"const": "metz"}}, "required"`, 1)
	in.Must(200, "PUT", "/api/forms/cantine/draft", adminToken, next)
	page := in.signIn("bootstrap-admin").get("/admin/forms/cantine/publier")
	for _, want := range []string{"2 brouillons en cours", "1 ne convient plus à cette version", "Commune",
		"2 des 50 derniers dépôts iraient à un autre service", "Maison du Département de Forbach", `id="confirm-publish"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the publication page lacks %q", want)
		}
	}
	in.signIn("bootstrap-admin").post(http.StatusOK, "/admin/forms/cantine/publish", url.Values{})
	resumed := string(in.Must(200, "GET", "/f/cantine/d/"+forbach, "", "").Body)
	if !strings.Contains(resumed, "Certaines réponses sont à corriger") || !strings.Contains(resumed, `href="#champ.commune`) {
		t.Error("a draft that no longer fits does not say which answer to review")
	}
}

// A check across answers refuses, through the API and the pages, a leave
// whose last day comes before its first, with its own message at that
// field; a leave in order goes through.
func TestCrossCheckRefusesALeaveBackwards(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/rh", adminToken, `{"name":"Ressources humaines"}`)
	in.Must(200, "PUT", "/api/forms/absence/draft", adminToken, `{"title":"Absence","audience":"public",
		"schema":{"type":"object","required":["debut","fin"],"properties":{
			"debut":{"type":"string","format":"date","title":"Premier jour"},"fin":{"type":"string","format":"date","title":"Dernier jour"}}},
		"checks":[{"expr":"fin >= debut","field":"fin","messageFr":"Le dernier jour ne peut pas précéder le premier.",
			"messageEn":"The last day cannot come before the first."}],
		"routing":{"default":"rh"}}`)
	in.Must(200, "POST", "/api/forms/absence/publish", adminToken, "")
	refused := in.Must(422, "POST", "/api/forms/absence/submissions", "", `{"data":{"debut":"2026-03-06","fin":"2026-03-02"}}`)
	if body := string(refused.Body); !strings.Contains(body, `"location":"body.data.fin"`) ||
		!strings.Contains(body, "Le dernier jour ne peut pas précéder le premier.") {
		t.Errorf("the refusal: %s", body)
	}
	in.Must(201, "POST", "/api/forms/absence/submissions", "", `{"data":{"debut":"2026-03-02","fin":"2026-03-06"}}`)
	const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	page := in.Do("POST", "/f/absence", "", "debut=2026-03-06&fin=2026-03-02&form_csrf="+formToken,
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+formToken)
	if page.Status != http.StatusUnprocessableEntity || !strings.Contains(string(page.Body), "Le dernier jour ne peut pas pr") {
		t.Errorf("the page's refusal: %d", page.Status)
	}
}

// A draft's resume link, which may be emailed, names the site's public
// address, never the Host header a request came with.
func TestResumeLinkIgnoresTheHostHeader(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir(), PublicURL: "https://guichet.test"})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/departments/est", adminToken, `{"name":"Est"}`)
	in.Must(200, "PUT", "/api/forms/cantine/draft", adminToken, cantineForm)
	in.Must(200, "POST", "/api/forms/cantine/publish", adminToken, "")
	const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	req, err := http.NewRequest("POST", in.URL+"/f/cantine", strings.NewReader("nom=A&_action=save&form_csrf="+formToken))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "piege.example"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "guichet_form_csrf="+formToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(page), `href="https://guichet.test/f/cantine/d/`) || strings.Contains(string(page), "piege.example") {
		t.Errorf("the resume link follows the Host header: %d", resp.StatusCode)
	}
}
