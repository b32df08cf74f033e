package webform

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Kind is the control a field is shown with.
type Kind string

// The controls.
const (
	Text       Kind = "text"
	Textarea   Kind = "textarea"
	Email      Kind = "email"
	Tel        Kind = "tel"
	Date       Kind = "date"
	Number     Kind = "number"
	Integer    Kind = "integer"
	Radios     Kind = "radios"
	Select     Kind = "select"
	Checkbox   Kind = "checkbox"
	Checkboxes Kind = "checkboxes"
	Group      Kind = "group"
	Repeat     Kind = "repeat"
	File       Kind = "file"
	// Heading and Paragraph show text and ask nothing.
	Heading   Kind = "heading"
	Paragraph Kind = "paragraph"
	// Calculated shows a number the server works out from the other
	// answers, and asks nothing.
	Calculated Kind = "calculated"
)

// Option is one choice of a radio, select or checkbox list.
type Option struct {
	Value, Label string
}

// Field is one control, group or repeatable group of a form page.
type Field struct {
	Kind Kind
	// Path names the field in the data and in the form post: "responsable.nom",
	// "enfants.1.prenom".
	Path        string
	Label       string
	Hint        string
	Placeholder string
	// Autocomplete is the HTML autofill token of what the field asks
	// (see schemas.Purposes).
	Autocomplete string
	Required     bool
	// Value is the answer as typed; Values the answers of a checkbox list.
	Value   string
	Values  []string
	Options []Option
	Error   string
	// MaxLength is shown as maxlength on text controls; EarliestDate and
	// LatestDate, as YYYY-MM-DD, as min and max on a date.
	MaxLength                int
	EarliestDate, LatestDate string
	// Children are a group's fields, or a repeatable group's items (each a Group).
	Children []*Field
	// MaxItems bounds a repeatable group.
	MaxItems int
	// Condition, for a conditional field, is the JSON the page's script
	// evaluates to show or hide it (see conditions.go).
	Condition string
	// Files are the files a file field already holds; Accept and Multiple
	// describe what it takes.
	Files    []keptFile
	Accept   string
	Multiple bool
}

// keptFile is a file already chosen, carried in the page so that nothing
// is lost when the page comes back.
type keptFile struct {
	Name, Size string
	// Value is what the page posts again for it: "upload:<id>", or the
	// data URL of a draft saved before files were uploaded on their own.
	Value string
}

// fieldContext is what fields are built with besides the answers: the
// errors by path, the language, and the files already received, by the
// value that names them.
type fieldContext struct {
	errs  map[string]string
	lang  locale.Lang
	files map[string]keptFile
}

// ID is the HTML id of the field's control (of its first option, for lists).
func (f *Field) ID() string {
	switch f.Kind {
	case Radios, Checkboxes:
		return "champ." + f.Path + ".0"
	}
	return "champ." + f.Path
}

// LongList is how many answers make a list long: with JavaScript, such a
// list proposes its answers as one types a few letters.
const LongList = 20

// Long reports whether the field is a long list.
func (f *Field) Long() bool { return f.Kind == Select && len(f.Options) > LongList }

// OptionID is the HTML id of a list's i-th option.
func (f *Field) OptionID(i int) string { return "champ." + f.Path + "." + strconv.Itoa(i) }

// Checked reports whether a list's option is selected.
func (f *Field) Checked(value string) bool {
	if f.Kind == Checkboxes {
		for _, v := range f.Values {
			if v == value {
				return true
			}
		}
		return false
	}
	return f.Value == value
}

// CanAdd reports whether a repeatable group takes one more item.
func (f *Field) CanAdd() bool { return f.MaxItems == 0 || len(f.Children) < f.MaxItems }

// node is what the pages read of a (sub)schema.
type node struct {
	Type        any             `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Format      string          `json:"format"`
	Enum        []any           `json:"enum"`
	EnumNames   []string        `json:"enumNames"`
	OneOf       []choice        `json:"oneOf"`
	Required    []string        `json:"required"`
	Properties  json.RawMessage `json:"properties"`
	Items       json.RawMessage `json:"items"`
	MaxLength   int             `json:"maxLength"`
	MaxItems    int             `json:"maxItems"`
	MultipleOf  float64         `json:"multipleOf"`
	// Calculate is a calculated field's expression (see
	// schemas.KeywordCalculate).
	Calculate string `json:"x-calculate"`
	// Earliest and Latest bound a date.
	Earliest schemas.DateBound `json:"x-earliest"`
	Latest   schemas.DateBound `json:"x-latest"`
}

type choice struct {
	Const any    `json:"const"`
	Title string `json:"title"`
}

func (n node) typ() string {
	if s, ok := n.Type.(string); ok {
		return s
	}
	return ""
}

// options lists the choices of an enum or a oneOf of constants.
func (n node) options() []Option {
	var opts []Option
	for _, c := range n.OneOf {
		if c.Const == nil {
			return nil
		}
		label := c.Title
		if label == "" {
			label = scalarText(c.Const)
		}
		opts = append(opts, Option{Value: scalarText(c.Const), Label: label})
	}
	for i, e := range n.Enum {
		label := scalarText(e)
		if i < len(n.EnumNames) {
			label = n.EnumNames[i]
		}
		opts = append(opts, Option{Value: scalarText(e), Label: label})
	}
	return opts
}

// uiHints is what the pages read of a uiSchema entry.
type uiHints struct {
	Widget       string `json:"ui:widget"`
	Help         string `json:"ui:help"`
	Placeholder  string `json:"ui:placeholder"`
	Autocomplete string `json:"ui:autocomplete"`
}

// buildFields makes the fields of an object schema, filled with data and
// the errors found in it (by path).
func buildFields(schemaRaw, uiRaw json.RawMessage, data map[string]any, prefix string, fc fieldContext) []*Field {
	var obj node
	_ = json.Unmarshal(schemaRaw, &obj)
	props := map[string]json.RawMessage{}
	_ = json.Unmarshal(obj.Properties, &props)
	ui := map[string]json.RawMessage{}
	_ = json.Unmarshal(uiRaw, &ui)
	// Conditional fields come right after the field that decides them; a
	// field two branches declare has a field for each, shown by its own
	// condition.
	conditional := map[string][]*Field{}
	all := schemas.AllProperties(schemaRaw)
	for _, b := range schemas.BranchesOf(schemaRaw) {
		bprops := map[string]json.RawMessage{}
		_ = json.Unmarshal(b.Properties, &bprops)
		for _, name := range b.Fields() {
			if _, base := props[name]; base {
				continue
			}
			f := buildField(bprops[name], ui[name], data[name], prefix+name, fc)
			f.Required, f.Condition = contains(b.Required, name), conditionOf(b, prefix, all)
			conditional[name] = append(conditional[name], f)
		}
	}
	var fields []*Field
	for _, name := range schemas.FieldOrder(schemaRaw, uiRaw) {
		raw, base := props[name]
		if !base {
			fields = append(fields, conditional[name]...)
			continue
		}
		f := buildField(raw, ui[name], data[name], prefix+name, fc)
		f.Required = contains(obj.Required, name)
		fields = append(fields, f)
	}
	return fields
}

func buildField(schemaRaw, uiRaw json.RawMessage, value any, path string, fc fieldContext) *Field {
	errs, lang := fc.errs, fc.lang
	var n node
	_ = json.Unmarshal(schemaRaw, &n)
	var hints uiHints
	_ = json.Unmarshal(uiRaw, &hints)
	f := &Field{Path: path, Label: n.Title, Hint: hints.Help, Placeholder: hints.Placeholder, Autocomplete: hints.Autocomplete,
		Error: errs[path], MaxLength: n.MaxLength}
	if f.Label == "" {
		f.Label = path[strings.LastIndex(path, ".")+1:]
	}
	if f.Hint == "" {
		f.Hint = n.Description
	}
	if rule, ok := fileRule(n, hints, uiRaw); ok {
		f.Kind, f.Accept, f.Multiple = File, strings.Join(rule.Accept, ","), rule.Multiple
		if f.Hint == "" {
			f.Hint = fileHint(rule, lang)
		}
		values, isList := value.([]any)
		if !isList && value != nil {
			values = []any{value}
		}
		for i, v := range values {
			s, _ := v.(string)
			if name, content, ok := submit.ParseDataURL(s); ok {
				f.Files = append(f.Files, keptFile{Name: name, Size: schemas.SizeText(int64(len(content))).In(lang), Value: s})
			} else if kept, ok := fc.files[s]; ok {
				f.Files = append(f.Files, kept)
			}
			if msg := errs[path+"."+strconv.Itoa(i)]; msg != "" && f.Error == "" {
				f.Error = msg
			}
		}
		return f
	}
	switch n.typ() {
	case "null":
		f.Kind = Heading
		if hints.Widget == "paragraph" {
			f.Kind = Paragraph
		}
	case "object":
		f.Kind = Group
		obj, _ := value.(map[string]any)
		f.Children = buildFields(schemaRaw, uiRaw, obj, path+".", fc)
	case "array":
		var items node
		_ = json.Unmarshal(n.Items, &items)
		if items.typ() == "object" {
			f.Kind, f.MaxItems = Repeat, n.MaxItems
			var itemUI struct {
				Items json.RawMessage `json:"items"`
			}
			_ = json.Unmarshal(uiRaw, &itemUI)
			list, _ := value.([]any)
			for i, item := range list {
				obj, _ := item.(map[string]any)
				itemPath := path + "." + strconv.Itoa(i)
				f.Children = append(f.Children, &Field{
					Kind: Group, Path: itemPath, Label: fmt.Sprintf("%s n° %d", f.Label, i+1),
					Error: errs[itemPath], Children: buildFields(n.Items, itemUI.Items, obj, itemPath+".", fc),
				})
			}
			break
		}
		f.Kind, f.Options = Checkboxes, items.options()
		list, _ := value.([]any)
		for _, v := range list {
			f.Values = append(f.Values, scalarText(v))
		}
	case "boolean":
		f.Kind = Checkbox
		if b, _ := value.(bool); b {
			f.Value = "true"
		}
	case "number", "integer":
		f.Kind, f.Value = Number, scalarText(value)
		if n.Calculate != "" {
			f.Kind = Calculated
		}
		if v, isNumber := value.(float64); isNumber {
			f.Value = schemas.NumberText(v, n.MultipleOf, lang)
		}
		if n.typ() == "integer" && f.Kind == Number {
			f.Kind = Integer
		}
	default:
		f.Value = scalarText(value)
		f.Kind = stringKind(n, hints)
		if f.Kind == Date {
			now := time.Now()
			if n.Earliest != "" {
				f.EarliestDate = n.Earliest.Day(now)
			}
			if n.Latest != "" {
				f.LatestDate = n.Latest.Day(now)
			}
			if n.Format == schemas.FormatPastDate {
				f.LatestDate = min(cmp.Or(f.LatestDate, "9999-12-31"), schemas.DateBound("today").Day(now))
			}
		}
		if f.Kind == Radios || f.Kind == Select {
			f.Options = n.options()
		}
	}
	return f
}

// fileRule tells whether a field takes files, and how many of what.
func fileRule(n node, hints uiHints, uiRaw json.RawMessage) (schemas.FileRule, bool) {
	var items node
	_ = json.Unmarshal(n.Items, &items)
	switch {
	case n.typ() == "string" && (n.Format == "data-url" || hints.Widget == "file"):
	case n.typ() == "array" && items.typ() == "string" && (items.Format == "data-url" || hints.Widget == "file"):
	default:
		return schemas.FileRule{}, false
	}
	// The same rule the server applies, read from the same place.
	rule := schemas.FileRuleOf(uiRaw, n.typ() == "array")
	return rule, true
}

func fileHint(rule schemas.FileRule, lang locale.Lang) string {
	hint := rule.Text(lang)
	if rule.MaxSize > MaxMultipartBytes {
		// Without JavaScript, the files go with the page, which is bounded.
		limit := schemas.SizeText(MaxMultipartBytes).In(lang)
		hint += locale.Say(lang, " (sans JavaScript : "+limit+" au plus pour toute la page)",
			" (without JavaScript: "+limit+" at most for the whole page)")
	}
	return hint
}

// stringKind picks the control of a string field.
func stringKind(n node, hints uiHints) Kind {
	if opts := n.options(); len(opts) > 0 {
		switch {
		case hints.Widget == "select":
			return Select
		case hints.Widget == "radio" || len(opts) <= schemas.RadiosUpTo:
			return Radios
		default:
			return Select
		}
	}
	switch {
	case hints.Widget == "textarea":
		return Textarea
	case n.Format == "email" || hints.Widget == "email":
		return Email
	case schemas.IsDate(n.Format) || hints.Widget == "date":
		return Date
	case hints.Widget == "tel" || n.Format == schemas.FormatPhoneFR:
		return Tel
	}
	return Text
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// scalarText writes an answer back into a control.
func scalarText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	default:
		return fmt.Sprint(v)
	}
}
