package schemas

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/guichet/guichet/internal/platform/locale"
)

// A form is written in French; Languages lists the others it is published
// in, and Translations holds its texts in each, by key:
//
//   - "title", "description", "confirmation": the form's own texts;
//   - "<field>": a field's label, "<group>.<field>" inside a group or the
//     items of a list;
//   - "<field>.help": its help text;
//   - "<field>=<answer>": the label of one of its choices;
//   - "step.<n>": the title of the n-th step, from 1;
//   - "check.<n>": the message of the n-th check across answers, from 1.
//
// A version is published in a language only when every text has its
// translation there (see Untranslated).

// TranslationLanguages are the languages a form may be translated into.
var TranslationLanguages = []string{"en", "de"}

// LanguageNames names the languages, each in its own words.
var LanguageNames = map[string]string{"fr": "Français", "en": "English", "de": "Deutsch"}

// maxTranslatedChoices bounds the choices whose labels are translated: a
// longer list, such as the communes, is of proper names.
const maxTranslatedChoices = 50

// SourceText is a text of a form, in French, with its key.
type SourceText struct {
	Key, French string
}

// Texts lists the texts of a form to translate, in the order a person
// meets them.
func Texts(f Form) []SourceText {
	var out []SourceText
	_, _ = rewriteTexts(f, func(key, french string) string {
		if french != "" && !slices.ContainsFunc(out, func(t SourceText) bool { return t.Key == key }) {
			out = append(out, SourceText{Key: key, French: french})
		}
		return french
	})
	return out
}

// Untranslated lists the texts of a form that have no translation in
// lang.
func Untranslated(f Form, lang string) []SourceText {
	var out []SourceText
	for _, t := range Texts(f) {
		if f.Translations[lang][t.Key] == "" {
			out = append(out, t)
		}
	}
	return out
}

// Translated is the form with its texts in lang, each left in French
// where it has no translation; French, or a language the form is not in,
// gives the form as it is.
func Translated(f Form, lang string) Form {
	texts := f.Translations[lang]
	if lang == "fr" || !slices.Contains(f.Languages, lang) || len(texts) == 0 {
		return f
	}
	out, err := rewriteTexts(f, func(key, french string) string {
		if t := texts[key]; t != "" {
			return t
		}
		return french
	})
	if err != nil {
		return f
	}
	return out
}

// checkLanguages adds to problems the languages a form names that it may
// not be in, or whose translation is incomplete.
func checkLanguages(f Form, problems *DefinitionError) {
	for i, lang := range f.Languages {
		if !slices.Contains(TranslationLanguages, lang) {
			problems.add(fmt.Sprintf("languages[%d]", i), locale.Text{
				FR: fmt.Sprintf("La langue %q n'est pas proposée : en (anglais) ou de (allemand).", lang),
				EN: fmt.Sprintf("The language %q is not offered: en (English) or de (German).", lang),
			})
			continue
		}
		if missing := Untranslated(f, lang); len(missing) > 0 {
			problems.add(fmt.Sprintf("translations.%s", lang), locale.Text{
				FR: fmt.Sprintf("La traduction en %s est incomplète : %d textes sur %d manquent, dont « %s ».", LanguageNames[lang],
					len(missing), len(Texts(f)), missing[0].French),
				EN: fmt.Sprintf("The %s translation is incomplete: %d texts of %d are missing, such as “%s”.", LanguageNames[lang],
					len(missing), len(Texts(f)), missing[0].French),
			})
		}
	}
}

// rewriteTexts calls text for each text of the form, in the order a person
// meets them, with its key and its French, and returns the form with the
// texts it returns in their place.
func rewriteTexts(f Form, text func(key, french string) string) (Form, error) {
	f.Title = text("title", f.Title)
	f.Description = text("description", f.Description)
	var schema, ui map[string]any
	if err := json.Unmarshal(f.Schema, &schema); err != nil {
		return f, err
	}
	if len(f.UISchema) > 0 {
		if err := json.Unmarshal(f.UISchema, &ui); err != nil {
			return f, err
		}
	}
	order := FieldOrder(f.Schema, f.UISchema)
	rewriteObject(schema, ui, "", order, text)
	if steps, ok := ui["ui:steps"].([]any); ok {
		for i, s := range steps {
			if step, ok := s.(map[string]any); ok {
				title, _ := step["title"].(string)
				step["title"] = text("step."+strconv.Itoa(i+1), title)
			}
		}
	}
	checks := slices.Clone(f.Checks)
	for i := range checks {
		checks[i].MessageFR = text("check."+strconv.Itoa(i+1), checks[i].MessageFR)
	}
	f.Checks = checks
	f.Confirmation = text("confirmation", f.Confirmation)
	var err error
	if f.Schema, err = json.Marshal(schema); err != nil {
		return f, err
	}
	if ui != nil {
		f.UISchema, err = json.Marshal(ui)
	}
	return f, err
}

// rewriteObject rewrites the texts of an object schema's fields, those of
// its branches too, and of their own groups and lists, under prefix.
func rewriteObject(schema, ui map[string]any, prefix string, order []string, text func(key, french string) string) {
	props := map[string]map[string]any{}
	collect := func(node map[string]any) {
		p, _ := node["properties"].(map[string]any)
		for name, v := range p {
			if field, ok := v.(map[string]any); ok {
				if _, seen := props[name]; !seen {
					props[name] = field
				}
			}
		}
	}
	collect(schema)
	parts, _ := schema["allOf"].([]any)
	for _, part := range append(parts, any(schema)) {
		node, _ := part.(map[string]any)
		for _, branch := range []string{"then", "else"} {
			if b, ok := node[branch].(map[string]any); ok {
				collect(b)
			}
		}
	}
	names := slices.Clone(order)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for name := range props {
			if !yield(name) {
				return
			}
		}
	}) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range names {
		field, ok := props[name]
		if !ok {
			continue
		}
		key := prefix + name
		fieldUI, _ := ui[name].(map[string]any)
		rewriteField(field, fieldUI, key, text)
		// The fields of a group, or of a list's items.
		if sub, ok := field["properties"].(map[string]any); ok && sub != nil {
			rewriteObject(field, fieldUI, key+".", PropertyOrder(mustJSON(field), mustJSON(fieldUI)), text)
		}
		if items, ok := field["items"].(map[string]any); ok {
			itemsUI, _ := fieldUI["items"].(map[string]any)
			if _, isObject := items["properties"]; isObject {
				rewriteObject(items, itemsUI, key+".", PropertyOrder(mustJSON(items), mustJSON(itemsUI)), text)
			} else {
				rewriteChoices(items, key, text)
			}
		}
	}
}

// rewriteField rewrites a field's label, help and choices.
func rewriteField(field, ui map[string]any, key string, text func(key, french string) string) {
	title, _ := field["title"].(string)
	field["title"] = text(key, title)
	if help, ok := ui["ui:help"].(string); ok {
		ui["ui:help"] = text(key+".help", help)
	} else if description, ok := field["description"].(string); ok {
		field["description"] = text(key+".help", description)
	}
	rewriteChoices(field, key, text)
}

// rewriteChoices rewrites the labels of a field's choices: oneOf titles,
// or enumNames.
func rewriteChoices(field map[string]any, key string, text func(key, french string) string) {
	// Long lists, such as the communes, are of proper names.
	if names, _ := field["enumNames"].([]any); len(names) > maxTranslatedChoices {
		return
	}
	if oneOf, ok := field["oneOf"].([]any); ok {
		for _, c := range oneOf {
			if choice, ok := c.(map[string]any); ok {
				title, _ := choice["title"].(string)
				choice["title"] = text(key+"="+fmt.Sprint(choice["const"]), title)
			}
		}
	}
	enum, _ := field["enum"].([]any)
	if names, ok := field["enumNames"].([]any); ok {
		for i, n := range names {
			if i < len(enum) {
				label, _ := n.(string)
				names[i] = text(key+"="+fmt.Sprint(enum[i]), label)
			}
		}
	}
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	raw, _ := json.Marshal(v)
	return raw
}
