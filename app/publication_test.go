package app_test

import (
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
	for _, want := range []string{"2 brouillon(s) en cours", "1 ne convien(nen)t plus à cette version", "Commune",
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
