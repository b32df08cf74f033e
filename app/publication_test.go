package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/test/mailtest"
	"github.com/guichet/guichet/internal/test/testkit"
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
// its routing sends elsewhere. Once it is published, the owner of a draft
// that no longer fits is emailed, in the draft's language, where the
// resume link went; every such draft opens, when resumed, on the answer
// to review.
func TestPublicationShowsItsConsequences(t *testing.T) {
	relay := mailtest.Start(t)
	in := startWith(t, app.Config{DataDir: t.TempDir(), Organisation: "Département de la Moselle",
		Mail: mailer.Config{Addr: relay.Addr, From: "Département de la Moselle <ne-pas-repondre@moselle.example>", TLS: mailer.NoTLS}})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/departments/est", adminToken, `{"name":"Maison du Département de Forbach"}`)
	in.Must(200, "PUT", "/api/forms/cantine/draft", adminToken, cantineForm)
	in.Must(200, "POST", "/api/forms/cantine/publish", adminToken, "")
	for _, commune := range []string{"metz", "forbach"} {
		receipt := in.Must(201, "POST", "/api/forms/cantine/submissions", "", `{"data":{"nom":"A","commune":"`+commune+`"}}`).JSON(t)
		in.WaitProcessed(receipt["reference"].(string), receipt["token"].(string))
	}
	const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	post := func(path, body, lang string) testkit.Response {
		t.Helper()
		return in.Do("POST", path, "", body+"&form_csrf="+formToken, "Content-Type", "application/x-www-form-urlencoded",
			"Cookie", "guichet_form_csrf="+formToken, "Accept-Language", lang)
	}
	// draft saves answers, and has the link emailed to address if any.
	draft := func(commune, lang, address string) string {
		t.Helper()
		r := post("/f/cantine", "nom=Brouillon&commune="+commune+"&_action=save", lang)
		m := regexp.MustCompile(`/f/cantine/d/([A-Za-z0-9_-]{22})`).FindSubmatch(r.Body)
		if r.Status != http.StatusOK || m == nil {
			t.Fatalf("saving a draft: %d", r.Status)
		}
		if address != "" {
			if r := post("/f/cantine/d/"+string(m[1])+"/courriel", "email="+url.QueryEscape(address), lang); r.Status != http.StatusOK {
				t.Fatalf("emailing the link: %d", r.Status)
			}
		}
		return string(m[1])
	}
	draft("metz", "fr", "reste@example.fr")
	told := draft("forbach", "en", "sam@example.org")
	// A step saved later keeps the address.
	if r := post("/f/cantine", "_draft="+told+"&nom=Sam+Taylor&commune=forbach&_action=save", "en"); r.Status != http.StatusOK {
		t.Fatalf("saving the draft again: %d", r.Status)
	}
	forbach := draft("forbach", "fr", "")
	relay.Wait(t, 2) // the two resume links

	// Forbach is no longer offered, and Metz now goes east.
	next := strings.Replace(strings.Replace(cantineForm, `,
			{"const": "forbach", "title": "Forbach"}`, "", 1), `"const": "forbach"}}, "required"`, `"const": "metz"}}, "required"`, 1)
	in.Must(200, "PUT", "/api/forms/cantine/draft", adminToken, next)
	page := in.signIn("bootstrap-admin").get("/admin/forms/cantine/publier")
	for _, want := range []string{"3 brouillons en cours", "2 ne conviennent plus à cette version", "Commune",
		"qui a reçu son lien de reprise par courriel ou est un agent, en sera prévenu par courriel",
		"2 des 50 derniers dépôts iraient à un autre service", "Maison du Département de Forbach", `id="confirm-publish"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the publication page lacks %q", want)
		}
	}
	in.signIn("bootstrap-admin").post(http.StatusOK, "/admin/forms/cantine/publish", url.Values{})
	notice := relay.Wait(t, 3)[2]
	if strings.Join(notice.To, ",") != "sam@example.org" || notice.Subject != "Your request “Cantine”: answers to review" ||
		!strings.Contains(notice.Text, "Commune") || !strings.Contains(notice.Text, "Département de la Moselle") {
		t.Errorf("the owner's notice: to %v, %q:\n%s", notice.To, notice.Subject, notice.Text)
	}
	for _, token := range []string{told, forbach} {
		resumed := string(in.Must(200, "GET", "/f/cantine/d/"+token, "", "").Body)
		if !strings.Contains(resumed, `href="#champ.commune`) {
			t.Error("a draft that no longer fits does not say which answer to review")
		}
	}
	// Told once: a later version that refuses the same answers for the
	// same reasons tells nothing new.
	in.Must(200, "PUT", "/api/forms/cantine/draft", adminToken, strings.Replace(next, `"nom": {"type": "string", "title": "Nom"}`,
		`"nom": {"type": "string", "title": "Nom", "maxLength": 80}`, 1))
	in.Must(200, "POST", "/api/forms/cantine/publish", adminToken, "")
	in.caughtUp(bus.StreamAudit, bus.ConsumerUnfitDrafts)
	if got := len(relay.Received()); got != 3 {
		t.Errorf("%d emails after a second publication, want 3", got)
	}
}

// caughtUp waits until a durable consumer has handled every message of
// its stream.
func (in *instance) caughtUp(stream, durable string) {
	in.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := in.app.Bus.JS.Consumer(context.Background(), stream, durable)
		if err != nil {
			in.t.Fatal(err)
		}
		info, err := c.Info(context.Background())
		if err != nil {
			in.t.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return
		}
	}
	in.t.Fatalf("%s never caught up on %s", durable, stream)
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

// An agent finds the requests they saved on their account's page; when a
// new version refuses one, they are told at their account's address, with
// the link that resumes it. They may delete it; nobody else may.
func TestAgentIsToldOfAnUnfitDraft(t *testing.T) {
	relay := mailtest.Start(t)
	in := startWith(t, app.Config{DataDir: t.TempDir(), PublicURL: "https://guichet.test",
		Mail: mailer.Config{Addr: relay.Addr, From: "Département de la Moselle <ne-pas-repondre@moselle.example>", TLS: mailer.NoTLS}})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/accounts/j-weber", adminToken,
		`{"name":"Julia Weber","role":"agent","active":true,"email":"julia.weber@moselle.example","departments":["accueil"]}`)
	in.Must(200, "PUT", "/api/forms/conges/draft", adminToken, leaveForm)
	in.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	agent := in.signIn("j-weber")
	saved := regexp.MustCompile(`/f/conges/d/[A-Za-z0-9_-]{22}`).FindString(agent.post(http.StatusOK, "/f/conges",
		url.Values{"jours": {"30"}, "_action": {"save"}}))
	if saved == "" {
		t.Fatal("the agent's draft is not saved")
	}
	if me := agent.get("/me"); !strings.Contains(me, `<a href="`+saved+`">Demande de congés</a>`) {
		t.Errorf("the agent's page does not list the request saved:\n%s", me)
	}
	if other := in.signIn("bootstrap-admin").get("/me"); strings.Contains(other, saved) {
		t.Error("another account's page lists the agent's request")
	}
	shorter := strings.Replace(leaveForm, `"type": "integer"`, `"type": "integer", "maximum": 25`, 1)
	in.Must(200, "PUT", "/api/forms/conges/draft", adminToken, shorter)
	in.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	told := relay.Wait(t, 1)[0]
	if strings.Join(told.To, ",") != "julia.weber@moselle.example" ||
		told.Subject != "Votre demande « Demande de congés » : des réponses à revoir" || !strings.Contains(told.Text, "Jours") ||
		!strings.Contains(told.Text, "reprenez votre demande : https://guichet.test"+saved) {
		t.Errorf("the agent's notice: to %v, %q:\n%s", told.To, told.Subject, told.Text)
	}

	// Only the agent deletes it.
	token := url.Values{"draft": {strings.TrimPrefix(saved, "/f/conges/d/")}}
	in.signIn("bootstrap-admin").post(http.StatusNotFound, "/me/drafts/delete", token)
	if me := agent.post(http.StatusOK, "/me/drafts/delete", token); !strings.Contains(me, "La demande enregistrée est supprimée") ||
		strings.Contains(me, saved) {
		t.Errorf("after deleting it, the agent's page reads:\n%s", me)
	}
	in.Must(404, "GET", saved, "", "", "Cookie", agent.cookie)
}
