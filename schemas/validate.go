package schemas

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/xeipuuv/gojsonschema"

	"github.com/guichet/guichet/internal/platform/locale"
)

// MaxFieldErrors bounds the number of field errors reported for one submission.
const MaxFieldErrors = 100

// Validate checks data (a JSON object) against schema. It returns nil when
// the data is valid, and otherwise a *ValidationError with at most one
// message per field, in French and English, labelled with the schema's
// titles.
func Validate(schema *gojsonschema.Schema, schemaDoc, uiSchema, data json.RawMessage) error {
	result, err := schema.Validate(gojsonschema.NewBytesLoader(data))
	if err != nil {
		return &ValidationError{Fields: []FieldError{{Message: notJSONObject}}}
	}
	if result.Valid() {
		return nil
	}
	dataDoc := decodeNumbers(data)
	labels := labeller{schema: decodeNumbers(schemaDoc)}
	out := &ValidationError{}
	seen := map[string]bool{}
	errs := result.Errors()
	ranks := make(map[gojsonschema.ResultError][]int, len(errs))
	for _, re := range errs {
		ranks[re] = fieldRank(schemaDoc, uiSchema, fieldPath(re, dataDoc))
	}
	// gojsonschema reports in no set order: report in the form's order.
	slices.SortStableFunc(errs, func(a, b gojsonschema.ResultError) int { return slices.Compare(ranks[a], ranks[b]) })
	for _, re := range errs {
		if isWrapper(re.Type()) {
			continue
		}
		path := fieldPath(re, dataDoc)
		location := formatLocation(path)
		if seen[location] {
			continue
		}
		seen[location] = true
		label, field := labels.field(path)
		msg := message(re, label)
		if custom, ok := patternMessage(field); ok && re.Type() == "pattern" {
			msg = custom
		}
		missing := re.Type() == "required" || re.Type() == "missing_dependency"
		out.Fields = append(out.Fields, FieldError{Location: location, Message: msg, Value: errorValue(re), Missing: missing})
		if len(out.Fields) == MaxFieldErrors {
			break
		}
	}
	if len(out.Fields) == 0 {
		// Only wrapper errors: report the first, at its own place.
		re := result.Errors()[0]
		path := fieldPath(re, dataDoc)
		out.Fields = append(out.Fields, FieldError{Location: formatLocation(path), Message: message(re, labels.label(path))})
	}
	return out
}

// fieldRank places a field in the form's order: at each level, its
// position in ui:order (or the schema's order), or its index in an array.
func fieldRank(schemaRaw, uiRaw json.RawMessage, path []pathSegment) []int {
	rank := make([]int, 0, len(path))
	for _, seg := range path {
		var node schemaNode
		_ = json.Unmarshal(schemaRaw, &node)
		ui := map[string]json.RawMessage{}
		_ = json.Unmarshal(uiRaw, &ui)
		if seg.isIdx {
			rank = append(rank, seg.index)
			schemaRaw, uiRaw = node.Items, ui["items"]
			continue
		}
		order := FieldOrder(schemaRaw, uiRaw)
		i := slices.Index(order, seg.name)
		if i < 0 {
			i = len(order)
		}
		rank = append(rank, i)
		schemaRaw, uiRaw = AllProperties(schemaRaw)[seg.name], ui[seg.name]
	}
	return rank
}

// isWrapper reports error types that only repeat what the errors of their
// subschemas say more precisely.
func isWrapper(errType string) bool {
	switch errType {
	case "condition_then", "condition_else", "number_all_of":
		return true
	}
	return false
}

// pathSegment is one step into the data: a property name or an array index.
type pathSegment struct {
	name  string
	index int
	isIdx bool
}

// fieldPath turns an error's context into a path, telling array indices
// from property names by looking at the data itself. Errors about a missing
// or unexpected property point at that property, not at its parent.
func fieldPath(re gojsonschema.ResultError, data any) []pathSegment {
	var parts []string
	if ctx := re.Context(); ctx != nil {
		parts = strings.Split(ctx.String(), ".")[1:] // drop "(root)"
	}
	switch re.Type() {
	case "required", "additional_property_not_allowed":
		if p, ok := re.Details()["property"].(string); ok {
			parts = append(parts, p)
		}
	case "missing_dependency":
		if p, ok := re.Details()["dependency"].(string); ok {
			parts = append(parts, p)
		}
	}
	path := make([]pathSegment, 0, len(parts))
	current := data
	for _, part := range parts {
		if list, ok := current.([]any); ok {
			if i, err := strconv.Atoi(part); err == nil {
				path = append(path, pathSegment{index: i, isIdx: true})
				if i >= 0 && i < len(list) {
					current = list[i]
				} else {
					current = nil
				}
				continue
			}
		}
		path = append(path, pathSegment{name: part})
		obj, _ := current.(map[string]any)
		current = obj[part]
	}
	return path
}

// formatLocation writes a path as "enfants[1].nom".
func formatLocation(path []pathSegment) string {
	var b strings.Builder
	for _, seg := range path {
		if seg.isIdx {
			b.WriteString("[" + strconv.Itoa(seg.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg.name)
	}
	return b.String()
}

// labeller finds the title a schema gives to a field.
type labeller struct{ schema any }

// label is the title of the field at path, or its name when it has none.
// A field inside a repeated group says which item it belongs to, as in
// "Nom (Enfants n° 2)".
func (l labeller) label(path []pathSegment) string {
	name, _ := l.field(path)
	return name
}

// field is the label and the schema of the field at path.
func (l labeller) field(path []pathSegment) (string, map[string]any) {
	node := l.schema
	name, item := "", ""
	for _, seg := range path {
		obj, _ := node.(map[string]any)
		if seg.isIdx {
			node = obj["items"]
			item = name + " n° " + strconv.Itoa(seg.index+1)
			name = item
			continue
		}
		props, _ := obj["properties"].(map[string]any)
		node = props[seg.name]
		if node == nil {
			node = conditionalProperty(obj, seg.name)
		}
		name = seg.name
		if title, ok := asObject(node)["title"].(string); ok && title != "" {
			name = title
		}
	}
	if item != "" && name != item {
		return name + " (" + item + ")", asObject(node)
	}
	return name, asObject(node)
}

// PatternMessageKeyword names, in a field's schema, the message to show
// when its "pattern" does not match: a text, or {"fr": …, "en": …}.
const PatternMessageKeyword = "x-patternMessage"

func patternMessage(field map[string]any) (locale.Text, bool) {
	switch m := field[PatternMessageKeyword].(type) {
	case string:
		return locale.Text{FR: m, EN: m}, m != ""
	case map[string]any:
		fr, _ := m["fr"].(string)
		en, _ := m["en"].(string)
		if en == "" {
			en = fr
		}
		return locale.Text{FR: fr, EN: en}, fr != ""
	}
	return locale.Text{}, false
}

// conditionalProperty finds a property that only a branch of the object
// schema declares.
func conditionalProperty(obj map[string]any, name string) any {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil
	}
	for _, b := range BranchesOf(raw) {
		if sub, ok := asObject(decodeNumbers(b.Properties))[name]; ok {
			return sub
		}
	}
	return nil
}

func errorValue(re gojsonschema.ResultError) any {
	switch re.Type() {
	case "required", "missing_dependency":
		return nil
	}
	switch v := re.Value().(type) {
	case map[string]any, []any:
		return nil // not worth echoing a whole group back
	default:
		return v
	}
}

// decodeNumbers decodes JSON keeping numbers exact; it returns nil for
// invalid JSON.
func decodeNumbers(raw []byte) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}
