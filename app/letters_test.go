package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/pdftest"
)

// letterText waits for the letter of a dossier's last decision, and
// returns its text.
func (in *instance) letterText(ref, token string) string {
	in.t.Helper()
	sub := in.must(200, "GET", "/api/submissions/"+ref+"?token="+token, "", "")
	n := len(sub["history"].([]any)) - 1
	path := "/api/submissions/" + ref + "/decisions/" + strconv.Itoa(n) + "?token=" + url.QueryEscape(token)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if got := in.Do("GET", path, "", ""); got.Status == http.StatusOK {
			return strings.Join(strings.Fields(pdftest.Text(in.t, got.Body)), " ")
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("the letter of %s never came", ref)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An admin writes the department's letter, with its address and a
// delegate who signs, previews it, and the next decision's letter follows
// it; a form's own template then wins over the department's. The pages
// pass axe-core.
func TestLetterTemplates(t *testing.T) {
	in, ref, token := startFamilyAid(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/accounts/a-muller", adminToken, `{"name":"Anne Muller","role":"admin","active":true}`)
	in.Must(200, "POST", "/api/accounts/a-muller/password", adminToken, `{"password":"`+conversationPassword+`"}`)
	admin := in.signIn("a-muller")
	template := url.Values{
		"address": {"Hôtel du Département\r\n1 rue du Pont Moreau\r\n57000 Metz"},
		"body_fr": {"Madame, Monsieur,\r\n\r\nNous avons examiné votre demande d'aide aux familles.\r\n\r\n{decision}\r\n\r\n" +
			"Motif : {motif}\r\n\r\nLe service {service} reste à votre écoute."},
		"signatory": {"Jean Dupont"}, "signatoryTitle": {"Directeur de la Solidarité"},
	}
	preview := pdftest.Text(t, in.Must(200, "POST", "/admin/lettres/service/solidarites/apercu", "",
		withCSRF(admin, template), "Cookie", admin.cookie, "Content-Type", "application/x-www-form-urlencoded").Body)
	if !strings.Contains(preview, "Nous avons examiné votre demande") || !strings.Contains(preview, "Jean Dupont") {
		t.Errorf("the preview:\n%s", preview)
	}
	bad := url.Values{"body_fr": {"Votre demande est traitée, {prenom}."}}
	if page := admin.post(http.StatusUnprocessableEntity, "/admin/lettres/service/solidarites", bad); !strings.Contains(page,
		"Champ de fusion inconnu : {prenom}.") {
		t.Error("a template with an unknown merge field was not refused with its name")
	}
	admin.post(http.StatusOK, "/admin/lettres/service/solidarites", template)

	in.Must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"take-up"}`)
	in.Must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"accept","reason":"Dossier complet."}`)
	letter := in.letterText(ref, token)
	for _, want := range []string{"Direction de la Solidarité Hôtel du Département 1 rue du Pont Moreau 57000 Metz",
		"Anne Klein 12 rue des Jardins 57100 Thionville", "Nous avons examiné votre demande d'aide aux familles.",
		"Votre demande est acceptée.", "Motif : Dossier complet.", "reste à votre écoute",
		"Pour l'administration et par délégation, Jean Dupont, Directeur de la Solidarité", "tribunal administratif de Strasbourg"} {
		if !strings.Contains(letter, want) {
			t.Errorf("the department's letter lacks %q:\n%s", want, letter)
		}
	}

	admin.post(http.StatusOK, "/admin/lettres/formulaire/aide-familles", url.Values{"body_fr": {"Aide aux familles. {decision} {motif}"}})
	receipt := in.Must(201, "POST", "/api/forms/aide-familles/submissions", "", familyAnswers).JSON(t)
	second, secondToken := receipt["reference"].(string), receipt["token"].(string)
	in.WaitProcessed(second, secondToken)
	in.Must(200, "POST", "/api/dossiers/"+second+"/actions", adminToken, `{"action":"take-up"}`)
	in.Must(200, "POST", "/api/dossiers/"+second+"/actions", adminToken, `{"action":"reject","reason":"Revenus trop élevés."}`)
	if letter := in.letterText(second, secondToken); !strings.Contains(letter, "Aide aux familles. Votre demande est refusée. "+
		"Revenus trop élevés.") || strings.Contains(letter, "Jean Dupont") {
		t.Errorf("the form's letter:\n%s", letter)
	}
	if list := admin.get("/admin/lettres"); !strings.Contains(list, "1 rue du Pont Moreau") {
		t.Error("the letters' list does not show the department's address")
	}

	b := newBrowser(t, in.URL)
	b.signIn("a-muller", conversationPassword)
	b.open("/admin/lettres")
	b.check("31-letters")
	b.load(http.StatusOK, chromedp.Navigate(in.URL+"/admin/lettres/service/solidarites"))
	if signatory := browsertest.Value(t, b.ctx, "#signatory"); signatory != "Jean Dupont" {
		t.Errorf("the template's page shows the signatory %q", signatory)
	}
	b.check("32-letter-template")
}

// withCSRF encodes a page's form with the session's CSRF token.
func withCSRF(s pageSession, form url.Values) string {
	form.Set("csrf", s.csrf)
	return form.Encode()
}
