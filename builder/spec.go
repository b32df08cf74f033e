package builder

import (
	"encoding/json"
	"slices"

	"github.com/guichet/guichet/schemas"
)

// Fields describes the top-level fields of a definition, in their order,
// as the builder shows and edits them. A field the catalogue cannot
// describe (hand-written) is shown as the closest type; editing it
// rewrites it as that type.
func Fields(f schemas.Form) ([]FieldSpec, error) {
	d, err := decode(f)
	if err != nil {
		return nil, err
	}
	required := d.required()
	// Conditional fields follow the field that decides them, unless a
	// step lists them: a step shown on a condition keeps its place.
	onSteps := map[string]bool{}
	for _, step := range Steps(f) {
		for _, name := range step.Fields {
			onSteps[name] = true
		}
	}
	after := map[string][]FieldSpec{}
	placed := map[string]FieldSpec{}
	for _, b := range schemas.BranchesOf(f.Schema) {
		props := map[string]json.RawMessage{}
		_ = json.Unmarshal(b.Properties, &props)
		for _, name := range b.Fields() {
			if _, base := d.props()[name]; base {
				continue
			}
			ui, _ := json.Marshal(d.ui[name])
			spec := SpecOf(props[name], ui)
			spec.Name, spec.Required = name, slices.Contains(b.Required, name)
			spec.Condition = conditionOf(b)
			if onSteps[name] {
				placed[name] = spec
				continue
			}
			after[b.Trigger()] = append(after[b.Trigger()], spec)
		}
	}
	var out []FieldSpec
	for _, name := range d.order() {
		raw, ok := d.props()[name]
		if !ok {
			continue
		}
		schema, _ := json.Marshal(raw)
		ui, _ := json.Marshal(d.ui[name])
		spec := SpecOf(schema, ui)
		spec.Name, spec.Required = name, slices.Contains(required, name)
		out = append(out, spec)
		out = append(out, after[name]...)
	}
	// The fields of a step shown on a condition are where it lists them.
	prev := -1
	for _, step := range Steps(f) {
		for _, name := range step.Fields {
			if spec, ok := placed[name]; ok {
				out = slices.Insert(out, prev+1, spec)
				out = slices.Insert(out, prev+2, after[name]...)
			}
			if i := slices.IndexFunc(out, func(s FieldSpec) bool { return s.Name == name }); i >= 0 {
				prev = i + len(after[name])
			}
		}
	}
	return out, nil
}

type fieldSchema struct {
	Type           any               `json:"type"`
	Format         string            `json:"format"`
	Title          string            `json:"title"`
	Description    string            `json:"description"`
	Minimum        *float64          `json:"minimum"`
	Maximum        *float64          `json:"maximum"`
	MinLength      *int              `json:"minLength"`
	MaxLength      *int              `json:"maxLength"`
	MinItems       *float64          `json:"minItems"`
	MaxItems       *float64          `json:"maxItems"`
	MultipleOf     *float64          `json:"multipleOf"`
	Pattern        string            `json:"pattern"`
	PatternMessage string            `json:"x-patternMessage"`
	Default        any               `json:"default"`
	Enum           []any             `json:"enum"`
	EnumNames      []string          `json:"enumNames"`
	OneOf          []choiceSchema    `json:"oneOf"`
	Items          json.RawMessage   `json:"items"`
	Properties     map[string]any    `json:"properties"`
	Calculate      string            `json:"x-calculate"`
	Earliest       schemas.DateBound `json:"x-earliest"`
	Latest         schemas.DateBound `json:"x-latest"`
}

type choiceSchema struct {
	Const any    `json:"const"`
	Title string `json:"title"`
}

type fieldUI struct {
	Widget       string          `json:"ui:widget"`
	Help         string          `json:"ui:help"`
	Placeholder  string          `json:"ui:placeholder"`
	Autocomplete string          `json:"ui:autocomplete"`
	Summary      bool            `json:"ui:summary"`
	Items        json.RawMessage `json:"items"`
	// Rue is the first line of a postal address, whose purpose says the
	// address's.
	Rue struct {
		Autocomplete string `json:"ui:autocomplete"`
	} `json:"rue"`
}

// SpecOf describes one field's schema and uiSchema hints as the catalogue
// would have made them.
func SpecOf(schema, ui json.RawMessage) FieldSpec {
	var s fieldSchema
	_ = json.Unmarshal(schema, &s)
	var u fieldUI
	_ = json.Unmarshal(ui, &u)
	spec := FieldSpec{Label: s.Title, Hint: u.Help, Placeholder: u.Placeholder, Purpose: u.Autocomplete, Summary: u.Summary,
		Default: s.Default,
		Minimum: s.Minimum, Maximum: s.Maximum, MinLength: s.MinLength, MaxLength: s.MaxLength,
		Pattern: s.Pattern, PatternMessage: s.PatternMessage, Earliest: s.Earliest, Latest: s.Latest, Calculate: s.Calculate}
	typ, _ := s.Type.(string)
	switch {
	case typ == "null":
		spec.Type, spec.Hint = Heading, s.Description
		if u.Widget == "paragraph" {
			spec.Type = Paragraph
		}
	case typ == "boolean":
		spec.Type = YesNo
	case s.Calculate != "":
		spec.Type = CalculatedNumber
		if s.MultipleOf != nil && *s.MultipleOf == schemas.AmountStep {
			spec.Type = CalculatedAmount
		}
	case typ == "number" || typ == "integer":
		spec.Type = Number
		if s.MultipleOf != nil && *s.MultipleOf == 0.01 {
			spec.Type = AmountEUR
		}
	case typ == "object":
		spec.Type = PostalAddress
		if u.Rue.Autocomplete != "" {
			spec.Purpose = "street-address"
		}
	case typ == "array":
		var items fieldSchema
		_ = json.Unmarshal(s.Items, &items)
		switch itemType, _ := items.Type.(string); {
		case itemType == "object":
			spec.Type, spec.Minimum, spec.Maximum = RepeatGroup, s.MinItems, s.MaxItems
			spec.Fields, _ = Fields(schemas.Form{Schema: s.Items, UISchema: u.Items})
		case items.Format == "data-url":
			spec.Type = FileUpload
		default:
			spec.Type, spec.Choices = MultipleChoice, choicesOf(items)
		}
	case s.Format == "email":
		spec.Type = EmailAddress
	case s.Format == schemas.FormatPhoneFR:
		spec.Type = PhoneFR
	case s.Format == "date":
		spec.Type = Date
	case s.Format == schemas.FormatPastDate:
		spec.Type = PastDate
	case s.Format == schemas.FormatSIRET:
		spec.Type = SIRET
	case s.Format == schemas.FormatIBAN:
		spec.Type = IBAN
	case s.Format == "data-url" || u.Widget == "file":
		spec.Type = FileUpload
	case len(s.Enum) > 0 && isCommuneList(s.Enum):
		spec.Type = Commune
	case len(s.OneOf) > 0 || len(s.Enum) > 0:
		// Without a widget, pages show more than a few answers as a list.
		spec.Type, spec.Choices = SingleChoice, choicesOf(s)
		spec.AsList = u.Widget == "select" || (u.Widget == "" && len(spec.Choices) > schemas.RadiosUpTo)
	case u.Widget == "textarea":
		spec.Type = LongText
	default:
		spec.Type = ShortText
	}
	return spec
}

func choicesOf(s fieldSchema) []Choice {
	var out []Choice
	for _, c := range s.OneOf {
		v, _ := json.Marshal(c.Const)
		var value string
		if json.Unmarshal(v, &value) != nil {
			value = string(v)
		}
		out = append(out, Choice{Value: value, Label: c.Title})
	}
	for i, e := range s.Enum {
		value, _ := e.(string)
		label := value
		if i < len(s.EnumNames) {
			label = s.EnumNames[i]
		}
		out = append(out, Choice{Value: value, Label: label})
	}
	return out
}

// isCommuneList reports whether values are the communes' codes, in any
// order: lists saved before they were in the order of names are too.
func isCommuneList(values []any) bool {
	codes, _ := communes()
	if len(values) != len(codes) {
		return false
	}
	given := make([]string, len(values))
	for i, v := range values {
		given[i], _ = v.(string)
	}
	slices.Sort(given)
	return slices.Equal(given, slices.Sorted(slices.Values(codes)))
}
