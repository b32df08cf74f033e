package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"

	"github.com/guichet/guichet/internal/platform/locale"
)

// Bounds on untrusted schemas.
const (
	// MaxSchemaBytes bounds the size of a schema or routing condition.
	MaxSchemaBytes = 256 << 10
	// MaxSchemaDepth bounds the nesting of subschemas.
	MaxSchemaDepth = 32
)

// draft07 is the only $schema a form may declare.
const draft07 = "http://json-schema.org/draft-07/schema"

// propertyNamePattern is the shape of a field name: field names appear in
// locations such as "enfants[1].nom" and in HTML form names.
var propertyNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

// ValidFieldName reports whether name can name a field.
func ValidFieldName(name string) bool { return propertyNamePattern.MatchString(name) }

// Compile checks that raw is a safe draft-07 JSON Schema and compiles it.
// Only local "#…" references are allowed; nothing is ever read from a file
// or fetched from the network. where prefixes the locations of problems.
func Compile(raw json.RawMessage, where string) (*gojsonschema.Schema, error) {
	registerFormats()
	problems := &DefinitionError{}
	if len(raw) > MaxSchemaBytes {
		problems.add(where, locale.Text{
			FR: fmt.Sprintf("Le schéma dépasse la taille maximale de %d Kio.", MaxSchemaBytes>>10),
			EN: fmt.Sprintf("The schema is larger than the %d KiB limit.", MaxSchemaBytes>>10),
		})
		return nil, problems
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		problems.add(where, locale.Text{
			FR: "Le schéma n'est pas un document JSON valide.",
			EN: "The schema is not a valid JSON document.",
		})
		return nil, problems
	}
	if _, ok := doc.(map[string]any); !ok {
		problems.add(where, locale.Text{FR: "Le schéma doit être un objet JSON.", EN: "The schema must be a JSON object."})
		return nil, problems
	}
	checkSchemaNode(doc, where, 0, problems)
	if at, found := refCycle(doc); found {
		problems.add(where+at, locale.Text{
			FR: "Le schéma se renvoie à lui-même sans fin (référence circulaire) : la validation ne s'arrêterait pas.",
			EN: "The schema refers back to itself endlessly (circular reference): validation would never end.",
		})
	}
	if err := problems.orNil(); err != nil {
		return nil, err
	}
	if expandedSize(doc, MaxExpandedNodes) > MaxExpandedNodes {
		problems.add(where, locale.Text{
			FR: fmt.Sprintf("Le schéma, une fois ses références ($ref) développées, dépasse %d nœuds : sa validation serait trop coûteuse. Évitez "+
				"qu'une définition en nomme plusieurs fois une autre qui fait de même.", MaxExpandedNodes),
			EN: fmt.Sprintf("The schema, with its references ($ref) expanded, has more than %d nodes: validating it would cost too much. Avoid a "+
				"definition naming another several times that does the same.", MaxExpandedNodes),
		})
		return nil, problems
	}
	loader := gojsonschema.NewSchemaLoader()
	loader.Draft = gojsonschema.Draft7
	loader.AutoDetect = false
	loader.Validate = true
	schema, err := loader.Compile(localOnlyLoader{gojsonschema.NewGoLoader(doc)})
	if err != nil {
		problems.add(where, locale.Text{
			FR: "Le schéma n'est pas un JSON Schema draft-07 valide : " + err.Error(),
			EN: "The schema is not a valid draft-07 JSON Schema: " + err.Error(),
		})
		return nil, problems
	}
	return schema, nil
}

// checkSchemaNode walks a schema keyword by keyword, so that data inside
// enum, const, default or examples is never mistaken for a keyword.
func checkSchemaNode(node any, where string, depth int, problems *DefinitionError) {
	if depth > MaxSchemaDepth {
		problems.add(where, locale.Text{
			FR: fmt.Sprintf("Le schéma est imbriqué sur plus de %d niveaux.", MaxSchemaDepth),
			EN: fmt.Sprintf("The schema is nested more than %d levels deep.", MaxSchemaDepth),
		})
		return
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return // booleans are schemas too; anything else is left to the meta-schema.
	}
	for key, value := range obj {
		at := where + "." + key
		switch key {
		case "maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties":
			obj[key] = wholeNumber(value)
		case "$ref":
			if ref, _ := value.(string); !strings.HasPrefix(ref, "#") {
				problems.add(at, locale.Text{
					FR: fmt.Sprintf("La référence %q est refusée : seules les références internes au schéma (commençant par #) sont permises.", value),
					EN: fmt.Sprintf("The reference %q is refused: only references inside the schema (starting with #) are allowed.", value),
				})
			}
		case "$id", "id":
			problems.add(at, locale.Text{
				FR: "Le mot-clé " + key + " est refusé : un formulaire ne peut pas changer l'adresse de base de son schéma.",
				EN: "The keyword " + key + " is refused: a form cannot change the base address of its schema.",
			})
		case "$schema":
			if s, _ := value.(string); strings.TrimSuffix(s, "#") != draft07 {
				problems.add(at, locale.Text{
					FR: "Seul le brouillon 07 de JSON Schema (" + draft07 + "#) est pris en charge.",
					EN: "Only JSON Schema draft-07 (" + draft07 + "#) is supported.",
				})
			}
		case "properties":
			for name, sub := range asObject(value) {
				if !propertyNamePattern.MatchString(name) {
					problems.add(at+"."+name, locale.Text{
						FR: fmt.Sprintf("Le nom de champ %q est refusé : lettres non accentuées, chiffres, « _ » et « - », 64 caractères au plus, sans "+
							"commencer par un chiffre.", name),
						EN: fmt.Sprintf("The field name %q is refused: use unaccented letters, digits, \"_\" and \"-\", at most 64 characters, not "+
							"starting with a digit.", name),
					})
				}
				checkSchemaNode(sub, at+"."+name, depth+1, problems)
			}
		case "patternProperties", "definitions":
			for name, sub := range asObject(value) {
				checkSchemaNode(sub, at+"."+name, depth+1, problems)
			}
		case "dependencies":
			for name, sub := range asObject(value) {
				if _, isList := sub.([]any); !isList {
					checkSchemaNode(sub, at+"."+name, depth+1, problems)
				}
			}
		case "items":
			if list, isList := value.([]any); isList {
				for i, sub := range list {
					checkSchemaNode(sub, fmt.Sprintf("%s[%d]", at, i), depth+1, problems)
				}
			} else {
				checkSchemaNode(value, at, depth+1, problems)
			}
		case "allOf", "anyOf", "oneOf":
			list, _ := value.([]any)
			for i, sub := range list {
				checkSchemaNode(sub, fmt.Sprintf("%s[%d]", at, i), depth+1, problems)
			}
		case "not", "if", "then", "else", "additionalProperties", "additionalItems", "contains", "propertyNames":
			checkSchemaNode(value, at, depth+1, problems)
		}
	}
}

// wholeNumber writes an integer-valued number as an integer, "2" for
// "2.0" or "2e0": draft-07 takes any integer-valued number where it asks
// for an integer, and gojsonschema only the integer's own notation.
func wholeNumber(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok || !r.IsInt() {
		return v
	}
	return json.Number(r.Num().String())
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// errExternalRef is what localOnlyFactory answers for any document other
// than the schema itself.
var errExternalRef = errors.New("external references are never loaded")

// localOnlyLoader wraps the schema's own loader so that gojsonschema can
// load no other document: its factory refuses every source. It backs up
// checkSchemaNode, which already rejects such references with a clear message.
type localOnlyLoader struct{ gojsonschema.JSONLoader }

func (localOnlyLoader) LoaderFactory() gojsonschema.JSONLoaderFactory { return localOnlyFactory{} }

type localOnlyFactory struct{}

func (localOnlyFactory) New(source string) gojsonschema.JSONLoader { return refusedLoader(source) }

type refusedLoader string

func (l refusedLoader) JsonSource() any { return string(l) } //nolint:revive // gojsonschema.JSONLoader names it

func (refusedLoader) LoadJSON() (any, error) { return nil, errExternalRef }

func (l refusedLoader) JsonReference() (gojsonreference.JsonReference, error) { //nolint:revive // gojsonschema.JSONLoader names it
	return gojsonreference.NewJsonReference(string(l))
}

func (refusedLoader) LoaderFactory() gojsonschema.JSONLoaderFactory { return localOnlyFactory{} }
