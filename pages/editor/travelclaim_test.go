package editor_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/internal/test/browsertest"
)

// An admin builds a travel expense claim in the browser, with JavaScript
// and without: eight fields and a repeatable group of journeys, a
// kilometric allowance and a total worked out from them, a step shown only
// when an advance is asked, the form in English too; a field moved with
// the keyboard, a deletion undone; publication. An agent then fills it in
// English, and the total the server stores is the one the page showed.
// The test's own clock and counts of page loads and of clicks and key
// presses are reported, not asserted.
func TestBuildTheTravelClaim(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "with JavaScript", false: "without JavaScript"}[js], func(t *testing.T) {
			buildTheTravelClaim(t, js)
		})
	}
}

func buildTheTravelClaim(t *testing.T, js bool) {
	api, base := startWithAdmin(t)
	ctx := browsertest.New(t)
	if !js {
		browsertest.WithoutJavaScript(t, ctx)
	}
	signIn(t, ctx, base)
	started, loads, presses := time.Now(), 0, 0
	load := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		loads++
		if status := browsertest.Load(t, ctx, actions...); status != http.StatusOK {
			t.Fatalf("status %d: %s", status, browsertest.Text(t, ctx, "main"))
		}
	}
	click := func(selector string) chromedp.Action[chromedp.Void] {
		presses++
		return chromedp.Click(css(selector))
	}
	const overview = "/admin/forms/frais-essai"

	load(chromedp.SendKeys(css("#title"), "Frais de déplacement"), chromedp.SendKeys(css("#id"), "frais-essai"),
		chromedp.Click(css("#audience-internal")), chromedp.SetValue(css("#department"), "transports"), click("#create"))
	// change does what changes the form's page: without JavaScript, the
	// page loads again; with it, the page changes in place, until done.
	change := func(done string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if !js {
			load(actions...)
			return
		}
		browsertest.Do(t, ctx, actions...)
		if !browsertest.Holds(t, ctx, done) {
			t.Fatalf("never %s; the page reads:\n%s", done, browsertest.Text(t, ctx, "main"))
		}
	}
	listed := func(names string) string { return listedFields + " === " + strconv.Quote(names) }
	var names []string
	addField := func(typ, label, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		change(`!!document.querySelector(".inline-editor #label")`, chromedp.SetValue(css("#new-type"), typ), click("#add-field"))
		names = append(names, name)
		change(listed(strings.Join(names, " "))+` && !document.querySelector(".inline-editor")`,
			append(append([]chromedp.Action[chromedp.Void]{chromedp.SendKeys(css("#label"), label)}, actions...), click("#save-field"))...)
	}
	addField("short-text", "Objet de la mission", "objet_de_la_mission", click("#required"))
	addField("yes-no", "Avance demandée", "avance_demandee")
	addField("amount", "Montant de l'avance", "montant_de_l_avance")
	addField("group", "Trajets", "trajets", chromedp.SendKeys(css(`[name="sub.0.label"]`), "Date"),
		chromedp.SetValue(css(`[name="sub.0.type"]`), "date"),
		chromedp.SendKeys(css(`[name="sub.1.label"]`), "Kilomètres"), chromedp.SetValue(css(`[name="sub.1.type"]`), "number"),
		click(`[name="sub.1.required"]`))
	addField("single-choice", "Puissance du véhicule", "puissance_du_vehicule",
		chromedp.SendKeys(css("#choices"), "5cv | 5 CV et moins\n8cv | 8 CV et plus"))
	addField("number", "Nombre de repas", "nombre_de_repas")
	addField("calculated-amount", "Indemnités kilométriques", "indemnites_kilometriques",
		chromedp.SendKeys(css("#calculate"), `sum(trajets, .kilometres) * (puissance_du_vehicule == "5cv" ? 0.32 : 0.45)`))
	addField("calculated-amount", "Total", "total",
		chromedp.SendKeys(css("#calculate"), `indemnites_kilometriques + (nombre_de_repas ?? 0) * 20`))
	addField("long-text", "Remarques", "remarques")

	// The keyboard moves the meals above the car, and the focus stays on
	// the button; a deletion is undone.
	want := strings.Replace(strings.Join(names, " "), "puissance_du_vehicule nombre_de_repas", "nombre_de_repas puissance_du_vehicule", 1)
	change(listed(want), chromedp.Focus(css("#monter-nombre_de_repas")), chromedp.KeyEvent("\r"))
	presses++
	if focused := browsertest.Focused(t, ctx, "monter-nombre_de_repas"); focused != "monter-nombre_de_repas" {
		t.Errorf("after moving with the keyboard, the focus is on %q", focused)
	}
	change(`!document.getElementById("champ-remarques")`, click(`form[action$="/fields/remarques/delete"] button`))
	change(listed(want), click("#undo"))
	if got := fieldOrder(t, ctx); got != want {
		t.Errorf("after undoing the deletion: %s", got)
	}

	// Three steps; the advance's only when one is asked.
	load(chromedp.Navigate(base + overview + "/steps"))
	load(chromedp.SendKeys(css("#title-0"), "La mission"), chromedp.SendKeys(css("#title-1"), "L'avance"),
		chromedp.SetValue(css("#start-1"), "montant_de_l_avance"), click("#save-steps"))
	load(chromedp.Navigate(base + overview + "/steps"))
	load(chromedp.SendKeys(css("#title-2"), "Les frais"), chromedp.SetValue(css("#start-2"), "trajets"), click("#save-steps"))
	load(chromedp.Navigate(base + overview + "/steps/2/condition"))
	load(chromedp.SetValue(css(`[name="rule.0.field"]`), "avance_demandee"), chromedp.SendKeys(css(`[name="rule.0.value"]`), "Oui"),
		click("#save-condition"))

	// In English too.
	english := map[string]string{"title": "Travel expenses", "objet_de_la_mission": "Purpose of the mission",
		"avance_demandee": "Advance asked", "montant_de_l_avance": "Amount of the advance", "trajets": "Journeys",
		"trajets.date": "Date", "trajets.kilometres": "Kilometres", "puissance_du_vehicule": "Car's power",
		"puissance_du_vehicule=5cv": "5 HP or less", "puissance_du_vehicule=8cv": "8 HP or more", "nombre_de_repas": "Number of meals",
		"indemnites_kilometriques": "Mileage allowance", "total": "Total", "remarques": "Remarks",
		"step.1": "The mission", "step.2": "The advance", "step.3": "The expenses"}
	load(chromedp.Navigate(base + overview + "/traductions"))
	var typing []chromedp.Action[chromedp.Void]
	for key, text := range english {
		typing = append(typing, chromedp.SendKeys(css(`[name="t.en.`+key+`"]`), text))
	}
	if js { // axe-core is a script
		for _, v := range browsertest.Axe(t, ctx) {
			t.Errorf("the translations' page: %s", v)
		}
	}
	load(append(typing, click("#lang-en"), click("#save-translations"))...)
	if missing := browsertest.Text(t, ctx, "#missing-en"); missing != "Tout est traduit." {
		t.Errorf("the English translation: %q", missing)
	}

	load(chromedp.Navigate(base + overview))
	load(click("#publish"))
	load(click("#confirm-publish"))
	t.Logf("built in %v: %d page loads, %d clicks and key presses (JavaScript: %v)", time.Since(started).Round(time.Millisecond),
		loads, presses, js)

	// An agent fills it in English.
	api.Must(200, "PUT", "/api/accounts/j-weber", adminToken,
		`{"name":"Julia Weber","role":"agent","active":true,"departments":["transports"]}`)
	api.Must(200, "POST", "/api/accounts/j-weber/password", adminToken, `{"password":"`+adminPassword+`"}`)
	agent := browsertest.New(t)
	if !js {
		browsertest.WithoutJavaScript(t, agent)
	}
	browsertest.Load(t, agent, chromedp.Navigate(base+"/login?lang=en&next=/f/frais-essai"))
	browsertest.Load(t, agent, chromedp.SendKeys(css("#id"), "j-weber"), chromedp.SendKeys(css("#password"), adminPassword),
		chromedp.Click(css("main button[type=submit]")))
	if h1 := browsertest.Text(t, agent, "h1"); h1 != "The mission" {
		t.Fatalf("the agent's first page: %q", h1)
	}
	browsertest.Load(t, agent, chromedp.SendKeys(css(`[name="objet_de_la_mission"]`), "Colloque à Luxembourg"),
		chromedp.Click(css(`[name="avance_demandee"]`)), chromedp.Click(css("#send")))
	if h1 := browsertest.Text(t, agent, "h1"); h1 != "The advance" {
		t.Fatalf("with an advance asked, the second page: %q", h1)
	}
	browsertest.Load(t, agent, chromedp.SendKeys(css(`[name="montant_de_l_avance"]`), "100"), chromedp.Click(css("#send")))
	browsertest.Load(t, agent, chromedp.Click(css(`button[value="add:trajets"]`)))
	browsertest.Do(t, agent, chromedp.SetValue(css(`[name="trajets.0.date"]`), "2026-11-20"),
		chromedp.SendKeys(css(`[name="trajets.0.kilometres"]`), "125.5"), chromedp.SendKeys(css(`[name="nombre_de_repas"]`), "2"),
		chromedp.Click(css(`[name="puissance_du_vehicule"][value="5cv"]`)))
	shown := "80.16"
	if js {
		if !browsertest.Holds(t, agent, `document.querySelector('output[data-calculated="total"]').textContent === "80.16"`) {
			t.Errorf("the page's total: %q", browsertest.Text(t, agent, `output[data-calculated="total"]`))
		}
		shown = browsertest.Text(t, agent, `output[data-calculated="total"]`)
	}
	browsertest.Load(t, agent, chromedp.Click(css("#send")))
	if page := browsertest.Text(t, agent, "main"); !strings.Contains(page, "Mileage allowance") || !strings.Contains(page, shown) {
		t.Errorf("the check page in English:\n%s", page)
	}
	browsertest.Load(t, agent, chromedp.Click(css("#send")))
	reference := browsertest.Text(t, agent, "#reference")
	dossier := api.Must(200, "GET", "/api/dossiers/"+reference, adminToken, "").JSON(t)
	stored := ""
	for _, a := range dossier["answers"].([]any) {
		if answer := a.(map[string]any); answer["label"] == "Total" {
			stored = answer["value"].(string)
		}
	}
	if stored != "80,16" || strings.Replace(stored, ",", ".", 1) != shown {
		t.Errorf("the server stored a total of %q, the page showed %q", stored, shown)
	}
}
