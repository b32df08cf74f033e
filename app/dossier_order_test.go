package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/submit"
)

// orderForm asks whether the applicant has a car, its plate only if so, then
// the commune and a file: the plate is a conditional field in the middle.
const orderForm = `{
	"title": "Carte de stationnement", "audience": "public",
	"schema": {"type": "object", "properties": {
		"vehicule": {"type": "string", "title": "Avez-vous un véhicule ?", "enum": ["oui", "non"]},
		"commune": {"type": "string", "title": "Commune de résidence"},
		"justificatif": {"type": "string", "format": "data-url", "title": "Justificatif de domicile"}},
		"allOf": [{"if": {"properties": {"vehicule": {"const": "oui"}}, "required": ["vehicule"]},
			"then": {"properties": {"immatriculation": {"type": "string", "title": "Immatriculation"}}}}]},
	"uiSchema": {"ui:order": ["vehicule", "commune", "justificatif"]},
	"routing": {"default": "accueil"}
}`

// The dossier, the PDF record and the CSV export read as the form does:
// the conditional answer right after the answer that decides it, and the
// file by its name, never "attachment:0".
func TestDossierInTheFormsOrder(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/stationnement/draft", adminToken, orderForm)
	in.Must(200, "POST", "/api/forms/stationnement/publish", adminToken, "")
	body, _ := json.Marshal(map[string]any{"data": map[string]string{"vehicule": "oui", "immatriculation": "GE-123-QT",
		"commune": "Sarreguemines", "justificatif": submit.DataURL("facture-edf.pdf", "application/pdf", []byte("%PDF-1.7\n%%EOF\n"))}})
	receipt := in.Must(201, "POST", "/api/forms/stationnement/submissions", "", string(body)).JSON(t)
	ref, token := receipt["reference"].(string), receipt["token"].(string)
	in.WaitProcessed(ref, token)
	inOrder := func(where, text string) {
		t.Helper()
		last := -1
		for _, want := range []string{"Avez-vous un véhicule", "Immatriculation", "GE-123-QT", "Commune de résidence", "Sarreguemines",
			"Justificatif de domicile", "facture-edf.pdf"} {
			at := strings.Index(text, want)
			if at <= last {
				t.Errorf("%s: %q is out of the form's order (at %d, after %d)", where, want, at, last)
			}
			last = max(last, at)
		}
		if strings.Contains(text, "attachment:") {
			t.Errorf("%s shows a file as attachment:<n>", where)
		}
	}
	page := in.signIn("bootstrap-admin").get("/dossiers/" + ref)
	inOrder("the dossier", page[strings.Index(page, "<main"):])
	inOrder("the PDF record", pdftest.Text(t, in.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "").Body))
	csv := strings.SplitN(string(in.Must(200, "GET", "/api/forms/stationnement/submissions/export?format=csv", adminToken, "").Body), "\n", 2)
	want := []string{`"Avez-vous un véhicule ?";"Immatriculation";"Commune de résidence";"Justificatif de domicile"`,
		`"oui";"GE-123-QT";"Sarreguemines";"facture-edf.pdf"`}
	for i, line := range csv {
		if !strings.Contains(line, want[i]) {
			t.Errorf("the CSV export's line %d is out of the form's order: %s", i+1, line)
		}
	}
}
