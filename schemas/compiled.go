package schemas

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/xeipuuv/gojsonschema"
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
}

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
	if err := problems.orNil(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks submitted data against this version's schema; see the
// package function Validate.
func (c *Compiled) Validate(data json.RawMessage) error {
	return Validate(c.schema, c.Schema, c.UISchema, data)
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
