package app_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/mailtest"
	"github.com/guichet/guichet/internal/test/pdftest"
)

// familyForm asks who applies, where they live, and a proof of address
// that may come later; its uiSchema marks the applicant's name and
// address, and the commune for the inbox.
const familyForm = `{
	"title": "Aide aux familles", "audience": "public",
	"schema": {"type": "object", "required": ["nom", "prenom", "courriel"], "properties": {
		"nom": {"type": "string", "title": "Nom"},
		"prenom": {"type": "string", "title": "Prénom"},
		"adresse": {"type": "string", "title": "Adresse"},
		"commune": {"type": "string", "title": "Commune"},
		"courriel": {"type": "string", "format": "email", "title": "Courriel"},
		"justificatif": {"type": "string", "format": "data-url", "title": "Justificatif de domicile"}}},
	"uiSchema": {"nom": {"ui:autocomplete": "family-name"}, "prenom": {"ui:autocomplete": "given-name"},
		"adresse": {"ui:autocomplete": "street-address"}, "commune": {"ui:autocomplete": "address-level2", "ui:summary": true}},
	"routing": {"default": "solidarites"}
}`

const familyAnswers = `{"data":{"nom":"Klein","prenom":"Anne","adresse":"12 rue des Jardins","commune":"57100 Thionville",` +
	`"courriel":"anne.klein@example.org"}}`

// conversationAgent is the agent of the conversation tests.
const conversationAgent, conversationPassword = "m-weber", "trois pommes vertes sur la table"

// startFamilyAid starts Guichet with cfg, the family aid form, its
// department and its agent, and a routed submission: its reference and
// receipt token.
func startFamilyAid(t *testing.T, cfg app.Config) (*instance, string, string) {
	in := startWith(t, cfg)
	in.Must(200, "PUT", "/api/departments/solidarites", adminToken, `{"name":"Direction de la Solidarité"}`)
	in.Must(200, "PUT", "/api/accounts/"+conversationAgent, adminToken, `{"name":"Marie Weber","role":"agent","active":true,`+
		`"departments":["solidarites"]}`)
	in.Must(200, "POST", "/api/accounts/"+conversationAgent+"/password", adminToken, `{"password":"`+conversationPassword+`"}`)
	in.Must(200, "PUT", "/api/forms/aide-familles/draft", adminToken, familyForm)
	in.Must(200, "POST", "/api/forms/aide-familles/publish", adminToken, "")
	receipt := in.Must(201, "POST", "/api/forms/aide-familles/submissions", "", familyAnswers).JSON(t)
	ref, token := receipt["reference"].(string), receipt["token"].(string)
	in.WaitProcessed(ref, token)
	return in, ref, token
}

// browser is a person's own chromium, and how they load its pages.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, base string) browser {
	return browser{t: t, ctx: browsertest.New(t), base: base}
}

// load runs actions that load a page, expecting status.
func (b browser) load(status int64, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if got := browsertest.Load(b.t, b.ctx, actions...); got != status {
		b.t.Fatalf("status %d, want %d: %s", got, status, browsertest.Text(b.t, b.ctx, "main"))
	}
}

// open loads a page of the site.
func (b browser) open(path string) {
	b.t.Helper()
	b.load(http.StatusOK, chromedp.Navigate(b.base+path))
}

// text is the text of the element selector picks.
func (b browser) text(selector string) string {
	b.t.Helper()
	return browsertest.Text(b.t, b.ctx, selector)
}

// check runs axe-core on the page and photographs it.
func (b browser) check(name string) {
	b.t.Helper()
	for _, v := range browsertest.Axe(b.t, b.ctx) {
		b.t.Errorf("%s: %s", name, v)
	}
	browsertest.Screenshot(b.t, b.ctx, name)
}

// signIn signs an agent in through the login page.
func (b browser) signIn(id, password string) {
	b.t.Helper()
	b.open("/login")
	b.load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#id"), id), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
}

// waitText reloads a page until the element selector picks says want.
func (b browser) waitText(path, selector, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.open(path)
		if got := b.text(selector); strings.Contains(got, want) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sampleFile writes a small PDF to upload, and returns its path.
func sampleFile(t *testing.T, name string) string {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte("%PDF-1.7\n% "+name+"\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// In two browsers: an agent asks for a missing proof of address; the
// applicant, from the emailed link, reads the message, adds the file to
// the answer asked for, and replies with another document; the agent
// sees the reply, the change and the file, and accepts. The letter names
// the addressee, the signatory, the reason and the appeal routes, and the
// applicant's page shows the decision.
func TestConversationAboutAMissingDocument(t *testing.T) {
	relay := mailtest.Start(t)
	in, ref, token := startFamilyAid(t, app.Config{DataDir: t.TempDir(), PublicURL: "https://guichet.test",
		Mail: mailer.Config{Addr: relay.Addr, From: "Département de la Moselle <ne-pas-repondre@moselle.example>", TLS: mailer.NoTLS}})
	relay.Wait(t, 1) // the confirmation

	agent := newBrowser(t, in.URL)
	agent.signIn(conversationAgent, conversationPassword)
	if row := agent.text("#dossiers tbody tr"); !strings.Contains(row, "Anne Klein") || !strings.Contains(row, "Commune : 57100 Thionville") {
		t.Errorf("the inbox does not show the applicant and the summary: %q", row)
	}
	agent.open("/dossiers/" + ref)
	agent.load(http.StatusOK, chromedp.Click(chromedp.CSS("#action-take-up")))
	agent.load(http.StatusOK, chromedp.Click(chromedp.CSS("#ask-justificatif")),
		chromedp.SendKeys(chromedp.CSS("#request"), "Il manque le justificatif de domicile : une facture de moins de trois mois."),
		chromedp.Click(chromedp.CSS("#send-correction")))
	if status := agent.text("#status"); status != "À compléter" {
		t.Errorf("after asking for a correction: %q", status)
	}
	if thread := agent.waitText("/dossiers/"+ref, "#thread", "Courriel envoyé"); !strings.Contains(thread, "Justificatif de domicile") ||
		!strings.Contains(thread, "Courriel envoyé au demandeur") {
		t.Errorf("the agent's thread: %q", thread)
	}

	mail := relay.Wait(t, 2)[1]
	link := linkPattern.FindStringSubmatch(mail.Text)
	if link == nil || !strings.Contains(mail.Text, "Il manque le justificatif") {
		t.Fatalf("the message's email:\n%s", mail.Text)
	}
	applicant := newBrowser(t, in.URL)
	applicant.open(link[1])
	if h1 := applicant.text("h1"); h1 != "Votre demande est à compléter" {
		t.Errorf("the applicant's page says %q", h1)
	}
	if thread := applicant.text("#thread"); !strings.Contains(thread, "Nouveau") || !strings.Contains(thread, "Il manque le justificatif") {
		t.Errorf("the applicant's thread: %q", thread)
	}
	applicant.check("25-conversation-applicant-asked")
	applicant.load(http.StatusOK, chromedp.Click(chromedp.CSS("#complete")))
	if fields := applicant.text("form"); !strings.Contains(fields, "Justificatif de domicile") || strings.Contains(fields, "Prénom") {
		t.Errorf("the completion page shows more than the answer asked for: %q", fields)
	}
	applicant.check("26-completion")
	// Chosen, the file uploads on its own; the page then holds its id.
	browsertest.Do(t, applicant.ctx, chromedp.SetUploadFiles(chromedp.CSS("input[type=file]"), []string{sampleFile(t, "facture-edf.pdf")}),
		chromedp.WaitReady(chromedp.CSS("ul.uploads input[type=hidden]")))
	applicant.load(http.StatusOK, chromedp.Click(chromedp.CSS("#send")))
	if status := applicant.text("#status"); status != "En instruction" {
		t.Errorf("after completing: %q", status)
	}
	applicant.load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#reply-text"), "Voici aussi mon avis d'imposition."),
		chromedp.SetUploadFiles(chromedp.CSS("#message-files"), []string{sampleFile(t, "avis-imposition.pdf")}),
		chromedp.Click(chromedp.CSS("#send-reply")))
	if thread := applicant.text("#thread"); !strings.Contains(thread, "avis-imposition.pdf") || strings.Contains(thread, "Nouveau") {
		t.Errorf("the applicant's thread after replying: %q", thread)
	}
	applicant.check("27-conversation-applicant")

	agent.open("/inbox/solidarites")
	if row := agent.text("#dossiers tbody tr"); !strings.Contains(row, "nouveau message") {
		t.Errorf("the inbox does not mark the new message: %q", row)
	}
	agent.open("/dossiers/" + ref)
	thread := agent.text("#thread")
	if !strings.Contains(thread, "Voici aussi mon avis d'imposition.") || !strings.Contains(thread, "Nouveau") ||
		!strings.Contains(thread, "Réponses corrigées : version 2") {
		t.Errorf("the agent's thread after the reply: %q", thread)
	}
	if changes := agent.text("#changes"); !strings.Contains(changes, "Justificatif de domicile") ||
		!strings.Contains(changes, "facture-edf.pdf") {
		t.Errorf("the changes: %q", changes)
	}
	agent.check("28-conversation-agent")
	file := browsertest.Attribute(t, agent.ctx, ".from-applicant .message-files a", "href")
	if got := in.Must(200, "GET", file+"?token="+token, "", ""); !strings.Contains(string(got.Body), "avis-imposition.pdf") {
		t.Errorf("the reply's file: %q", got.Body)
	}
	agent.load(http.StatusOK, chromedp.Click(chromedp.CSS("#decision-accept")),
		chromedp.SendKeys(chromedp.CSS("#reason"), "Dossier complet : aide accordée."), chromedp.Click(chromedp.CSS("#decide")))
	if status := agent.text("#status"); status != "Accepté" {
		t.Errorf("after accepting: %q", status)
	}

	page := applicant.waitText(link[1], "h1", "acceptée")
	if page != "Votre demande est acceptée." || !strings.Contains(applicant.text("#decision"), "Dossier complet : aide accordée.") {
		t.Errorf("the applicant's page after the decision: %q, %q", page, applicant.text("#decision"))
	}
	letterLink := browsertest.Attribute(t, applicant.ctx, "#decision-pdf", "href")
	deadline := time.Now().Add(20 * time.Second)
	letter := in.Do("GET", letterLink, "", "")
	for letter.Status != http.StatusOK && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		letter = in.Do("GET", letterLink, "", "")
	}
	text := strings.Join(strings.Fields(pdftest.Text(t, letter.Body)), " ")
	for _, want := range []string{"Anne Klein 12 rue des Jardins 57100 Thionville", "Votre demande est acceptée.",
		"Dossier complet : aide accordée.", "Pour l'administration, Marie Weber, Direction de la Solidarité",
		"dans un délai de deux mois", "tribunal administratif de Strasbourg", "Télérecours citoyens"} {
		if !strings.Contains(text, want) {
			t.Errorf("the letter lacks %q:\n%s", want, text)
		}
	}
}

// Without an SMTP relay, a message is still on the dossier and on the
// applicant's page, and the agent is told that nobody was emailed.
func TestConversationWithoutMailRelay(t *testing.T) {
	in, ref, token := startFamilyAid(t, app.Config{DataDir: t.TempDir()})
	agent := in.signIn(conversationAgent)
	agent.post(http.StatusOK, "/dossiers/"+ref+"/messages", url.Values{"text": {"Pouvez-vous préciser votre adresse ?"}})
	page := agent.get("/dossiers/" + ref)
	thread := page[strings.Index(page, `id="thread"`):]
	if !strings.Contains(thread, "Pouvez-vous préciser votre adresse ?") ||
		!strings.Contains(thread, "Aucun courriel envoyé : aucun serveur d&#39;envoi n&#39;est configuré.") {
		t.Errorf("the agent's thread without a relay:\n%s", thread[:min(len(thread), 2000)])
	}
	if strings.Contains(page, "un courriel l&#39;en avertit") {
		t.Error("the dossier says an email tells the applicant, without a relay")
	}
	messages := in.must(200, "GET", "/api/dossiers/"+ref, adminToken, "")["messages"].([]any)
	if len(messages) != 1 || messages[0].(map[string]any)["delivery"] != "no-relay" {
		t.Errorf("the dossier's messages through the API: %v", messages)
	}
	receipt := string(in.Must(200, "GET", "/recu/"+ref+"?token="+token, "", "").Body)
	if !strings.Contains(receipt, "Pouvez-vous préciser votre adresse ?") || !strings.Contains(receipt, `id="reply"`) {
		t.Error("the applicant's page does not show the message with a reply form")
	}
}
