package webform_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

// travelRequest is an internal form in two steps: an address, a
// conditional required field between two answers, and a repeatable group
// after it.
const travelRequest = `{
	"title": "Demande de déplacement", "audience": "internal",
	"description": "Pour un déplacement hors du département, avec ou sans véhicule de service.",
	"schema": {
		"type": "object",
		"required": ["objet", "adresse", "vehicule"],
		"properties": {
			"objet": {"type": "string", "title": "Objet du déplacement", "minLength": 1},
			"adresse": {"type": "object", "title": "Adresse de la réunion", "required": ["rue", "codePostal", "commune"], "properties": {
				"rue": {"type": "string", "title": "Numéro et voie"},
				"codePostal": {"type": "string", "title": "Code postal"},
				"commune": {"type": "string", "title": "Commune"}}},
			"vehicule": {"type": "boolean", "title": "Véhicule de service"},
			"participants": {"type": "array", "title": "Participant", "items": {"type": "object", "required": ["nom"], "properties": {
				"nom": {"type": "string", "title": "Nom"}, "service": {"type": "string", "title": "Service"}}}},
			"commentaire": {"type": "string", "title": "Commentaire"}
		},
		"if": {"properties": {"vehicule": {"const": true}}, "required": ["vehicule"]},
		"then": {"properties": {"immatriculation": {"type": "string", "title": "Immatriculation", "minLength": 1}},
			"required": ["immatriculation"]}
	},
	"uiSchema": {"ui:steps": [
		{"title": "Le déplacement", "fields": ["objet", "adresse"]},
		{"title": "Le trajet", "fields": ["vehicule", "participants", "commentaire"]}
	], "adresse": {"ui:order": ["rue", "codePostal", "commune"]}},
	"routing": {"default": "rh"}
}`

// pairsScript reads the check page as a person sees it: beside each label
// (on a wide screen) or under it (on a phone), the value shown there.
const pairsScript = `(() => {
	const dds = [...document.querySelectorAll("dl.check dd")].filter(dd => dd.getClientRects().length > 0);
	return [...document.querySelectorAll("dl.check dt:not(.heading)")].map(dt => {
		const label = dt.getBoundingClientRect();
		const beside = dds.find(dd => { const r = dd.getBoundingClientRect(); return Math.abs(r.top - label.top) < 2 && r.left > label.right; });
		const below = dds.filter(dd => dd.getBoundingClientRect().top >= label.bottom - 1)
			.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0];
		const dd = window.innerWidth > 640 ? beside : below;
		return dt.textContent.trim() + " = " + (dd ? dd.textContent.trim() : "?");
	}).join("\n");
})()`

// An agent, signed in, files an internal form with JavaScript: ticking the
// box shows the conditional required field (the page's script must work
// on the form of the fields, not on the header's sign-out form); the check
// page then shows each label beside its own value, on a wide screen and
// on a phone, in the form's order.
func TestSignedInFormWithConditionalField(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/rh", adminToken, `{"name":"Ressources humaines"}`)
	api.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","role":"agent","active":true,"departments":["rh"]}`)
	api.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{"password":"trois pommes vertes sur la table"}`)
	api.Must(200, "PUT", "/api/forms/deplacement/draft", adminToken, travelRequest)
	api.Must(200, "POST", "/api/forms/deplacement/publish", adminToken, "")

	ctx := browsertest.New(t)
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/login?next=/f/deplacement"))
	if status := browsertest.Load(t, ctx, chromedp.SendKeys(chromedp.CSS("#id"), "m-weber"),
		chromedp.SendKeys(chromedp.CSS("#password"), "trois pommes vertes sur la table"),
		chromedp.Click(chromedp.CSS("main button[type=submit]"))); status != http.StatusOK {
		t.Fatalf("signing in: %d", status)
	}
	if lead := browsertest.Text(t, ctx, "p.lead"); !strings.Contains(lead, "hors du département") {
		t.Errorf("the form's presentation on its first step: %q", lead)
	}
	send := chromedp.Click(chromedp.CSS("#send"))
	browsertest.Load(t, ctx, chromedp.SendKeys(field("objet"), "Réunion des directeurs"),
		chromedp.SendKeys(field("adresse.rue"), "27 boulevard Foch"), chromedp.SendKeys(field("adresse.codePostal"), "57100"),
		chromedp.SendKeys(field("adresse.commune"), "Thionville"), send)

	wrapper := `[data-condition]:has([name="immatriculation"])`
	if !browsertest.HasAttribute(t, ctx, wrapper, "hidden") {
		t.Fatal("the conditional field shows before the box is ticked")
	}
	browsertest.Do(t, ctx, chromedp.Click(field("vehicule")))
	// The page's script answers the click; give it a moment on a busy machine.
	for deadline := time.Now().Add(5 * time.Second); browsertest.HasAttribute(t, ctx, wrapper, "hidden"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("ticking the box does not show the conditional field")
		}
	}
	browsertest.Load(t, ctx, chromedp.Click(chromedp.CSS(`button[value="add:participants"]`)))
	status := browsertest.Load(t, ctx, chromedp.SendKeys(field("immatriculation"), "FG-123-HK"),
		chromedp.SendKeys(field("participants.0.nom"), "Paul Schmitt"), chromedp.SendKeys(field("participants.0.service"), "Voirie"),
		chromedp.SendKeys(field("commentaire"), "Départ à 8 h"), send)
	if status != http.StatusOK {
		t.Fatalf("the last step: %d: %s", status, browsertest.Text(t, ctx, "main"))
	}

	want := strings.Join([]string{
		"Objet du déplacement = Réunion des directeurs",
		"Numéro et voie = 27 boulevard Foch",
		"Code postal = 57100",
		"Commune = Thionville",
		"Véhicule de service = Oui",
		"Immatriculation = FG-123-HK",
		"Nom = Paul Schmitt",
		"Service = Voirie",
		"Commentaire = Départ à 8 h",
	}, "\n")
	for _, size := range []struct {
		name   string
		width  int64
		mobile bool
	}{{"desktop", 1280, false}, {"phone", 375, true}} {
		var opts []chromedp.EmulateViewportOption
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		browsertest.Do(t, ctx, chromedp.EmulateViewport(size.width, 900, opts...))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](pairsScript))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: the check page reads\n%s\nwant\n%s", size.name, got, want)
		}
	}
	browsertest.Do(t, ctx, chromedp.EmulateReset())
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("check page: %s", v)
	}
	if status := browsertest.Load(t, ctx, send); status != http.StatusOK {
		t.Fatalf("sending: %d", status)
	}
}
