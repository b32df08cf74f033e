package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

// The OpenAPI document holds each published version's data schema, and a
// submit operation per form whose body is typed by its latest version.
func TestOpenAPIDescribesEachFormsData(t *testing.T) {
	g := start(t, t.TempDir(), true)
	draft := `{"title": "Carte %s", "audience": "public", "routing": {"default": "transports"},
		"schema": {"type": "object", "required": ["domicile"],
			"definitions": {"adresse": {"type": "object", "title": "Adresse", "required": ["ville"],
				"properties": {"ville": {"type": "string", "title": "Ville", "minLength": 2}}}},
			"properties": {"domicile": {"title": "Domicile", "allOf": [{"$ref": "#/definitions/adresse"}]}}}}`
	for _, edition := range []string{"2026", "2027"} {
		g.must(200, "PUT", "/api/forms/carte/draft", adminToken, strings.Replace(draft, "%s", edition, 1))
		g.must(200, "POST", "/api/forms/carte/publish", adminToken, "")
	}

	// Anonymous readers see the public forms only.
	anonymous := string(g.Must(200, "GET", "/api/openapi.json", "", "").Body)
	if strings.Contains(anonymous, "demande-conges") || !strings.Contains(anonymous, "FormData.carte.v2") {
		t.Error("the anonymous OpenAPI document shows an internal form, or lacks a public one")
	}
	var doc map[string]any
	if err := json.Unmarshal(g.Must(200, "GET", "/api/openapi.json", adminToken, "").Body, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"FormData.carte.v1", "FormData.carte.v2", "FormData.transport-scolaire.v1", "FormData.demande-conges.v1"} {
		if schemas[name] == nil {
			t.Errorf("no component %s", name)
		}
	}
	if title := schemas["FormData.carte.v1"].(map[string]any)["title"]; title != "Carte 2026 (version 1)" {
		t.Errorf("v1 title %v", title)
	}
	paths := doc["paths"].(map[string]any)
	submit := paths["/api/forms/carte/submissions"].(map[string]any)["post"].(map[string]any)
	if submit["operationId"] != "submit-carte" {
		t.Errorf("operation %v", submit["operationId"])
	}
	body, _ := json.Marshal(submit["requestBody"])
	if !strings.Contains(string(body), `"$ref":"#/components/schemas/FormData.carte.v2"`) {
		t.Errorf("the body is not typed by the latest version: %s", body)
	}
	security := func(id string) string {
		raw, _ := json.Marshal(paths["/api/forms/"+id+"/submissions"].(map[string]any)["post"].(map[string]any)["security"])
		return string(raw)
	}
	if s := security("carte"); s != "[{}]" {
		t.Errorf("a public form asks for %s", s)
	}
	if s := security("demande-conges"); !strings.Contains(s, "bearer") || strings.Contains(s, "{}]") {
		t.Errorf("an internal form asks for %s", s)
	}

	// The component is the form's own schema: its references resolve
	// inside the document, and it accepts what the API accepts.
	doc["$ref"] = "#/components/schemas/FormData.carte.v2"
	schema, err := gojsonschema.NewSchema(gojsonschema.NewGoLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for data, valid := range map[string]bool{`{"domicile": {"ville": "Metz"}}`: true, `{"domicile": {"ville": "M"}}`: false, `{}`: false} {
		result, err := schema.Validate(gojsonschema.NewStringLoader(data))
		if err != nil || result.Valid() != valid {
			t.Errorf("%s: valid %v (%v), want %v", data, result != nil && result.Valid(), err, valid)
		}
		status := 422
		if valid {
			status = 201
		}
		g.Must(status, "POST", "/api/forms/carte/submissions", "", `{"data": `+data+`}`)
	}

	if yaml := string(g.Must(200, "GET", "/api/openapi.yaml", "", "").Body); !strings.Contains(yaml, "FormData.carte.v2") {
		t.Error("the YAML document lacks the forms")
	}
}
