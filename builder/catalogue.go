package builder

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// FieldType is a kind of field an admin can add to a form.
type FieldType string

// The field catalogue.
const (
	ShortText      FieldType = "short-text"
	LongText       FieldType = "long-text"
	EmailAddress   FieldType = "email"
	PhoneFR        FieldType = "phone"
	Number         FieldType = "number"
	AmountEUR      FieldType = "amount"
	Date           FieldType = "date"
	PastDate       FieldType = "past-date"
	YesNo          FieldType = "yes-no"
	SingleChoice   FieldType = "single-choice"
	MultipleChoice FieldType = "multiple-choice"
	Commune        FieldType = "commune"
	PostalAddress  FieldType = "address"
	SIRET          FieldType = "siret"
	IBAN           FieldType = "iban"
	FileUpload     FieldType = "file"
	RepeatGroup    FieldType = "group"
	// CalculatedNumber and CalculatedAmount are worked out by the server
	// from the other answers (see schemas.KeywordCalculate).
	CalculatedNumber FieldType = "calculated-number"
	CalculatedAmount FieldType = "calculated-amount"
	// Heading and Paragraph show text between fields and ask nothing.
	Heading   FieldType = "heading"
	Paragraph FieldType = "paragraph"
)

// Catalogue lists the field types in the order the builder offers them.
var Catalogue = []FieldType{ShortText, LongText, EmailAddress, PhoneFR, Number, AmountEUR, Date, PastDate, YesNo,
	SingleChoice, MultipleChoice, Commune, PostalAddress, SIRET, IBAN, FileUpload, RepeatGroup, CalculatedNumber, CalculatedAmount,
	Heading, Paragraph}

// Choice is one answer offered by a choice field.
type Choice struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// FieldSpec is a field as an admin describes it in the builder.
type FieldSpec struct {
	Type        FieldType `json:"type"`
	Name        string    `json:"name,omitempty" doc:"Nom du champ dans les données ; pour une modification, absent : inchangé"`
	Label       string    `json:"label"`
	Hint        string    `json:"hint,omitempty"`
	Placeholder string    `json:"placeholder,omitempty"`
	Required    bool      `json:"required,omitempty"`
	Minimum     *float64  `json:"minimum,omitempty"`
	Maximum     *float64  `json:"maximum,omitempty"`
	MinLength   *int      `json:"minLength,omitempty"`
	MaxLength   *int      `json:"maxLength,omitempty"`
	Pattern     string    `json:"pattern,omitempty"`
	// PatternMessage is shown when the answer does not match Pattern.
	PatternMessage string   `json:"patternMessage,omitempty"`
	Default        any      `json:"default,omitempty"`
	Choices        []Choice `json:"choices,omitempty"`
	// AsList shows a single choice as a drop-down list instead of radios.
	AsList bool `json:"asList,omitempty"`
	// Purpose says what the answer tells of the applicant, as an HTML
	// autofill token (see schemas.Purposes): letters and inboxes read the
	// applicant's name and address from such fields.
	Purpose string `json:"purpose,omitempty" doc:"Ce que la réponse dit du demandeur (jeton d'autocomplétion HTML : family-name, street-address…)"`
	// Summary shows the answer in the inboxes, beside the applicant.
	Summary bool `json:"summary,omitempty" doc:"La réponse figure dans les boîtes de réception, à côté du demandeur"`
	// Earliest and Latest bound a date's answer: a fixed day or a day
	// counted from today (see schemas.DateBound).
	Earliest schemas.DateBound `json:"earliest,omitempty" doc:"Date au plus tôt : AAAA-MM-JJ, today, today-16y, today+30d, today-6m"`
	Latest   schemas.DateBound `json:"latest,omitempty" doc:"Date au plus tard, comme earliest"`
	// Calculate is a calculated field's expression, in expr over the
	// other fields by name.
	Calculate string `json:"calculate,omitempty" doc:"Calcul d'un champ calculé, en expr : sum(trajets, .km) * 0.35, days(debut, fin) + 1"`
	// Fields are a repeatable group's fields.
	Fields []FieldSpec `json:"fields,omitempty"`
	// Condition, when reading a form's fields, says when a conditional
	// field shows; it is set with SetCondition, not with the field.
	Condition *Condition `json:"condition,omitempty" readOnly:"true"`
}

// Fragment turns a field into its JSON Schema and its uiSchema hints.
func (f FieldSpec) Fragment() (schema, ui map[string]any, err error) {
	schema = map[string]any{"title": f.Label}
	ui = map[string]any{}
	if f.Hint != "" {
		ui["ui:help"] = f.Hint
	}
	if f.Placeholder != "" {
		ui["ui:placeholder"] = f.Placeholder
	}
	if f.Purpose != "" {
		if !slices.Contains(schemas.Purposes, f.Purpose) {
			return nil, nil, refuse(
				fmt.Sprintf("Le champ %s : ce que dit sa réponse du demandeur n'est pas dans la liste (%q).", named(f), f.Purpose),
				fmt.Sprintf("The field %s: what its answer says of the applicant is not in the list (%q).", named(f), f.Purpose))
		}
		ui["ui:autocomplete"] = f.Purpose
	}
	if f.Summary {
		ui["ui:summary"] = true
	}
	if f.Default != nil {
		schema["default"] = f.Default
	}
	text := func() {
		schema["type"] = "string"
		if f.MinLength != nil {
			schema["minLength"] = *f.MinLength
		}
		if f.MaxLength != nil {
			schema["maxLength"] = *f.MaxLength
		}
		if f.Pattern != "" {
			schema["pattern"] = f.Pattern
			if f.PatternMessage != "" {
				schema[schemas.PatternMessageKeyword] = f.PatternMessage
			}
		}
	}
	number := func(typ string) {
		schema["type"] = typ
		if f.Minimum != nil {
			schema["minimum"] = *f.Minimum
		}
		if f.Maximum != nil {
			schema["maximum"] = *f.Maximum
		}
	}
	switch f.Type {
	case ShortText:
		text()
	case LongText:
		text()
		ui["ui:widget"] = "textarea"
	case EmailAddress:
		schema["type"], schema["format"] = "string", "email"
	case PhoneFR:
		schema["type"], schema["format"] = "string", schemas.FormatPhoneFR
	case Number:
		number("number")
	case AmountEUR:
		number("number")
		schema["multipleOf"] = schemas.AmountStep
		if f.Minimum == nil {
			schema["minimum"] = 0
		}
	case CalculatedNumber, CalculatedAmount:
		if strings.TrimSpace(f.Calculate) == "" {
			return nil, nil, refuse(fmt.Sprintf("Le champ %s est calculé : écrivez son calcul.", named(f)),
				fmt.Sprintf("The field %s is calculated: write its calculation.", named(f)))
		}
		schema["type"], schema["readOnly"], schema[schemas.KeywordCalculate] = "number", true, strings.TrimSpace(f.Calculate)
		if f.Type == CalculatedAmount {
			schema["multipleOf"] = schemas.AmountStep
		}
	case Date, PastDate:
		schema["type"], schema["format"] = "string", "date"
		if f.Type == PastDate {
			schema["format"] = schemas.FormatPastDate
		}
		for keyword, b := range map[string]schemas.DateBound{schemas.KeywordEarliest: f.Earliest, schemas.KeywordLatest: f.Latest} {
			if b == "" {
				continue
			}
			if !b.Valid() {
				return nil, nil, refuse(fmt.Sprintf("Le champ %s : la borne « %s » n'est pas une date.", named(f), b),
					fmt.Sprintf("The field %s: the bound “%s” is not a date.", named(f), b))
			}
			schema[keyword] = b
		}
	case YesNo:
		schema["type"] = "boolean"
	case SingleChoice, MultipleChoice:
		if len(f.Choices) == 0 {
			return nil, nil, refuse(fmt.Sprintf("Le champ %s propose un choix : donnez ses réponses, une par ligne.", named(f)),
				fmt.Sprintf("The field %s offers a choice: give its answers, one per line.", named(f)))
		}
		oneOf := make([]any, len(f.Choices))
		for i, c := range f.Choices {
			oneOf[i] = map[string]any{"const": c.Value, "title": c.Label}
		}
		item := map[string]any{"type": "string", "oneOf": oneOf}
		if f.Type == MultipleChoice {
			values, names := make([]string, len(f.Choices)), make([]string, len(f.Choices))
			for i, c := range f.Choices {
				values[i], names[i] = c.Value, c.Label
			}
			schema["type"], schema["uniqueItems"] = "array", true
			schema["items"] = map[string]any{"type": "string", "enum": values, "enumNames": names}
			break
		}
		for k, v := range item {
			schema[k] = v
		}
		if f.AsList {
			ui["ui:widget"] = "select"
		} else {
			ui["ui:widget"] = "radio"
		}
	case Commune:
		codes, names := communes()
		schema["type"], schema["enum"], schema["enumNames"] = "string", codes, names
		ui["ui:widget"] = "select"
	case PostalAddress:
		schema["type"] = "object"
		schema["required"] = []string{"rue", "codePostal", "commune"}
		schema["properties"] = map[string]any{
			"rue":        map[string]any{"type": "string", "title": "Numéro et voie", "minLength": 1, "maxLength": 200},
			"complement": map[string]any{"type": "string", "title": "Complément d'adresse", "maxLength": 200},
			"codePostal": map[string]any{"type": "string", "title": "Code postal", "pattern": "^[0-9]{5}$"},
			"commune":    map[string]any{"type": "string", "title": "Commune", "minLength": 1, "maxLength": 100},
		}
		ui["ui:order"] = []string{"rue", "complement", "codePostal", "commune"}
		if f.Purpose != "" {
			// An address says where the applicant lives line by line.
			delete(ui, "ui:autocomplete")
			for name, purpose := range map[string]string{"rue": "address-line1", "complement": "address-line2",
				"codePostal": "postal-code", "commune": "address-level2"} {
				ui[name] = map[string]any{"ui:autocomplete": purpose}
			}
		}
	case SIRET:
		schema["type"], schema["format"] = "string", schemas.FormatSIRET
	case IBAN:
		schema["type"], schema["format"] = "string", schemas.FormatIBAN
	case FileUpload:
		schema["type"], schema["format"] = "string", "data-url"
	case Heading, Paragraph:
		// A "null" field holds no answer: it only shows its text.
		schema["type"] = "null"
		if f.Hint != "" {
			schema["description"] = f.Hint
			delete(ui, "ui:help")
		}
		ui["ui:widget"] = string(f.Type)
	case RepeatGroup:
		itemSchema, itemUI, err := Assemble(f.Fields)
		if err != nil {
			return nil, nil, err
		}
		schema["type"], schema["items"] = "array", itemSchema
		if f.Minimum != nil {
			schema["minItems"] = int(*f.Minimum)
		}
		if f.Maximum != nil {
			schema["maxItems"] = int(*f.Maximum)
		}
		ui["items"] = itemUI
	default:
		return nil, nil, refuse(fmt.Sprintf("Le champ %s est d'un type inconnu (%q).", named(f), f.Type),
			fmt.Sprintf("The field %s is of an unknown type (%q).", named(f), f.Type))
	}
	return schema, ui, nil
}

// Assemble makes the object schema and uiSchema of a list of fields, in
// their order.
func Assemble(fields []FieldSpec) (schema, ui map[string]any, err error) {
	props := map[string]any{}
	ui = map[string]any{}
	var order, required []string
	for _, f := range fields {
		if !schemas.ValidFieldName(f.Name) {
			return nil, nil, badName(f.Name)
		}
		if _, dup := props[f.Name]; dup {
			return nil, nil, takenName(f.Name)
		}
		s, u, err := f.Fragment()
		if err != nil {
			return nil, nil, err
		}
		props[f.Name] = s
		if len(u) > 0 {
			ui[f.Name] = u
		}
		order = append(order, f.Name)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	ui["ui:order"] = order
	schema = map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		schema["required"] = required
	}
	return schema, ui, nil
}

//go:embed data/communes-57.json
var communeFile embed.FS

// commune is a commune of the embedded list.
type commune struct {
	Code string `json:"code"`
	Nom  string `json:"nom"`
}

// communes returns the INSEE codes and names of the Moselle's communes,
// in the order of their names.
var communes = sync.OnceValues(func() ([]string, []string) {
	raw, err := communeFile.ReadFile("data/communes-57.json")
	if err != nil {
		panic(err)
	}
	var list []commune
	if err := json.Unmarshal(raw, &list); err != nil {
		panic(err)
	}
	// In the order people look for a name, not the INSEE codes'.
	locale.Sort(list, func(c commune) string { return c.Nom })
	codes, names := make([]string, len(list)), make([]string, len(list))
	for i, c := range list {
		codes[i], names[i] = c.Code, c.Nom
	}
	return codes, names
})
