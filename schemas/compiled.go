package schemas

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/xeipuuv/gojsonschema"

	"github.com/guichet/guichet/internal/platform/locale"
)

// Compiled is a published version with its schema and routing conditions
// compiled, ready to validate and route submissions.
type Compiled struct {
	Version
	schema *gojsonschema.Schema
	rules  []compiledRule
	files  map[string]FileRule
	// stepConditions are the workflow steps' conditions, nil for none.
	stepConditions []*gojsonschema.Schema
	// layout is how Answers writes the data, worked out at its first call.
	layoutOnce sync.Once
	layout     *layout
	// marks are the fields marked with a purpose, or for the inboxes.
	marks fieldMarks
	// checks are the rules across answers, compiled.
	checks []compiledCheck
	// dates are the bounds of the date fields that have some.
	dates []dateBounds
	// calculations are the calculated fields, compiled.
	calculations []compiledCalculation
	// translated are the version in each of its languages, compiled at
	// their first use; a translation knows its language and its source.
	translated sync.Map
	language   string
	source     *Compiled
}

// In is the version with its texts in lang, one of its languages; French
// or another gives the version as written.
func (c *Compiled) In(lang string) *Compiled {
	if c.source != nil {
		return c.source.In(lang)
	}
	if !slices.Contains(c.Languages, lang) {
		return c
	}
	if t, ok := c.translated.Load(lang); ok {
		return t.(*Compiled)
	}
	v := c.Version
	v.Form = Translated(c.Form, lang)
	t, err := compile(v)
	if err != nil {
		return c
	}
	t.language, t.source = lang, c
	actual, _ := c.translated.LoadOrStore(lang, t)
	return actual.(*Compiled)
}

// Language is the language of the version's texts: "fr", or the
// language it was translated into.
func (c *Compiled) Language() string { return cmp.Or(c.language, "fr") }

type compiledRule struct {
	when       *gojsonschema.Schema
	department string
}

// compile compiles a form's schema and routing conditions, collecting every
// problem rather than stopping at the first.
func compile(v Version) (*Compiled, error) {
	problems := &DefinitionError{}
	c := &Compiled{Version: v, files: fileFieldsOf(v), marks: fieldMarks{purposes: map[string][]string{}}}
	marksOf(v.Schema, v.UISchema, nil, &c.marks)
	var err error
	if c.schema, err = Compile(v.Schema, "schema"); err != nil {
		problems.merge(err)
	}
	for i, rule := range v.Routing.Rules {
		when, err := Compile(rule.When, fmt.Sprintf("routing.rules[%d].when", i))
		if err != nil {
			problems.merge(err)
			continue
		}
		c.rules = append(c.rules, compiledRule{when: when, department: rule.Department})
	}
	if c.stepConditions, err = compileWorkflow(v.Workflow); err != nil {
		problems.merge(err)
	}
	c.checks = compileChecks(v.Form, problems)
	c.dates = compileDateBounds(v.Form, problems)
	c.calculations = compileCalculations(v.Form, problems)
	if err := problems.orNil(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks submitted data against this version's schema (see the
// package function Validate), then the bounds of its dates and its checks:
// each that fails says its message at its field, unless the schema already
// found that field wrong.
func (c *Compiled) Validate(data json.RawMessage) error {
	err := Validate(c.schema, c.Schema, c.UISchema, data)
	if len(c.checks) == 0 && len(c.dates) == 0 {
		return err
	}
	invalid := &ValidationError{}
	if !errors.As(err, &invalid) && err != nil {
		return err
	}
	for _, f := range c.Checks(data) {
		if !slices.ContainsFunc(invalid.Fields, func(wrong FieldError) bool { return wrong.Location == f.Location }) {
			invalid.Fields = append(invalid.Fields, f)
		}
	}
	if len(invalid.Fields) == 0 {
		return nil
	}
	return invalid
}

// Checks lists what the bounds of the dates and the checks across answers
// refuse in data, whatever the schema says of it: what a page shows as
// the answers are typed.
func (c *Compiled) Checks(data json.RawMessage) []FieldError {
	if len(c.checks) == 0 && len(c.dates) == 0 {
		return nil
	}
	var refused []FieldError
	refuse := func(field string, msg locale.Text) {
		if !slices.ContainsFunc(refused, func(f FieldError) bool { return f.Location == field }) {
			refused = append(refused, FieldError{Location: field, Message: msg})
		}
	}
	answers, _ := decodeNumbers(data).(map[string]any)
	now := time.Now()
	for _, d := range c.dates {
		d.check(answers, now, refuse)
	}
	for _, check := range c.checks {
		if check.failed(answers) {
			refuse(check.Field, check.Message())
		}
	}
	return refused
}

// Route returns the department that receives data: the department of the
// first rule whose condition data satisfies, or the default.
func (c *Compiled) Route(data json.RawMessage) string {
	department, _ := c.RouteOf(data)
	return department
}

// RouteOf is Route with the position of the rule that matched, -1 when
// none did and the default department receives the data.
func (c *Compiled) RouteOf(data json.RawMessage) (string, int) {
	for i, r := range c.rules {
		if Matches(r.when, data) {
			return r.department, i
		}
	}
	return c.Routing.Default, -1
}

// Matches reports whether data satisfies a compiled JSON Schema condition.
func Matches(condition *gojsonschema.Schema, data json.RawMessage) bool {
	result, err := condition.Validate(gojsonschema.NewBytesLoader(data))
	return err == nil && result.Valid()
}
