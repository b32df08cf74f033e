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

// On the form's page, with JavaScript, a field is edited in place: each
// change saves by itself and says so, a refused change says why and keeps
// what was typed, and the preview beside shows the change. A field dropped
// on another takes its place, and one is added, without the page being
// loaded again. Without JavaScript, "Modifier" opens the field's page.
func TestOnePageEditor(t *testing.T) {
	api, base := startWithAdmin(t)
	api.Must(200, "PUT", "/api/forms/subvention/draft", adminToken, `{"title":"Subvention","audience":"public",
		"schema":{"type":"object","properties":{"nom":{"type":"string","title":"Nom"},"ville":{"type":"string","title":"Ville"},
			"montant":{"type":"number","title":"Montant"}}},"uiSchema":{"ui:order":["nom","ville","montant"]},"routing":{"default":"transports"}}`)
	ctx := browsertest.New(t)
	signIn(t, ctx, base)
	waitFor := func(js string) {
		t.Helper()
		if !browsertest.Holds(t, ctx, js) {
			t.Fatalf("never %s", js)
		}
	}
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/admin/forms/subvention"))
	browsertest.Do(t, ctx, chromedp.Click(css(`#champ-ville a[data-inline-edit]`)))
	waitFor(`!!document.querySelector("#champ-ville .inline-editor #label")`)
	empty := func(selector string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + "`" + selector + "`" + `).value = ""`)
	}
	browsertest.Do(t, ctx, empty(`#champ-ville .inline-editor #label`),
		chromedp.SendKeys(chromedp.CSS(`#champ-ville .inline-editor #label`), "Ville de résidence"))
	waitFor(`document.querySelector("#champ-ville .save-status").textContent === "Enregistré."`)
	if got := fieldNames(t, api, "subvention"); got != "nom ville montant" {
		t.Errorf("the fields after an edit in place: %s", got)
	}
	if label := browsertest.Text(t, ctx, "#champ-ville .field-summary strong"); label != "Ville de résidence" {
		t.Errorf("the field's summary reads %q", label)
	}
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("the form's page with a field edited in place: %s", v)
	}
	waitFor(`document.getElementById("preview-frame").contentDocument.body.textContent.includes("Ville de résidence")`)
	browsertest.Screenshot(t, ctx, "37-builder-one-page")
	// A refused change keeps what was typed, and says why.
	browsertest.Do(t, ctx, empty(`#champ-ville .inline-editor #label`),
		chromedp.SendKeys(chromedp.CSS(`#champ-ville .inline-editor #hint`), "La commune"))
	waitFor(`document.querySelector("#champ-ville .save-status").textContent.startsWith("Non enregistré")`)
	if status := browsertest.Text(t, ctx, "#champ-ville .save-status"); !strings.Contains(status, "Donnez un libellé") {
		t.Errorf("the refusal says %q", status)
	}
	if hint := browsertest.Value(t, ctx, `#champ-ville .inline-editor #hint`); hint != "La commune" {
		t.Errorf("what was typed became %q", hint)
	}
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#champ-ville .inline-editor #label`), "Commune"))
	waitFor(`document.querySelector("#champ-ville .save-status").textContent === "Enregistré."`)
	// The preview, beside, shows the field as saved.
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#preview-frame")))
	if err != nil || len(nodes) == 0 {
		t.Fatalf("no preview: %v", err)
	}
	var shown string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(shown, "Commune"); {
		time.Sleep(200 * time.Millisecond)
		nodes, _ = chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#preview-frame")))
		shown, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"), chromedp.FromNode(nodes[0])))
	}
	if !strings.Contains(shown, "Commune") || !strings.Contains(shown, "La commune") || strings.Contains(shown, "Retour au constructeur") {
		t.Errorf("the preview shows:\n%s", shown)
	}

	// Dropped on the first field, the last takes its place, and the page
	// is not loaded again.
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`), dropOn("champ-montant", "champ-nom"))
	waitFor(listedFields + ` === "montant nom ville"`)
	if got := fieldNames(t, api, "subvention"); got != "montant nom ville" {
		t.Errorf("after the drop: %s", got)
	}

	// A field is added in place: its form opens under the button, a
	// refusal keeps it open and says why, and the field added is listed
	// with the focus on it.
	browsertest.Do(t, ctx, chromedp.SetValue(css("#new-type"), "email"), chromedp.Click(css("#add-field")),
		chromedp.Click(css(".inline-editor #save-field")))
	waitFor(`document.querySelector(".inline-editor .save-status").textContent.startsWith("Non enregistré")`)
	browsertest.Screenshot(t, ctx, "38-builder-add-in-place")
	// "Annuler" closes it, and gives the focus back to the button.
	browsertest.Do(t, ctx, chromedp.Click(css(".inline-editor a[data-close]")))
	waitFor(`!document.querySelector(".inline-editor") && document.activeElement.id === "add-field"`)
	browsertest.Do(t, ctx, chromedp.Click(css("#add-field")))
	browsertest.Do(t, ctx, chromedp.SendKeys(css(".inline-editor #label"), "Courriel"), chromedp.Click(css(".inline-editor #save-field")))
	waitFor(listedFields + ` === "montant nom ville courriel" && !document.querySelector(".inline-editor")`)
	waitFor(`document.activeElement.closest("li").id === "champ-courriel"`)
	if notice := browsertest.Text(t, ctx, "#form-editor [role=status]"); notice != "Le champ est ajouté." {
		t.Errorf("after adding: %q", notice)
	}
	// Renamed in place, a field keeps its editor open, under its new name.
	browsertest.Do(t, ctx, chromedp.Click(css(`#champ-nom a[data-inline-edit]`)))
	waitFor(`!!document.querySelector("#champ-nom .inline-editor #name")`)
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("#champ-nom .inline-editor #name").value = ""`),
		chromedp.SendKeys(css(`#champ-nom .inline-editor #name`), "nom_complet"))
	waitFor(`document.querySelector("#champ-nom_complet .save-status")?.textContent === "Enregistré."`)
	if got := fieldNames(t, api, "subvention"); got != "montant nom_complet ville courriel" {
		t.Errorf("after renaming: %s", got)
	}
	if focused := browsertest.Focused(t, ctx, "name"); focused != "name" {
		t.Errorf("after renaming, the focus is on %q", focused)
	}
	waitFor(`window.notReloaded === true`)
	for _, v := range browsertest.Axe(t, ctx) {
		t.Errorf("the form's page after changes in place: %s", v)
	}

	// With two fields, which have no "Déplacer", a drop moves them too.
	api.Must(200, "PUT", "/api/forms/deux/draft", adminToken, `{"title":"Deux","audience":"public",
		"schema":{"type":"object","properties":{"a":{"type":"string","title":"A"},"b":{"type":"string","title":"B"}}},
		"uiSchema":{"ui:order":["a","b"]},"routing":{"default":"transports"}}`)
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/admin/forms/deux"))
	browsertest.Do(t, ctx, dropOn("champ-b", "champ-a"))
	waitFor(listedFields + ` === "b a"`)

	plain := browsertest.New(t)
	browsertest.WithoutJavaScript(t, plain)
	signIn(t, plain, base)
	browsertest.Load(t, plain, chromedp.Navigate(base+"/admin/forms/subvention"))
	if status := browsertest.Load(t, plain, chromedp.Click(css(`#champ-ville a[data-inline-edit]`))); status != http.StatusOK {
		t.Errorf("the field's page without JavaScript: %d", status)
	}
	if h1 := browsertest.Text(t, plain, "h1"); !strings.HasPrefix(h1, "Commune") {
		t.Errorf("without JavaScript, Modifier opens %q", h1)
	}
}

// dropOn drags the element of id from and drops it on the element of id
// to, as a mouse would.
func dropOn(from, to string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => {
		const from = document.getElementById(` + strconv.Quote(from) + `), to = document.getElementById(` + strconv.Quote(to) + `);
		const data = new DataTransfer();
		from.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: data}));
		to.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: data}));
		to.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: data}));
	})()`)
}
