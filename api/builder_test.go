package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/pdftest"
)

// Publishing lints; versions are immutable and each submission keeps its
// version's labels; versions compare; definitions export and import whole.
func TestBuilderAPI(t *testing.T) {
	s := startServer(t)
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	v1 := `{"title":"Aide","audience":"public","schema":{"type":"object","required":["nom"],"properties":{
		"nom":{"type":"string","title":"Nom du demandeur"},"age":{"type":"integer"}}},"routing":{"default":"accueil"}}`

	// The lint refuses the draft until every field has a label.
	s.Must(200, "PUT", "/api/forms/aide/draft", adminToken, v1)
	problems := s.Must(200, "POST", "/api/forms/aide/lint", adminToken, "").JSON(t)["problems"].([]any)
	if len(problems) != 1 || problems[0].(map[string]any)["location"] != "schema.properties.age.title" {
		t.Fatalf("lint = %v", problems)
	}
	refused := s.Must(422, "POST", "/api/forms/aide/publish", adminToken, "").JSON(t)
	if !strings.Contains(string(mustJSON(t, refused)), "body.schema.properties.age.title") {
		t.Errorf("publishing an unlabelled field: %v", refused)
	}
	v1 = strings.Replace(v1, `"age":{"type":"integer"}`, `"age":{"type":"integer","title":"Âge"}`, 1)
	s.Must(200, "PUT", "/api/forms/aide/draft", adminToken, v1)
	s.Must(200, "POST", "/api/forms/aide/publish", adminToken, "")

	// A submission to version 1 keeps version 1's labels after version 2.
	receipt := s.Must(201, "POST", "/api/forms/aide/submissions", "", `{"data":{"nom":"Weber","age":40}}`).JSON(t)
	ref, token := receipt["reference"].(string), receipt["token"].(string)
	s.Must(200, "PUT", "/api/forms/aide/draft", adminToken, strings.Replace(v1, "Nom du demandeur", "Nom de famille", 1))
	if v := s.Must(200, "POST", "/api/forms/aide/publish", adminToken, "").JSON(t)["version"]; v != 2.0 {
		t.Fatalf("second version = %v", v)
	}
	s.WaitProcessed(ref, token)
	text := pdftest.Text(t, s.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "").Body)
	if !strings.Contains(text, "Nom du demandeur") || strings.Contains(text, "Nom de famille") {
		t.Errorf("the version 1 submission's PDF:\n%s", text)
	}
	schema := s.Must(200, "GET", "/api/forms/aide/versions/1", "", "").JSON(t)["schema"].(map[string]any)
	if schema["properties"].(map[string]any)["nom"].(map[string]any)["title"] != "Nom du demandeur" {
		t.Error("version 1 changed")
	}

	changes := s.Must(200, "GET", "/api/forms/aide/diff?from=1&to=2", adminToken, "").JSON(t)["changes"].([]any)
	if len(changes) != 1 || changes[0].(map[string]any)["kind"] != "relabelled" || changes[0].(map[string]any)["to"] != "Nom de famille" {
		t.Errorf("diff = %v", changes)
	}
	s.Must(404, "GET", "/api/forms/aide/diff?from=1&to=3", adminToken, "")

	// Export, then import under another id: the same definition.
	exported := s.Must(200, "GET", "/api/forms/aide/export?version=1", adminToken, "")
	if !strings.Contains(exported.Header.Get("Content-Disposition"), `aide-v1.json`) {
		t.Errorf("export served as %v", exported.Header)
	}
	file := exported.JSON(t)
	if file["schema"] == nil || file["uiSchema"] != nil && file["uiSchema"] == "" || file["version"] != 1.0 {
		t.Errorf("export = %v", file)
	}
	file["id"] = "aide-copie"
	s.Must(200, "POST", "/api/forms/import", adminToken, string(mustJSON(t, file)))
	s.Must(200, "POST", "/api/forms/aide-copie/publish", adminToken, "")
	copied := s.Must(200, "GET", "/api/forms/aide-copie/export", adminToken, "").JSON(t)
	if string(mustJSON(t, copied["schema"])) != string(mustJSON(t, file["schema"])) || copied["title"] != file["title"] {
		t.Errorf("import lost something:\n%v\n%v", copied, file)
	}
	// The dry run tries the draft's rules on samples and on the last submissions.
	s.Must(200, "PUT", "/api/departments/finances", adminToken, `{"name":"Finances"}`)
	s.Must(200, "PUT", "/api/forms/aide/draft", adminToken, strings.Replace(
		v1,
		`"routing":{"default":"accueil"}`,
		`"routing":{"default":"accueil","rules":[{"when":{"properties":{"age":{"minimum":30}},"required":["age"]},"department":"finances"}]}`,
		1,
	))
	routes := s.Must(200, "POST", "/api/forms/aide/routing/dry-run", adminToken, `{"samples":[{"nom":"A","age":20},{"nom":"B","age":65}],`+
		`"replay":10}`).JSON(t)["routes"].([]any)
	var got []string
	for _, r := range routes {
		route := r.(map[string]any)
		got = append(got, fmt.Sprint(route["reference"], ">", route["department"]))
	}
	if strings.Join(got, " ") != "<nil>>accueil <nil>>finances "+ref+">finances" {
		t.Errorf("dry run = %v", got)
	}

	// Unpublished, a form takes no more submissions; its versions stay.
	s.Must(204, "POST", "/api/forms/aide/unpublish", adminToken, "")
	s.Must(404, "GET", "/api/forms/aide", "", "")
	s.Must(404, "POST", "/api/forms/aide/submissions", "", `{"data":{"nom":"Klein","age":3}}`)
	s.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "")
	s.Must(404, "POST", "/api/forms/aide/unpublish", adminToken, "")
	if v := s.Must(200, "POST", "/api/forms/aide/publish", adminToken, "").JSON(t)["version"]; v != 3.0 {
		t.Errorf("publishing again made version %v", v)
	}

	// Archived, a form leaves the catalogue and cannot be published until restored.
	s.Must(204, "POST", "/api/forms/aide/archive", adminToken, "")
	s.Must(404, "GET", "/api/forms/aide", "", "")
	s.Must(409, "POST", "/api/forms/aide/publish", adminToken, "")
	s.Must(204, "POST", "/api/forms/aide/restore", adminToken, "")
	s.Must(200, "POST", "/api/forms/aide/publish", adminToken, "")
	s.Must(404, "POST", "/api/forms/inconnu/archive", adminToken, "")

	// Every change is in the security log, with who made it.
	stream, err := s.app.Bus.JS.Stream(t.Context(), bus.StreamAudit)
	if err != nil {
		t.Fatal(err)
	}
	last, err := stream.GetLastMsgForSubject(t.Context(), bus.AuditSubject("form.published", "_"))
	if err != nil || !strings.Contains(string(last.Data), `"by":"bootstrap-admin"`) ||
		!strings.Contains(string(last.Data), `"detail":"aide v4"`) {
		t.Errorf("last publication in the security log: %s, %v", last.Data, err)
	}

	bad := s.Do("POST", "/api/forms/import", adminToken, `{"id":"piege","title":"Piège","audience":"public",`+
		`"schema":{"$ref":"file:///etc/passwd"},"routing":{"default":"accueil"}}`)
	if bad.Status != 422 {
		t.Errorf("importing an unsafe schema: %d", bad.Status)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// The builder's field operations, through the API.
func TestFieldOperations(t *testing.T) {
	s := startServer(t)
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/forms/vide/draft", adminToken, `{"title":"Demande","audience":"public","schema":{"type":"object"},`+
		`"routing":{"default":"accueil"}}`)
	s.Must(201, "POST", "/api/forms/vide/fields", adminToken, `{"type":"short-text","name":"nom","label":"Nom","required":true,`+
		`"maxLength":100}`)
	s.Must(201, "POST", "/api/forms/vide/fields", adminToken, `{"type":"siret","name":"siret","label":"SIRET"}`)
	s.Must(201, "POST", "/api/forms/vide/fields", adminToken, `{"type":"single-choice","name":"domaine","label":"Domaine",`+
		`"choices":[{"value":"culture","label":"Culture"},{"value":"sport","label":"Sport"}]}`)
	s.Must(422, "POST", "/api/forms/vide/fields", adminToken, `{"type":"single-choice","name":"vide","label":"Sans choix"}`)
	s.Must(200, "POST", "/api/forms/vide/fields/domaine/move", adminToken, `{"by":-2}`)
	s.Must(201, "POST", "/api/forms/vide/fields/nom/duplicate", adminToken, "")
	s.Must(200, "PUT", "/api/forms/vide/fields/nom_2", adminToken, `{"type":"short-text","name":"prenom","label":"Prénom"}`)
	s.Must(204, "DELETE", "/api/forms/vide/fields/siret", adminToken, "")
	s.Must(404, "DELETE", "/api/forms/vide/fields/siret", adminToken, "")
	list := s.Must(200, "GET", "/api/forms/vide/fields", adminToken, "").JSON(t)["fields"].([]any)
	var got []string
	for _, f := range list {
		field := f.(map[string]any)
		got = append(got, fmt.Sprint(field["name"], ":", field["type"], ":", field["required"] == true))
	}
	if strings.Join(got, " ") != "domaine:single-choice:false nom:short-text:true prenom:short-text:false" {
		t.Errorf("fields = %v", got)
	}
	s.Must(200, "POST", "/api/forms/vide/publish", adminToken, "")
	s.Must(201, "POST", "/api/forms/vide/submissions", "", `{"data":{"nom":"Weber","prenom":"Anne","domaine":"sport"}}`)
}
