package editor

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// blankRows is how many empty rows a list editor offers for additions.
const blankRows = 3

// option is one entry of a list to choose from.
type option struct {
	Value, Label string
	Selected     bool
}

// conditionRow is one rule of a condition as the field's page shows it: the
// field tested, the operator, and the values as typed.
type conditionRow struct {
	Index           int
	Field, Operator string
	Value           string
}

// emptyRules is how many empty rules a condition's editor offers to fill.
const emptyRules = 2

// conditionEditor is a condition as its editor shows it (the
// "condition-editor" template).
type conditionEditor struct {
	// Triggers are the fields a condition may test: those always shown.
	Triggers []option
	// Rules are the condition's rules, then empty ones to add; AnyRule
	// says any rule suffices; When says the condition in words.
	Rules   []conditionRow
	AnyRule bool
	When    string
}

// conditionView is a condition's editor with its texts: the legend, the
// words before the condition ("Affiché si") and what no rule means.
type conditionView struct {
	Lang                  locale.Lang
	Legend, Shown, Always string
	Editor                conditionEditor
}

// fill shows cond, unless rules were posted, with the fields of specs
// that offered keeps as the fields it may test.
func (c *conditionEditor) fill(r *http.Request, specs []builder.FieldSpec, cond *builder.Condition, offered func(builder.FieldSpec) bool) {
	for _, s := range specs {
		if s.Condition == nil && s.Type != builder.Heading && s.Type != builder.Paragraph && offered(s) {
			c.Triggers = append(c.Triggers, option{Value: s.Name, Label: s.Label})
		}
	}
	if cond != nil && c.Rules == nil {
		c.AnyRule, c.When = cond.Any, cond.Text(specs, langOf(r))
		for i, rule := range cond.Rules {
			trigger := fieldOf(specs, rule.Field)
			values := make([]string, len(rule.Values))
			for j, v := range rule.Values {
				values[j] = builder.AnswerText(trigger, v)
			}
			c.Rules = append(c.Rules, conditionRow{Index: i, Field: rule.Field, Operator: string(rule.Operator),
				Value: strings.Join(values, " ; ")})
		}
	}
	for range emptyRules {
		c.Rules = append(c.Rules, conditionRow{Index: len(c.Rules), Operator: string(builder.Equals)})
	}
}

// subFieldRow is one field of a repeatable group, as its editor shows it.
type subFieldRow struct {
	Index    int
	Type     builder.FieldType
	Name     string
	Label    string
	Required bool
	Choices  string
}

type fieldPage struct {
	Form  schemas.Form
	New   bool
	Spec  builder.FieldSpec
	Name  string
	Texts fieldTexts
	// Condition edits the condition that shows the field.
	Condition conditionEditor
	// Names are the fields' technical names, which a calculation uses.
	Names []string
	// Steps offers the steps to put a new field on.
	Steps     []option
	SubFields []subFieldRow
	SubTypes  []builder.FieldType
	Errors    []string
}

// fieldTexts are a field's properties as the page's inputs hold them.
type fieldTexts struct {
	Minimum, Maximum, MinLength, MaxLength, Default, Choices string
	Earliest, Latest                                         boundTexts
}

// boundTexts are a date's bound as the page's inputs hold them: Kind is
// "" (none), "fixed" with Date, or "relative" with Count of Unit ("d",
// "m" or "y") Way ("before" or "after") the day of the answer.
type boundTexts struct {
	Name                         string
	Kind, Date, Count, Unit, Way string
}

// boundView is a bound with its legend, for the "date-bound" template.
type boundView struct {
	Lang   locale.Lang
	Legend string
	Bound  boundTexts
}

// boundTextsOf writes a bound into the page's inputs named after name.
func boundTextsOf(name string, b schemas.DateBound) boundTexts {
	t := boundTexts{Name: name, Unit: "y", Way: "before"}
	if n, unit, relative := b.Offset(); relative {
		t.Kind, t.Count = "relative", strconv.Itoa(max(n, -n))
		if unit != "" {
			t.Unit = unit
		}
		if n > 0 {
			t.Way = "after"
		}
	} else if b != "" {
		t.Kind, t.Date = "fixed", string(b)
	}
	return t
}

// parseBound reads a bound from the inputs named after name, and whether
// it is one.
func parseBound(form url.Values, name string) (boundTexts, schemas.DateBound, bool) {
	t := boundTexts{Name: name, Kind: form.Get(name + "Kind"), Date: strings.TrimSpace(form.Get(name + "Date")),
		Count: strings.TrimSpace(form.Get(name + "Count")), Unit: form.Get(name + "Unit"), Way: form.Get(name + "Way")}
	switch t.Kind {
	case "fixed":
		b := schemas.DateBound(t.Date)
		return t, b, b.Valid()
	case "relative":
		n, err := strconv.Atoi(cmp.Or(t.Count, "0"))
		if err != nil || n < 0 || n > 999 || !slices.Contains([]string{"d", "m", "y"}, t.Unit) {
			return t, "", false
		}
		if t.Way == "before" {
			n = -n
		}
		return t, schemas.Relative(n, t.Unit), true
	}
	return t, "", true
}

// Is reports whether the field is of one of the types.
func (p fieldPage) Is(types ...builder.FieldType) bool { return slices.Contains(types, p.Spec.Type) }

// Conditional reports whether the field shows only on a condition, which
// keeps it from being renamed.
func (p fieldPage) Conditional() bool { return !p.New && p.Spec.Condition != nil }

func (e *Pages) newField(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	t := builder.FieldType(r.URL.Query().Get("type"))
	if _, known := typeNames[t]; !known {
		t = builder.ShortText
	}
	e.renderField(w, r, http.StatusOK, draft, fieldPage{New: true, Spec: builder.FieldSpec{Type: t},
		Texts: fieldTexts{Earliest: boundTextsOf("earliest", ""), Latest: boundTextsOf("latest", "")}})
}

func (e *Pages) editField(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	specs, err := builder.Fields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	i := slices.IndexFunc(specs, func(s builder.FieldSpec) bool { return s.Name == name })
	if i < 0 {
		e.templates.Render(w, r, http.StatusNotFound, "notfound.html", web.Say(r, "Champ introuvable", "Field not found"), nil)
		return
	}
	spec := specs[i]
	page := fieldPage{Spec: spec, Name: name, Texts: fieldTexts{
		Minimum: number(spec.Minimum), Maximum: number(spec.Maximum),
		MinLength: integer(spec.MinLength), MaxLength: integer(spec.MaxLength),
		Choices:  choicesText(spec.Choices),
		Earliest: boundTextsOf("earliest", spec.Earliest), Latest: boundTextsOf("latest", spec.Latest),
	}}
	if spec.Default != nil {
		page.Texts.Default = builder.AnswerText(spec, spec.Default)
	}
	e.renderField(w, r, http.StatusOK, draft, page)
}

func (e *Pages) renderField(w http.ResponseWriter, r *http.Request, status int, draft schemas.Form, page fieldPage) {
	page.Form = draft
	specs, err := builder.Fields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	for _, s := range specs {
		if s.Name != page.Name && s.Type != builder.Heading && s.Type != builder.Paragraph {
			page.Names = append(page.Names, s.Name)
		}
	}
	page.Condition.fill(r, specs, page.Spec.Condition, func(s builder.FieldSpec) bool { return s.Name != page.Name })
	if page.New {
		for i, s := range builder.Steps(draft) {
			page.Steps = append(page.Steps, option{Value: strconv.Itoa(i), Label: s.Title})
		}
	}
	if page.Spec.Type == builder.RepeatGroup {
		page.SubTypes = slices.DeleteFunc(
			slices.Clone(builder.Catalogue),
			func(t builder.FieldType) bool {
				return t == builder.RepeatGroup || t == builder.CalculatedNumber || t == builder.CalculatedAmount
			},
		)
		if len(page.SubFields) == 0 {
			for i, s := range page.Spec.Fields {
				page.SubFields = append(page.SubFields, subFieldRow{
					Index:    i,
					Type:     s.Type,
					Name:     s.Name,
					Label:    s.Label,
					Required: s.Required,
					Choices:  choicesText(s.Choices),
				})
			}
		}
		filled := 0
		for _, row := range page.SubFields {
			if row.Label != "" {
				filled++
			}
		}
		for len(page.SubFields) < filled+blankRows {
			page.SubFields = append(page.SubFields, subFieldRow{Index: len(page.SubFields), Type: builder.ShortText})
		}
	}
	title := web.Say(r, "Nouveau champ", "New field")
	if !page.New {
		title = page.Spec.Label
	}
	e.templates.Render(w, r, status, "field.html", pageTitle(r, title, draft.Title, len(page.Errors) > 0), page)
}

func (e *Pages) addField(w http.ResponseWriter, r *http.Request) { e.saveFieldAs(w, r, "") }

func (e *Pages) saveField(w http.ResponseWriter, r *http.Request) {
	e.saveFieldAs(w, r, r.PathValue("name"))
}

// saveFieldAs adds a field (name empty) or saves the named one, with its
// condition and, for a new field, its step.
func (e *Pages) saveFieldAs(w http.ResponseWriter, r *http.Request, name string) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	page := fieldPage{New: name == "", Name: name}
	page.Spec, page.Texts, page.SubFields, page.Errors = parseField(r)
	page.Spec.Condition, page.Condition.Rules, page.Errors = parseCondition(r, draft, page.Errors)
	if len(page.Errors) > 0 {
		e.renderField(w, r, http.StatusUnprocessableEntity, draft, page)
		return
	}
	var saved string
	_, err := e.Builder.EditDraft(r.Context(), by(r), draft.ID, func(f schemas.Form) (schemas.Form, error) {
		specs, err := builder.Fields(f)
		if err != nil {
			return f, err
		}
		taken := func(n string) bool {
			return slices.ContainsFunc(specs, func(s builder.FieldSpec) bool { return s.Name == n && n != name })
		}
		spec := page.Spec
		if spec.Name == "" && name == "" {
			spec.Name = builder.NameFor(spec.Label, taken)
		}
		cond := spec.Condition
		spec.Condition = nil
		if name == "" {
			if f, err = builder.AddField(f, spec); err != nil {
				return f, err
			}
			saved = spec.Name
			if f, err = placeOnStep(f, saved, r.PostFormValue("step")); err != nil {
				return f, err
			}
		} else {
			if f, err = builder.UpdateField(f, name, spec); err != nil {
				return f, err
			}
			saved = cmp.Or(spec.Name, name)
			if fieldOf(specs, name).Condition.Same(cond) {
				return f, nil
			}
		}
		if cond == nil && name == "" {
			return f, nil
		}
		return builder.SetCondition(f, saved, cond)
	})
	if e.failed(w, r, err, func(reasons []string) {
		page.Errors = reasons
		e.renderField(w, r, http.StatusUnprocessableEntity, draft, page)
	}) {
		return
	}
	done := "saved"
	if name == "" {
		done = "added"
	}
	http.Redirect(w, r, "/admin/forms/"+draft.ID+"?done="+done+"#champ-"+saved, http.StatusSeeOther)
}

// placeOnStep puts a new field on the chosen step, when the form has steps.
func placeOnStep(f schemas.Form, name, choice string) (schemas.Form, error) {
	steps := builder.Steps(f)
	i, err := strconv.Atoi(choice)
	if len(steps) == 0 || err != nil || i < 0 || i >= len(steps) {
		return f, nil
	}
	steps[i].Fields = append(steps[i].Fields, name)
	return builder.SetSteps(f, steps)
}

// parseCondition reads the condition's rules, "rule.<n>.field",
// ".operator" and ".value" (several values separated by ";"), a row
// without a field left out; it returns the rows as posted, to show again
// when the page is refused.
func parseCondition(r *http.Request, draft schemas.Form, errs []string) (*builder.Condition, []conditionRow, []string) {
	specs, _ := builder.Fields(draft)
	cond := &builder.Condition{Any: r.PostFormValue("match") == "any"}
	var rows []conditionRow
	for i := 0; ; i++ {
		prefix := "rule." + strconv.Itoa(i) + "."
		if _, posted := r.PostForm[prefix+"field"]; !posted {
			break
		}
		row := conditionRow{Index: len(rows), Field: r.PostFormValue(prefix + "field"), Operator: r.PostFormValue(prefix + "operator"),
			Value: strings.TrimSpace(r.PostFormValue(prefix + "value"))}
		if row.Field == "" {
			continue
		}
		rows = append(rows, row)
		op := builder.Operator(row.Operator)
		values, err := builder.RuleValue(fieldOf(specs, row.Field), op, strings.ReplaceAll(row.Value, ";", "\n"))
		if refused := (*builder.Refusal)(nil); errors.As(err, &refused) {
			errs = append(errs, refused.Message.In(langOf(r)))
			continue
		}
		cond.Rules = append(cond.Rules, builder.Rule{Field: row.Field, Operator: op, Values: values})
	}
	if len(cond.Rules) == 0 {
		return nil, rows, errs
	}
	return cond, rows, errs
}

// parseField reads a field from the posted form, and what is wrong with it.
func parseField(r *http.Request) (builder.FieldSpec, fieldTexts, []subFieldRow, []string) {
	lang := web.RequestOf(r.Context()).Lang
	form := r.PostForm
	spec := builder.FieldSpec{
		Type:           builder.FieldType(form.Get("type")),
		Name:           strings.TrimSpace(form.Get("name")),
		Label:          strings.TrimSpace(form.Get("label")),
		Hint:           strings.TrimSpace(form.Get("hint")),
		Placeholder:    strings.TrimSpace(form.Get("placeholder")),
		Required:       form.Get("required") == "on",
		Pattern:        strings.TrimSpace(form.Get("pattern")),
		PatternMessage: strings.TrimSpace(form.Get("patternMessage")),
		AsList:         form.Get("asList") == "on",
		Purpose:        form.Get("purpose"),
		Summary:        form.Get("summary") == "on",
		Calculate:      strings.TrimSpace(form.Get("calculate")),
	}
	texts := fieldTexts{
		Minimum: form.Get("minimum"), Maximum: form.Get("maximum"), MinLength: form.Get("minLength"),
		MaxLength: form.Get("maxLength"), Default: form.Get("default"), Choices: form.Get("choices"),
	}
	var errs []string
	bad := func(fr, en string) { errs = append(errs, locale.Text{FR: fr, EN: en}.In(lang)) }
	if _, known := typeNames[spec.Type]; !known {
		bad("Type de champ inconnu.", "Unknown field type.")
	}
	if spec.Purpose != "" && !slices.Contains(schemas.Purposes, spec.Purpose) {
		bad("Ce que la réponse dit du demandeur n'est pas dans la liste.", "What the answer says of the applicant is not in the list.")
	}
	if spec.Label == "" {
		bad("Donnez un libellé au champ : c'est la question que lit l'usager.", "Give the field a label: it is the question people read.")
	}
	var ok bool
	if spec.Minimum, ok = parseNumber(texts.Minimum); !ok {
		bad("Le minimum doit être un nombre.", "The minimum must be a number.")
	}
	if spec.Maximum, ok = parseNumber(texts.Maximum); !ok {
		bad("Le maximum doit être un nombre.", "The maximum must be a number.")
	}
	if spec.MinLength, ok = parseCount(texts.MinLength); !ok {
		bad("La longueur minimale doit être un nombre entier positif.", "The minimum length must be a whole positive number.")
	}
	if spec.MaxLength, ok = parseCount(texts.MaxLength); !ok {
		bad("La longueur maximale doit être un nombre entier positif.", "The maximum length must be a whole positive number.")
	}
	if spec.Type == builder.Date || spec.Type == builder.PastDate {
		if texts.Earliest, spec.Earliest, ok = parseBound(form, "earliest"); !ok {
			bad("La date au plus tôt doit être une date, ou un nombre de jours, de mois ou d'années.",
				"The earliest date must be a date, or a number of days, months or years.")
		}
		if texts.Latest, spec.Latest, ok = parseBound(form, "latest"); !ok {
			bad("La date au plus tard doit être une date, ou un nombre de jours, de mois ou d'années.",
				"The latest date must be a date, or a number of days, months or years.")
		}
	}
	spec.Choices = parseChoices(texts.Choices)
	if (spec.Type == builder.SingleChoice || spec.Type == builder.MultipleChoice) && len(spec.Choices) == 0 {
		bad("Indiquez les réponses proposées, une par ligne.", "List the answers offered, one per line.")
	}
	if d := strings.TrimSpace(texts.Default); d != "" {
		v, err := builder.AnswerValue(spec, d)
		if err != nil {
			bad(
				"La valeur par défaut n'est pas une réponse possible de ce champ.",
				"The default value is not a possible answer of this field.",
			)
		}
		spec.Default = v
	}
	var rows []subFieldRow
	if spec.Type == builder.RepeatGroup {
		rows = parseSubFields(r)
		taken := map[string]bool{}
		for _, row := range rows {
			if row.Label == "" {
				continue
			}
			sub := builder.FieldSpec{
				Type:     row.Type,
				Name:     row.Name,
				Label:    row.Label,
				Required: row.Required,
				Choices:  parseChoices(row.Choices),
			}
			if sub.Name == "" {
				sub.Name = builder.NameFor(sub.Label, func(n string) bool { return taken[n] })
			}
			taken[sub.Name] = true
			spec.Fields = append(spec.Fields, sub)
		}
		if len(spec.Fields) == 0 {
			bad("Un groupe répétable demande au moins un champ.", "A repeatable group needs at least one field.")
		}
	}
	return spec, texts, rows, errs
}

func parseSubFields(r *http.Request) []subFieldRow {
	var rows []subFieldRow
	for i := 0; ; i++ {
		prefix := "sub." + strconv.Itoa(i) + "."
		if _, present := r.PostForm[prefix+"type"]; !present {
			return rows
		}
		rows = append(rows, subFieldRow{
			Index:    i,
			Type:     builder.FieldType(r.PostFormValue(prefix + "type")),
			Name:     strings.TrimSpace(r.PostFormValue(prefix + "name")),
			Label:    strings.TrimSpace(r.PostFormValue(prefix + "label")),
			Required: r.PostFormValue(prefix+"required") == "on",
			Choices:  r.PostFormValue(prefix + "choices"),
		})
	}
}

// parseChoices reads answers one per line: "label", or "value | label"
// to keep a value that differs from the label.
func parseChoices(text string) []builder.Choice {
	var out []builder.Choice
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		value, label, split := strings.Cut(line, "|")
		if !split {
			label, value = line, builder.NameFor(line, func(string) bool { return false })
		}
		out = append(out, builder.Choice{Value: strings.TrimSpace(value), Label: strings.TrimSpace(label)})
	}
	return out
}

// choicesText writes answers as parseChoices reads them.
func choicesText(choices []builder.Choice) string {
	var b strings.Builder
	for _, c := range choices {
		if c.Value != builder.NameFor(c.Label, func(string) bool { return false }) {
			b.WriteString(c.Value + " | ")
		}
		b.WriteString(c.Label + "\n")
	}
	return b.String()
}

// parseNumber reads a number written the French way or not; empty is none.
func parseNumber(s string) (*float64, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), " ", ""), ",", ".")
	if s == "" {
		return nil, true
	}
	n, err := strconv.ParseFloat(s, 64)
	return &n, err == nil
}

func parseCount(s string) (*int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	n, err := strconv.Atoi(s)
	return &n, err == nil && n >= 0
}

func number(n *float64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatFloat(*n, 'f', -1, 64)
}

func integer(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
