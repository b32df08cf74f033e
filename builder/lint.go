// Package builder owns the admins' design work on forms: the lint that a
// draft must pass to be published, the semantic diff between versions, and
// import and export of definitions.
//
// Business layer (internal/test/layering).
package builder

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Lint lists what keeps a definition from being published, beyond what
// saving a draft already refuses: no field at all, fields without labels,
// choices without labels, "required" naming fields that do not exist, and
// steps that name no field or fields that do not exist, or leave fields
// out.
func Lint(f schemas.Form) []schemas.Problem {
	var problems []schemas.Problem
	if len(schemas.AllProperties(f.Schema)) == 0 {
		problems = append(problems, schemas.Problem{Location: "schema.properties", Message: locale.Text{
			FR: "Le formulaire n'a aucun champ : ajoutez au moins une question.",
			EN: "The form has no field: add at least one question.",
		}})
	}
	lintObject(f.Schema, "schema", &problems)
	lintSteps(f, &problems)
	return problems
}

type objectNode struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
	Items      json.RawMessage            `json:"items"`
	Type       any                        `json:"type"`
	Title      string                     `json:"title"`
	Enum       []any                      `json:"enum"`
	EnumNames  []string                   `json:"enumNames"`
	OneOf      []struct {
		Const any     `json:"const"`
		Title *string `json:"title"`
	} `json:"oneOf"`
}

func lintObject(raw json.RawMessage, at string, problems *[]schemas.Problem) {
	var obj objectNode
	if json.Unmarshal(raw, &obj) != nil {
		return
	}
	props := map[string]json.RawMessage{}
	for name, sub := range obj.Properties {
		props[name] = sub
	}
	for i, b := range schemas.BranchesOf(raw) {
		if b.If != nil {
			lintCondition(b.If, fmt.Sprintf("%s.branch[%d].if", at, i), problems)
		}
		var branch map[string]json.RawMessage
		_ = json.Unmarshal(b.Properties, &branch)
		for name, sub := range branch {
			if _, ok := props[name]; !ok {
				props[name] = sub
				lintField(sub, fmt.Sprintf("%s.branch[%d].%s", at, i, name), problems)
			}
		}
		for _, name := range b.Required {
			if _, ok := props[name]; !ok {
				*problems = append(*problems, requiredMissing(at, name))
			}
		}
	}
	for _, name := range obj.Required {
		if _, ok := props[name]; !ok {
			*problems = append(*problems, requiredMissing(at, name))
		}
	}
	names := make([]string, 0, len(obj.Properties))
	for name := range obj.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		lintField(obj.Properties[name], at+".properties."+name, problems)
	}
}

func lintField(raw json.RawMessage, at string, problems *[]schemas.Problem) {
	var field objectNode
	if json.Unmarshal(raw, &field) != nil {
		return
	}
	if field.Title == "" {
		*problems = append(*problems, schemas.Problem{Location: at + ".title", Message: locale.Text{
			FR: "Ce champ n'a pas de libellé (title) : les usagers ne sauraient pas quoi répondre.",
			EN: "This field has no label (title): people would not know what to answer.",
		}})
	}
	if len(field.EnumNames) > 0 && len(field.EnumNames) < len(field.Enum) {
		*problems = append(*problems, schemas.Problem{Location: at + ".enumNames", Message: locale.Text{
			FR: "Certaines valeurs proposées n'ont pas de libellé (enumNames plus court que enum).",
			EN: "Some choices have no label (enumNames shorter than enum).",
		}})
	}
	for i, c := range field.OneOf {
		if c.Const != nil && (c.Title == nil || *c.Title == "") {
			*problems = append(*problems, schemas.Problem{Location: at + ".oneOf[" + strconv.Itoa(i) + "].title", Message: locale.Text{
				FR: fmt.Sprintf("La valeur proposée %v n'a pas de libellé (title).", c.Const),
				EN: fmt.Sprintf("The choice %v has no label (title).", c.Const),
			}})
		}
	}
	switch field.Type {
	case "object":
		lintObject(raw, at, problems)
	case "array":
		var items objectNode
		if json.Unmarshal(field.Items, &items) == nil && items.Type == "object" {
			lintObject(field.Items, at+".items", problems)
		}
	}
}

// conditionKeywords are the JSON Schema keywords a condition may use: those
// the page's script evaluates as the server does, so that a field shows
// exactly when the server keeps its answer. Annotations (title,
// description, $comment) change nothing and are allowed too.
var conditionKeywords = []string{
	"const", "enum", "not", "allOf", "anyOf", "oneOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"minLength", "maxLength", "minItems", "maxItems", "contains", "properties", "required", "type",
}

func conditionKeyword(key string) bool {
	return slices.Contains(conditionKeywords, key) || key == "title" || key == "description" || key == "$comment"
}

// lintCondition refuses, in the condition of conditional fields, the
// keywords the page could not evaluate.
func lintCondition(raw json.RawMessage, at string, problems *[]schemas.Problem) {
	var node map[string]json.RawMessage
	if json.Unmarshal(raw, &node) != nil {
		return // true or false
	}
	for _, key := range slices.Sorted(maps.Keys(node)) {
		value := node[key]
		if !conditionKeyword(key) {
			allowed := strings.Join(conditionKeywords, ", ")
			*problems = append(*problems, schemas.Problem{Location: at + "." + key, Message: locale.Text{
				FR: fmt.Sprintf("Une condition d'affichage ne peut pas utiliser le mot-clé %q : la page ne saurait pas l'évaluer comme le "+
					"serveur. Mots-clés permis : %s.", key, allowed),
				EN: fmt.Sprintf("A display condition cannot use the keyword %q: the page could not evaluate it as the server does. "+
					"Keywords allowed: %s.", key, allowed),
			}})
			continue
		}
		switch key {
		case "not", "contains":
			lintCondition(value, at+"."+key, problems)
		case "allOf", "anyOf", "oneOf":
			var list []json.RawMessage
			_ = json.Unmarshal(value, &list)
			for i, sub := range list {
				lintCondition(sub, fmt.Sprintf("%s.%s[%d]", at, key, i), problems)
			}
		case "properties":
			var props map[string]json.RawMessage
			_ = json.Unmarshal(value, &props)
			for _, name := range slices.Sorted(maps.Keys(props)) {
				lintCondition(props[name], at+".properties."+name, problems)
			}
		}
	}
}

func requiredMissing(at, name string) schemas.Problem {
	return schemas.Problem{Location: at + ".required", Message: locale.Text{
		FR: fmt.Sprintf("Le champ obligatoire %q n'existe pas.", name),
		EN: fmt.Sprintf("The required field %q does not exist.", name),
	}}
}

// lintSteps checks "ui:steps": every step names fields, every named field
// exists, and every field is on a step, or it could never be answered.
func lintSteps(f schemas.Form, problems *[]schemas.Problem) {
	var ui struct {
		Steps []struct {
			Title  string   `json:"title"`
			Fields []string `json:"fields"`
		} `json:"ui:steps"`
	}
	if json.Unmarshal(f.UISchema, &ui) != nil || len(ui.Steps) == 0 {
		return
	}
	// A conditional field may be on a step (a step shown on a condition);
	// one that is on none shows with the field that decides it.
	fields, all := schemas.PropertyOrder(f.Schema, nil), schemas.AllProperties(f.Schema)
	placed := map[string]bool{}
	for i, step := range ui.Steps {
		at := fmt.Sprintf("uiSchema.ui:steps[%d]", i)
		if len(step.Fields) == 0 {
			*problems = append(*problems, schemas.Problem{Location: at, Message: locale.Text{
				FR: fmt.Sprintf("L'étape « %s » ne contient aucun champ : elle ne peut pas être atteinte utilement.", step.Title),
				EN: fmt.Sprintf("The step “%s” holds no field: it cannot usefully be reached.", step.Title),
			}})
		}
		for _, name := range step.Fields {
			if _, exists := all[name]; !exists {
				*problems = append(*problems, schemas.Problem{Location: at + ".fields", Message: locale.Text{
					FR: fmt.Sprintf("L'étape « %s » nomme le champ %q, qui n'existe pas.", step.Title, name),
					EN: fmt.Sprintf("The step “%s” names the field %q, which does not exist.", step.Title, name),
				}})
			}
			placed[name] = true
		}
	}
	for _, name := range fields {
		if !placed[name] {
			*problems = append(*problems, schemas.Problem{Location: "uiSchema.ui:steps", Message: locale.Text{
				FR: fmt.Sprintf("Le champ %q n'est sur aucune étape : personne ne pourrait y répondre.", name),
				EN: fmt.Sprintf("The field %q is on no step: nobody could answer it.", name),
			}})
		}
	}
}
