package schemas

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBranches(t *testing.T) {
	schema := json.RawMessage(`{
		"type": "object",
		"properties": {"situation": {"enum": ["seul", "couple"]}, "enfants": {"type": "boolean"}},
		"if": {"properties": {"situation": {"const": "couple"}}, "required": ["situation"]},
		"then": {"properties": {"conjoint": {"type": "string"}, "mariage": {"type": "string"}}, "required": ["conjoint"]},
		"else": {"properties": {"seul_depuis": {"type": "string"}}},
		"allOf": [{"if": {"properties": {"enfants": {"const": true}}}, "then": {"properties": {"nombre": {"type": "integer"}}}}],
		"dependencies": {"conjoint": {"properties": {"conjoint_age": {"type": "integer"}}}, "x": ["y"]}
	}`)
	branches := BranchesOf(schema)
	var got []string
	for _, b := range branches {
		got = append(got, b.Trigger()+">"+strings.Join(b.Fields(), "+"))
	}
	if strings.Join(got, " ") != "situation>conjoint+mariage situation>seul_depuis enfants>nombre conjoint>conjoint_age" {
		t.Fatalf("branches = %v", got)
	}
	couple := map[string]any{"situation": "couple", "conjoint": "Jean"}
	seul := map[string]any{"situation": "seul"}
	// A condition without "required" holds when its field is not answered, as JSON Schema says.
	for i, want := range [][2]bool{{true, false}, {false, true}, {true, true}, {true, false}} {
		if branches[i].Holds(couple) != want[0] || branches[i].Holds(seul) != want[1] {
			t.Errorf("branch %d: holds for couple %v, for seul %v; want %v", i, branches[i].Holds(couple), branches[i].Holds(seul), want)
		}
	}
	// Each conditional field comes right after the field that decides it,
	// and those it decides in turn right after it.
	if got := strings.Join(FieldOrder(schema, nil), " "); got != "situation conjoint conjoint_age mariage seul_depuis enfants nombre" {
		t.Errorf("field order: %s", got)
	}
}
