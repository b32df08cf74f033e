package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/test/mailtest"
	"github.com/guichet/guichet/internal/test/pdftest"
)

const grantForm = `{
	"title": "Bourse au permis", "audience": "public",
	"confirmation": "Le service instruit votre demande sous un mois.",
	"schema": {"type": "object", "required": ["nom"], "properties": {
		"nom": {"type": "string", "title": "Nom"},
		"courriel": {"type": "string", "format": "email", "title": "Courriel"}}},
	"routing": {"default": "accueil"}
}`

const leaveForm = `{
	"title": "Demande de congés", "audience": "internal",
	"schema": {"type": "object", "properties": {"jours": {"type": "integer", "title": "Jours"}}},
	"routing": {"default": "accueil"}
}`

var linkPattern = regexp.MustCompile(`https://guichet\.test(/recu/\S+)`)

// Submitters are emailed in their language: a confirmation with the PDF
// record and a link that opens the receipt, then the decision with its
// reason. A relay outage delays mail without losing or doubling it;
// submissions without an address are not emailed; an agent's internal
// request is emailed to their account.
func TestSubmittersAreEmailed(t *testing.T) {
	relay := mailtest.Start(t)
	in := startWith(t, app.Config{DataDir: t.TempDir(), PublicURL: "https://guichet.test",
		Mail: mailer.Config{Addr: relay.Addr, From: "Département de la Moselle <ne-pas-repondre@moselle.example>", TLS: mailer.NoTLS}})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/bourse/draft", adminToken, grantForm)
	in.Must(200, "POST", "/api/forms/bourse/publish", adminToken, "")

	const answers = `{"data":{"nom":"Sam Taylor","courriel":"sam@example.org"}}`
	receipt := in.Must(201, "POST", "/api/forms/bourse/submissions", "", answers, "Accept-Language", "en").JSON(t)
	ref := receipt["reference"].(string)
	in.WaitStatus(ref, receipt["token"].(string), "routed")
	confirmation := relay.Wait(t, 1)[0]
	if strings.Join(confirmation.To, ",") != "sam@example.org" ||
		confirmation.Subject != "Your request “Bourse au permis” is received ("+ref+")" {
		t.Errorf("confirmation: to %v, subject %q", confirmation.To, confirmation.Subject)
	}
	if pdf := confirmation.Attachments[ref+".pdf"]; !strings.HasPrefix(string(pdf), "%PDF") {
		t.Errorf("the confirmation lacks the PDF record: %v", confirmation.Attachments)
	}
	if !strings.Contains(confirmation.Text, "Le service instruit votre demande sous un mois.") {
		t.Errorf("the confirmation lacks what happens next:\n%s", confirmation.Text)
	}
	link := linkPattern.FindStringSubmatch(confirmation.Text)
	if link == nil {
		t.Fatalf("no link in:\n%s", confirmation.Text)
	}
	in.Must(200, "GET", link[1], "", "")
	token, _ := url.ParseQuery(strings.SplitN(link[1], "?", 2)[1])
	in.Must(200, "GET", "/api/submissions/"+ref+"?token="+url.QueryEscape(token.Get("token")), "", "")

	in.Must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"take-up"}`)
	in.Must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"reject","reason":"Revenus au-dessus du plafond."}`)
	decision := relay.Wait(t, 2)[1]
	if decision.Subject != "Decision on your request “Bourse au permis” ("+ref+")" || !strings.Contains(decision.Text, "Rejected") ||
		!strings.Contains(decision.Text, "Revenus au-dessus du plafond.") {
		t.Errorf("decision mail: %q\n%s", decision.Subject, decision.Text)
	}
	letter := strings.Join(strings.Fields(pdftest.Text(t, decision.Attachments["decision-"+ref+".pdf"])), " ")
	for _, want := range []string{"Decision — Bourse au permis", ref, "Your request is rejected.", "Revenus au-dessus du plafond.",
		"For the administration,", "Accueil", "within two months of receiving it", "administrative court of Strasbourg",
		"Télérecours citoyens"} {
		if !strings.Contains(letter, want) {
			t.Errorf("the decision letter lacks %q: %s", want, letter)
		}
	}
	history := in.Must(200, "GET", "/api/submissions/"+ref+"?token="+receipt["token"].(string), "", "").JSON(t)["history"].([]any)
	stored := in.Must(
		200,
		"GET",
		fmt.Sprintf("/api/submissions/%s/decisions/%d?token=%s", ref, len(history)-1, receipt["token"].(string)),
		"",
		"",
	)
	if !strings.Contains(strings.Join(strings.Fields(pdftest.Text(t, stored.Body)), " "), "Revenus au-dessus du plafond.") {
		t.Error("the stored decision letter differs")
	}
	in.Must(404, "GET", "/api/submissions/"+ref+"/decisions/0?token="+receipt["token"].(string), "", "")
	// The citizen's page tells the decision, and no longer that it is being reviewed.
	page := string(in.Must(200, "GET", "/recu/"+ref+"?token="+url.QueryEscape(receipt["token"].(string)), "", "").Body)
	if !strings.Contains(page, "Votre demande est refusée.") || !strings.Contains(page, "decision-pdf") ||
		strings.Contains(page, "examine votre demande") || strings.Contains(page, "instruit votre demande") {
		t.Errorf("the citizen's page after the decision:\n%s", page)
	}

	// An agent writes to the submitter.
	// Markup and a formula in it stay text, the longest message whole: the
	// mails have no HTML part.
	words := `Vous pouvez déposer une nouvelle demande l'an prochain. "><script>alert(1)</script> =cmd|' /C calc'!A0 ` +
		strings.Repeat("Schmitt-", 600)
	body, _ := json.Marshal(map[string]string{"text": words})
	in.Must(202, "POST", "/api/dossiers/"+ref+"/messages", adminToken, string(body))
	in.Must(202, "POST", "/api/dossiers/"+ref+"/messages", adminToken, string(body)) // a double click
	message := relay.Wait(t, 3)[2]
	if message.Subject != "Message about your request “Bourse au permis” ("+ref+")" || !strings.Contains(message.Text, words) ||
		!linkPattern.MatchString(message.Text) {
		t.Errorf("message mail: %q\n%s", message.Subject, message.Text)
	}
	if strings.Join(message.TextTypes, ",") != "text/plain" {
		t.Errorf("message mail parts: %v, want text/plain only", message.TextTypes)
	}

	// The relay is down: the mail waits, then goes once.
	relay.Refuse(true)
	second := in.Must(201, "POST", "/api/forms/bourse/submissions", "", `{"data":{"nom":"Anne Weber","courriel":"anne@example.fr"}}`).
		JSON(t)
	in.WaitStatus(second["reference"].(string), second["token"].(string), "routed")
	in.Must(201, "POST", "/api/forms/bourse/submissions", "", `{"data":{"nom":"Sans adresse"}}`)
	time.Sleep(300 * time.Millisecond)
	if got := len(relay.Received()); got != 3 {
		t.Fatalf("%d mails during the outage", got)
	}
	relay.Refuse(false)
	french := relay.Wait(t, 4)[3]
	if strings.Join(french.To, ",") != "anne@example.fr" ||
		!strings.HasPrefix(french.Subject, "Votre demande « Bourse au permis » est bien "+
			"reçue") {
		t.Errorf("after the outage: to %v, %q", french.To, french.Subject)
	}

	// An agent's internal request is emailed to the agent.
	in.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","email":"marie.weber@moselle.example","role":"agent",`+
		`"active":true,"departments":["accueil"]}`)
	agent := in.Must(201, "POST", "/api/accounts/m-weber/tokens", adminToken, `{"name":"tests"}`).JSON(t)["token"].(string)
	in.Must(200, "PUT", "/api/forms/conges/draft", adminToken, leaveForm)
	in.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	in.Must(201, "POST", "/api/forms/conges/submissions", agent, `{"data":{"jours":3}}`)
	if mine := relay.Wait(t, 5)[4]; strings.Join(mine.To, ",") != "marie.weber@moselle.example" {
		t.Errorf("the internal request went to %v", mine.To)
	}
	time.Sleep(300 * time.Millisecond)
	if got := len(relay.Received()); got != 5 {
		t.Errorf("%d mails in all, want 5: one per event, none for the submission without an address", got)
	}
}
