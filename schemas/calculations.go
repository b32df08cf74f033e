package schemas

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/guichet/guichet/internal/platform/locale"
)

// KeywordCalculate marks a calculated field: a number the server works
// out from the other answers, in expr like the checks across answers:
// "sum(trajets, .km) * 0.35", "days(debut, fin) + 1", "(repas ?? 0) * 20"
// for a field that may be left unanswered. Whatever a person
// or a client sends for it is replaced; the value stored is the server's,
// rounded to the field's multipleOf (cents for an amount).
const KeywordCalculate = "x-calculate"

// compiledCalculation is a calculated field ready to run.
type compiledCalculation struct {
	field   string
	program *vm.Program
	// fields are the fields the expression reads.
	fields []string
	// step rounds the result, 0 for none.
	step float64
}

// compileCalculations compiles the calculated fields of a form (top-level
// ones), adding to problems those that do not compile.
func compileCalculations(f Form, problems *DefinitionError) []compiledCalculation {
	env := expressionEnv(f)
	var out []compiledCalculation
	props := AllProperties(f.Schema)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		var node struct {
			Type       any     `json:"type"`
			Calculate  string  `json:"x-calculate"`
			MultipleOf float64 `json:"multipleOf"`
		}
		if json.Unmarshal(props[name], &node) != nil || node.Calculate == "" {
			continue
		}
		program, fields, err := compileExpression(node.Calculate, env, expr.AsFloat64())
		if err == nil && slices.Contains(fields, name) {
			err = fmt.Errorf("the field %q is computed from itself", name)
		}
		if err == nil && node.Type != "number" {
			err = fmt.Errorf("a calculated field is a number, not %v", node.Type)
		}
		if err != nil {
			problems.add(fmt.Sprintf("schema.properties.%s.%s", name, KeywordCalculate), locale.Text{
				FR: fmt.Sprintf("Le calcul « %s » ne se lit pas, ou ne porte pas sur les champs du formulaire : %v.", node.Calculate, err),
				EN: fmt.Sprintf("The calculation “%s” does not parse, or is not on the form's fields: %v.", node.Calculate, err),
			})
			continue
		}
		out = append(out, compiledCalculation{field: name, program: program, fields: fields, step: node.MultipleOf})
	}
	return inDependencyOrder(out, problems)
}

// inDependencyOrder puts each calculation after those it reads, adding to
// problems those that read each other in a circle.
func inDependencyOrder(calcs []compiledCalculation, problems *DefinitionError) []compiledCalculation {
	var ordered []compiledCalculation
	done := map[string]bool{}
	for len(calcs) > 0 {
		ready := slices.IndexFunc(calcs, func(c compiledCalculation) bool {
			return !slices.ContainsFunc(c.fields, func(f string) bool {
				return !done[f] && slices.ContainsFunc(calcs, func(other compiledCalculation) bool { return other.field == f })
			})
		})
		if ready < 0 {
			for _, c := range calcs {
				problems.add(fmt.Sprintf("schema.properties.%s.%s", c.field, KeywordCalculate), locale.Text{
					FR: fmt.Sprintf("Le calcul de %q dépend de lui-même, à travers d'autres champs calculés.", c.field),
					EN: fmt.Sprintf("The calculation of %q depends, through other calculations, on itself.", c.field),
				})
			}
			return ordered
		}
		done[calcs[ready].field] = true
		ordered = append(ordered, calcs[ready])
		calcs = slices.Delete(calcs, ready, ready+1)
	}
	return ordered
}

// Calculated reports whether the version has calculated fields.
func (c *Compiled) Calculated() bool { return len(c.calculations) > 0 }

// Live reports whether a page of the version has something to show as the
// answers are typed: calculated fields, checks across answers, bounded
// dates.
func (c *Compiled) Live() bool { return len(c.calculations)+len(c.checks)+len(c.dates) > 0 }

// Calculate works out the calculated fields of data, a JSON object, and
// returns it with their values in place of any sent: a field whose
// calculation gives no number, as when it adds an unanswered field, is
// left out. A calculation may read another; each is worked out once the
// ones it reads are.
func (c *Compiled) Calculate(data json.RawMessage) (json.RawMessage, error) {
	if len(c.calculations) == 0 {
		return data, nil
	}
	answers, ok := decodeNumbers(data).(map[string]any)
	if !ok {
		return data, nil
	}
	for _, calc := range c.calculations {
		delete(answers, calc.field)
	}
	// In dependency order: each reads the ones it depends on, worked out.
	for _, calc := range c.calculations {
		if v, ok := calc.run(answers); ok {
			answers[calc.field] = v
		}
	}
	return json.Marshal(answers)
}

// run works out one calculation, and whether it gave a number.
func (calc compiledCalculation) run(answers map[string]any) (float64, bool) {
	// An unanswered field is nil: "repas ?? 0" reads it as none; used as
	// a number, it fails the calculation, which is left out.
	env, _ := expressionInputs(calc.fields, answers)
	out, err := expr.Run(calc.program, env)
	v, isNumber := out.(float64)
	if err != nil || !isNumber || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	// 42.5 × 0.35 is 14.874999… in binary: the noise goes before the
	// rounding, so that it gives 14.88, as on paper.
	if calc.step > 0 {
		v = math.Round(math.Round(v/calc.step*1e6)/1e6) * calc.step
	}
	v = math.Round(v*1e9) / 1e9
	return v, true
}
