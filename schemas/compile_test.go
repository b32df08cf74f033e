package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

// countingServer fails the test if anything fetches from it.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"type":"string"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestCompileRefusesUnsafeSchemas(t *testing.T) {
	srv, hits := countingServer(t)
	file := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(file, []byte(`{"type":"string"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	deep := `{"type":"string"}`
	for range MaxSchemaDepth + 2 {
		deep = `{"type":"object","properties":{"a":` + deep + `}}`
	}
	cases := []struct {
		name, schema, location string
	}{
		{"http ref", `{"$ref":"` + srv.URL + `/s.json"}`, "schema.$ref"},
		{"file ref", `{"$ref":"file://` + file + `"}`, "schema.$ref"},
		{"relative ref", `{"$ref":"secret.json#/a"}`, "schema.$ref"},
		{"ref in a property", `{"type":"object","properties":{"nom":{"$ref":"` + srv.URL + `"}}}`, "schema.properties.nom.$ref"},
		{"ref in array items", `{"type":"array","items":[{"$ref":"file:///etc/passwd"}]}`, "schema.items[0].$ref"},
		{"ref in allOf", `{"allOf":[{"$ref":"` + srv.URL + `"}]}`, "schema.allOf[0].$ref"},
		{"ref in definitions", `{"definitions":{"x":{"$ref":"` + srv.URL + `"}}}`, "schema.definitions.x.$ref"},
		{"ref in if", `{"if":{"$ref":"` + srv.URL + `"}}`, "schema.if.$ref"},
		{"$id changes the base", `{"$id":"` + srv.URL + `/","definitions":{"a":{}},"$ref":"#/definitions/a"}`, "schema.$id"},
		{"draft-04 id", `{"properties":{"a":{"id":"` + srv.URL + `"}}}`, "schema.properties.a.id"},
		{"other draft", `{"$schema":"http://json-schema.org/draft-04/schema#"}`, "schema.$schema"},
		{"bad field name", `{"type":"object","properties":{"a.b":{"type":"string"}}}`, "schema.properties.a.b"},
		{"too deep", deep, "schema"},
		{"too large", `{"description":"` + strings.Repeat("x", MaxSchemaBytes) + `"}`, "schema"},
		{"not JSON", `{"type":`, "schema"},
		{"not an object", `["type"]`, "schema"},
		{"invalid keyword value", `{"type":"strung"}`, "schema"},
		{"invalid regex", `{"type":"string","pattern":"(?<=x)"}`, "schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(json.RawMessage(c.schema), "schema")
			var def *DefinitionError
			if !errors.As(err, &def) {
				t.Fatalf("Compile accepted an unsafe schema (err = %v)", err)
			}
			found := false
			for _, p := range def.Problems {
				found = found || strings.HasPrefix(p.Location, c.location)
				if p.Message.FR == "" || p.Message.EN == "" {
					t.Errorf("problem at %s lacks a message: %+v", p.Location, p.Message)
				}
			}
			if !found {
				t.Errorf("no problem at %s: %+v", c.location, def.Problems)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("a schema made the server fetch %d times", n)
	}
}

// The loader refuses external documents even if the keyword walk let one by.
func TestLocalOnlyLoaderNeverFetches(t *testing.T) {
	srv, hits := countingServer(t)
	loader := gojsonschema.NewSchemaLoader()
	doc := map[string]any{"$ref": srv.URL + "/s.json"}
	if _, err := loader.Compile(localOnlyLoader{gojsonschema.NewGoLoader(doc)}); err == nil {
		t.Fatal("compiled a schema with an external reference")
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loader fetched %d times", n)
	}
}

func TestCompileAcceptsLocalRefsAndData(t *testing.T) {
	schema := `{
		"$schema": "http://json-schema.org/draft-07/schema#",
		"type": "object",
		"definitions": {"adresse": {"type": "object", "required": ["ville"], "properties": {"ville": {"type": "string"}}}},
		"properties": {
			"id": {"type": "string"},
			"domicile": {"$ref": "#/definitions/adresse"},
			"note": {"type": "string", "enum": ["http://exemple.fr"], "default": "http://exemple.fr", "examples": [{"$ref": "http://exemple.fr"}]}
		}
	}`
	s, err := Compile(json.RawMessage(schema), "schema")
	if err != nil {
		t.Fatal(err)
	}
	if Matches(s, json.RawMessage(`{"domicile":{}}`)) {
		t.Error("the local $ref was not applied")
	}
	if !Matches(s, json.RawMessage(`{"id":"x","domicile":{"ville":"Metz"}}`)) {
		t.Error("valid data refused")
	}
}

// References that fan out are refused at publish, however small the
// text: twelve definitions, each naming the next four times, would make
// one submission visit 4^12 nodes.
func TestReferenceFanOutIsBounded(t *testing.T) {
	fanOut := func(levels int) string {
		var defs []string
		for i := range levels {
			next := fmt.Sprintf(`{"$ref":"#/definitions/d%d"}`, i+1)
			defs = append(defs, fmt.Sprintf(`"d%d":{"allOf":[%s,%s,%s,%s]}`, i, next, next, next, next))
		}
		defs = append(defs, fmt.Sprintf(`"d%d":{"type":"string"}`, levels))
		return `{"type":"object","definitions":{` + strings.Join(defs, ",") + `},"properties":{"x":{"$ref":"#/definitions/d0"}}}`
	}
	var problems *DefinitionError
	_, err := Compile(json.RawMessage(fanOut(12)), "schema")
	if !errors.As(err, &problems) || !strings.Contains(problems.Problems[0].Message.FR, "références") {
		t.Errorf("12 levels of fan-out: %v", err)
	}
	if _, err := Compile(json.RawMessage(fanOut(5)), "schema"); err != nil {
		t.Errorf("5 levels of fan-out (1,365 nodes): %v", err)
	}
	// Recursion through the data is not fan-out: a tree of any depth.
	tree := `{"type":"object","definitions":{"node":{"type":"object","properties":{"nom":{"type":"string"},"enfants":{"type":"array",` +
		`"items":{"$ref":"#/definitions/node"}}}}},"properties":{"racine":{"$ref":"#/definitions/node"}}}`
	if _, err := Compile(json.RawMessage(tree), "schema"); err != nil {
		t.Errorf("a recursive tree: %v", err)
	}
}
