package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/guichet/guichet/bus"
)

// Exports stream a form's submissions with each version's labels, only
// those of the caller's departments, cells safe from formula injection.
func TestExports(t *testing.T) {
	s := startWithPermis(t)
	agent := s.issueToken("m-weber", "agent", true, "accueil")
	submitted := func(data string) string {
		r := s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":`+data+`}`).JSON(t)
		s.WaitStatus(r["reference"].(string), r["token"].(string), "routed")
		return r["reference"].(string)
	}
	first := submitted(`{"nom":"=HYPERLINK(\"http://evil\")","commune":"Metz"}`)
	finances := submitted(`{"nom":"Klein","commune":"Thionville"}`)
	// A label, too, can carry a formula.
	relabelled := strings.Replace(
		strings.Replace(publicForm, `"title": "Nom"`, `"title": "Nom de famille"`, 1),
		`"title": "Commune"`,
		`"title": "=Commune"`,
		1,
	)
	s.Must(200, "PUT", "/api/forms/permis/draft", adminToken, relabelled)
	s.Must(200, "POST", "/api/forms/permis/publish", adminToken, "")
	second := submitted(`{"nom":"Weber;=1+1","commune":"Metz"}`)

	r := s.Must(200, "GET", "/api/forms/permis/submissions/export?format=csv", agent, "")
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "permis.csv") {
		t.Errorf("headers: %v", r.Header)
	}
	// As a French spreadsheet reads it: UTF-8 with its mark, semicolons,
	// every cell quoted.
	body, bom := bytes.CutPrefix(r.Body, []byte("\ufeff"))
	if !bom || !bytes.HasPrefix(body, []byte(`"Référence";"Déposé le"`)) {
		t.Errorf("the CSV does not start as a French spreadsheet reads it: %.60q", r.Body)
	}
	reader := csv.NewReader(bytes.NewReader(body))
	reader.Comma = ';'
	rows, err := reader.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], "|") != "Référence|Déposé le|Version|État|Service|Nom de famille|'=Commune|Pièce "+
		"justificative" {
		t.Fatalf("csv = %q", rows)
	}
	if rows[1][0] != first || rows[1][5] != `'=HYPERLINK("http://evil")` || rows[1][2] != "1" || rows[2][0] != second ||
		rows[2][5] != "Weber;'=1+1" ||
		rows[2][2] != "2" {
		t.Errorf("rows = %q", rows[1:])
	}
	if strings.Contains(string(r.Body), finances) {
		t.Error("an agent exported another department's submission")
	}
	stream, err2 := s.app.Bus.JS.Stream(t.Context(), bus.StreamAudit)
	if err2 != nil {
		t.Fatal(err2)
	}
	last, err := stream.GetLastMsgForSubject(t.Context(), bus.AuditSubject("dossiers.exported", "_"))
	if err != nil || !strings.Contains(string(last.Data), `"by":"m-weber"`) || !strings.Contains(string(last.Data), "permis csv 2") {
		t.Errorf("export in the security log: %s, %v", last.Data, err)
	}

	var items []map[string]any
	if err := json.Unmarshal(s.Must(200, "GET", "/api/forms/permis/submissions/export?format=json", adminToken, "").Body, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0]["answers"].([]any)[0].(map[string]any)["label"] != "Nom" ||
		items[2]["answers"].([]any)[0].(map[string]any)["label"] != "Nom de famille" {
		t.Errorf("json = %v", items)
	}
	got := s.Must(
		200,
		"GET",
		"/api/forms/permis/submissions/export?format=json&from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z",
		adminToken,
		"",
	).Body
	if strings.TrimSpace(string(got)) != "[]" {
		t.Errorf("an empty period: %s", got)
	}
	s.Must(404, "GET", "/api/forms/inconnu/submissions/export", agent, "")
	s.Must(401, "GET", "/api/forms/permis/submissions/export", "", "")

}
