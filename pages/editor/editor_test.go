package editor_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const adminToken = "jeton-admin-des-tests"

const adminPassword = "une phrase de passe pour construire"

// startWithAdmin starts Guichet with three departments and an admin who
// signs in with a password, and returns its address.
func startWithAdmin(t *testing.T) (testkit.Client, string) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	for id, name := range map[string]string{
		"transports":     "Service des transports",
		"mdd-thionville": "Maison du Département de Thionville",
		"solidarites":    "Solidarités",
	} {
		api.Must(200, "PUT", "/api/departments/"+id, adminToken, `{"name":"`+name+`"}`)
	}
	api.Must(200, "PUT", "/api/accounts/a-martin", adminToken, `{"name":"Anne Martin","role":"admin","active":true}`)
	api.Must(200, "POST", "/api/accounts/a-martin/password", adminToken, `{"password":"`+adminPassword+`"}`)
	return api, base
}

func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/login?next=/admin/forms"))
	status := browsertest.Load(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#id"), "a-martin"),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
	)
	if status != http.StatusOK || browsertest.Text(t, ctx, "h1") != "Formulaires" {
		t.Fatalf("signing in: %d, %q", status, browsertest.Text(t, ctx, "h1"))
	}
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// listedFields is the expression that lists the fields of the builder's
// overview, in order.
const listedFields = `[...document.querySelectorAll(".field-list > li")].map(li => li.id.replace("champ-", "")).join(" ")`

// fieldOrder lists the fields of the builder's overview, in order.
func fieldOrder(t *testing.T, ctx context.Context) string {
	t.Helper()
	order, err := chromedp.Run(ctx, chromedp.Evaluate[string](listedFields))
	if err != nil {
		t.Fatal(err)
	}
	return order
}

// An admin builds a three-step form from scratch in the browser: a
// conditional field, a repeatable group, a commune and a file; sets two
// routing rules and checks them with the dry run; reorders with the
// keyboard; previews; publishes. A citizen then fills the form in, and the
// submission reaches the inbox the rules name, with a correct PDF. Each
// builder page passes axe-core and is photographed for the docs.
func TestBuildPublishAndFill(t *testing.T) {
	api, base := startWithAdmin(t)
	ctx := browsertest.New(t)
	check := func(name string) {
		t.Helper()
		for _, v := range browsertest.Axe(t, ctx) {
			t.Errorf("%s: %s", name, v)
		}
		browsertest.Screenshot(t, ctx, name)
		browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))
	}
	load := func(want int64, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, ctx, actions...); status != want {
			t.Fatalf("status %d, want %d: %s", status, want, browsertest.Text(t, ctx, "main"))
		}
	}
	signIn(t, ctx, base)

	// The form, from scratch.
	load(http.StatusOK,
		chromedp.SendKeys(css("#title"), "Aide au transport scolaire"),
		chromedp.SendKeys(css("#id"), "transport-scolaire"),
		chromedp.SetValue(css("#department"), "transports"),
		chromedp.Click(css("#create")),
	)
	const overview = "/admin/forms/transport-scolaire"
	addField := func(typ, label string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		load(http.StatusOK, chromedp.Navigate(base+overview+"/fields/new?type="+typ))
		load(
			http.StatusOK,
			append(
				[]chromedp.Action[chromedp.Void]{chromedp.SendKeys(css("#label"), label)},
				append(actions, chromedp.Click(css("#save-field")))...)...)
		if notice := browsertest.Text(t, ctx, "[role=status]"); notice != "Le champ est ajouté." {
			t.Fatalf("adding %s: %q", label, notice)
		}
	}
	addField("short-text", "Nom de l'élève", chromedp.Click(css("#required")), chromedp.SendKeys(css("#maxLength"), "100"))
	addField("commune", "Commune de résidence", chromedp.Click(css("#required")))
	addField("yes-no", "Famille boursière")
	addField(
		"number",
		"Échelon de bourse",
		chromedp.Click(css("#required")),
		chromedp.SendKeys(css("#minimum"), "0"),
		chromedp.SendKeys(css("#maximum"), "7"),
		chromedp.SetValue(css(`[name="rule.0.field"]`), "famille_boursiere"),
		chromedp.SendKeys(css(`[name="rule.0.value"]`), "Oui"),
	)
	addField("file", "Justificatif de domicile", chromedp.Click(css("#required")))
	// The group's editor page, photographed with a first row filled in.
	load(http.StatusOK, chromedp.Navigate(base+overview+"/fields/new?type=group"))
	browsertest.Do(t, ctx, chromedp.SendKeys(css("#label"), "Frères et sœurs scolarisés"),
		chromedp.SendKeys(css(`[name="sub.0.label"]`), "Prénom"), chromedp.Click(css(`[name="sub.0.required"]`)),
		chromedp.SendKeys(css(`[name="sub.1.label"]`), "Âge"), chromedp.SetValue(css(`[name="sub.1.type"]`), "number"),
		chromedp.SendKeys(css("#maximum"), "6"))
	check("11-builder-field")
	load(http.StatusOK, chromedp.Click(css("#save-field")))

	if got := fieldOrder(t, ctx); got != "nom_de_l_eleve commune_de_residence famille_boursiere echelon_de_bourse justificatif_de_domicile "+
		"freres_et_soeurs_scolarises" {
		t.Fatalf("fields = %s", got)
	}
	if when := browsertest.Text(t, ctx, "#champ-echelon_de_bourse .hint"); when != "Affiché si « Famille boursière » vaut « Oui »" {
		t.Errorf("the conditional field says %q", when)
	}
	// Reordering with the keyboard: Enter on "Monter" moves the group up,
	// in place, and the focus stays on that button for the next press.
	moved := func(want string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browsertest.Do(t, ctx, actions...)
		if !browsertest.Holds(t, ctx, listedFields+" === "+strconv.Quote(want)) {
			t.Errorf("the fields: %s, want %s", fieldOrder(t, ctx), want)
		}
	}
	load(http.StatusOK, chromedp.Navigate(base+overview))
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	moved("nom_de_l_eleve commune_de_residence famille_boursiere echelon_de_bourse freres_et_soeurs_scolarises justificatif_de_domicile",
		chromedp.Focus(css("#monter-freres_et_soeurs_scolarises")), chromedp.KeyEvent("\r"))
	if focused := browsertest.Focused(t, ctx, "monter-freres_et_soeurs_scolarises"); focused != "monter-freres_et_soeurs_scolarises" {
		t.Errorf("after moving, the focus is on %q", focused)
	}
	// The conditional field follows its trigger.
	moved("nom_de_l_eleve commune_de_residence freres_et_soeurs_scolarises famille_boursiere echelon_de_bourse justificatif_de_domicile",
		chromedp.KeyEvent("\r"))
	moved("nom_de_l_eleve commune_de_residence famille_boursiere echelon_de_bourse freres_et_soeurs_scolarises justificatif_de_domicile",
		chromedp.Focus(css("#descendre-freres_et_soeurs_scolarises")), chromedp.KeyEvent("\r"))
	if !browsertest.Holds(t, ctx, `window.notReloaded === true`) {
		t.Error("moving a field reloaded the page")
	}
	if disabled := browsertest.HasAttribute(t, ctx, "#monter-nom_de_l_eleve", "disabled"); !disabled {
		t.Error("the first field can move up")
	}

	// Three steps.
	load(http.StatusOK, chromedp.Navigate(base+overview+"/steps"))
	browsertest.Do(t, ctx,
		chromedp.SendKeys(css("#title-0"), "L'élève"), chromedp.SendKeys(css("#title-1"), "La famille"),
		chromedp.SetValue(css("#start-1"), "famille_boursiere"))
	load(http.StatusOK, chromedp.Click(css("#save-steps")))
	load(http.StatusOK, chromedp.Navigate(base+overview+"/steps"))
	if legend := browsertest.Text(t, ctx, "fieldset:nth-of-type(2) legend"); legend != "Étape 2 : La famille" {
		t.Errorf("the second step reads %q", legend)
	}
	browsertest.Do(t, ctx,
		chromedp.SendKeys(css("#title-2"), "Pièces justificatives"), chromedp.SetValue(css("#start-2"), "justificatif_de_domicile"))
	check("13-builder-steps")
	load(http.StatusOK, chromedp.Click(css("#save-steps")))
	if lint := browsertest.Text(t, ctx, "#lint"); lint != "La vérification ne trouve rien à corriger." {
		t.Errorf("lint after the steps: %q", lint)
	}
	load(http.StatusOK, chromedp.Navigate(base+overview+"/steps/3/condition"))
	check("35-builder-step-condition")

	// Two routing rules, checked with the dry run.
	load(http.StatusOK, chromedp.Navigate(base+overview+"/routing"))
	browsertest.Do(t, ctx,
		chromedp.SetValue(css("#rule-0-field"), "commune_de_residence"), chromedp.SendKeys(css("#rule-0-values"), "Thionville\nYutz"),
		chromedp.SetValue(css("#rule-0-department"), "mdd-thionville"),
		chromedp.SetValue(css("#rule-1-field"), "famille_boursiere"), chromedp.SendKeys(css("#rule-1-values"), "oui"),
		chromedp.SetValue(css("#rule-1-department"), "solidarites"))
	load(http.StatusOK, chromedp.Click(css("#save-routing")))
	if v := browsertest.Value(t, ctx, "#rule-0-values"); v != "Thionville\nYutz" {
		t.Errorf("the rule reads back as %q", v)
	}
	// The dry run asks with the form's own controls, and says which rule
	// sends where.
	for _, trial := range []struct {
		commune, boursiere, want string
	}{
		{"57757", "", "Maison du Département de Thionville | règle 1"},
		{"57463", "true", "Solidarités | règle 2"},
		{"", "", "Service des transports | aucune règle : le service par défaut"},
	} {
		load(http.StatusOK, chromedp.SetValue(css("#try-commune_de_residence"), trial.commune),
			chromedp.SetValue(css("#try-famille_boursiere"), trial.boursiere), chromedp.Click(css("#dry-run")))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#routes tbody tr:first-child td")].slice(1).`+
			`map(td => td.textContent).join(" | ")`))
		if err != nil || got != trial.want {
			t.Errorf("dry run of %s, %s: %q, %v", trial.commune, trial.boursiere, got, err)
		}
	}
	check("14-builder-routing")

	// The preview renders the draft with the real renderer.
	load(http.StatusOK, chromedp.Navigate(base+overview+"/preview"))
	if h1 := browsertest.Text(t, ctx, "h1"); h1 != "L'élève" {
		t.Errorf("preview's first step: %q", h1)
	}
	load(http.StatusUnprocessableEntity, chromedp.Click(css("#send")))
	if summary := browsertest.Text(t, ctx, "#error-summary"); !strings.Contains(summary, "Nom de l'élève") {
		t.Errorf("preview errors: %q", summary)
	}
	check("15-builder-preview")

	// Publication.
	load(http.StatusOK, chromedp.Navigate(base+overview))
	check("10-builder-form")
	load(http.StatusOK, chromedp.Click(css("#publish")))
	if drafts := browsertest.Text(t, ctx, "#drafts"); drafts != "Aucun brouillon n'est en cours sur ce formulaire." {
		t.Errorf("the publication page says %q", drafts)
	}
	check("33-builder-publication")
	load(http.StatusOK, chromedp.Click(css("#confirm-publish")))
	if notice := browsertest.Text(t, ctx, "[role=status]"); !strings.Contains(notice, "publié") {
		t.Fatalf("publishing: %q", notice)
	}
	load(http.StatusOK, chromedp.Navigate(base+overview+"/versions"))
	check("16-builder-versions")
	load(http.StatusOK, chromedp.Navigate(base+"/admin/forms"))
	check("12-builder-list")

	// A citizen, in another browser, fills the published form in.
	citizen := browsertest.New(t)
	fill := func(want int64, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, citizen, actions...); status != want {
			t.Fatalf("citizen: status %d, want %d: %s", status, want, browsertest.Text(t, citizen, "main"))
		}
	}
	field := func(name string) chromedp.CSS { return css(`[name="` + name + `"]`) }
	fill(http.StatusOK, chromedp.Navigate(base+"/f/transport-scolaire"))
	fill(http.StatusOK, chromedp.SendKeys(field("nom_de_l_eleve"), "Léa Schmitt"),
		chromedp.SetValue(field("commune_de_residence"), "57672"), chromedp.Click(css("#send")))
	if h1 := browsertest.Text(t, citizen, "h1"); h1 != "La famille" {
		t.Fatalf("second step: %q", h1)
	}
	fill(http.StatusOK, chromedp.Click(css(`button[value="add:freres_et_soeurs_scolarises"]`)))
	fill(
		http.StatusOK,
		chromedp.Click(field("famille_boursiere")),
		chromedp.SendKeys(field("echelon_de_bourse"), "3"),
		chromedp.SendKeys(
			field("freres_et_soeurs_scolarises.0.prenom"),
			"Hugo",
		),
		chromedp.SendKeys(field("freres_et_soeurs_scolarises.0.age"), "12"),
		chromedp.Click(css("#send")),
	)
	upload := filepath.Join(t.TempDir(), "facture-edf.pdf")
	if err := os.WriteFile(upload, []byte("%PDF-1.4\n% facture\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fill(http.StatusOK, chromedp.SetUploadFiles(field("justificatif_de_domicile"), []string{upload}), chromedp.Click(css("#send")))
	fill(http.StatusOK, chromedp.Click(css("#send")))
	reference := browsertest.Text(t, citizen, "#reference")
	pdfURL := browsertest.Attribute(t, citizen, "#download-pdf", "href")
	record := api.WaitStatus(reference, pdfURL[strings.Index(pdfURL, "token=")+6:], "routed")
	if record["department"] != "mdd-thionville" || record["formVersion"] != 1.0 {
		t.Errorf("the submission: %v", record)
	}
	inbox := api.Must(200, "GET", "/api/departments/mdd-thionville/submissions", adminToken, "")
	if !strings.Contains(string(inbox.Body), reference) {
		t.Errorf("the Thionville inbox lacks %s: %s", reference, inbox.Body)
	}
	text := strings.Join(strings.Fields(pdftest.Text(t, api.Must(200, "GET", pdfURL, "", "").Body)), " ")
	for _, want := range []string{
		reference,
		"Aide au transport scolaire",
		"Nom de l'élève",
		"Léa Schmitt",
		"Commune de résidence",
		"Thionville",
		"Famille boursière",
		"Oui",
		"Échelon de bourse",
		"3",
		"Frères et sœurs scolarisés",
		"Hugo",
		"12",
		"facture-edf.pdf",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
}
