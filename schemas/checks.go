package schemas

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/guichet/guichet/internal/platform/locale"
)

// CrossCheck is a rule across a form's answers that JSON Schema cannot say,
// with its own message: "fin >= debut", "total <= 5000". It is written
// in expr (github.com/expr-lang/expr): a small, sandboxed, typed
// expression language, with no access to anything but the answers, whose
// programs compile once per form version. It holds when the expression is
// true; it is not checked while one of the fields it names is unanswered,
// which "required" says on its own.
type CrossCheck struct {
	// Expr is the expression that must be true, over the form's own
	// fields by name; dates compare as their text, "2026-03-02".
	Expr string `json:"expr" example:"fin >= debut"`
	// Field is where the message shows: one of the fields Expr names.
	Field string `json:"field" example:"fin"`
	// MessageFR and MessageEN say why the answers are refused; without
	// English, the French is said.
	MessageFR string `json:"messageFr"`
	MessageEN string `json:"messageEn,omitempty"`
}

// Message is the check's message in French and English.
func (c CrossCheck) Message() locale.Text {
	return locale.Text{FR: c.MessageFR, EN: cmp.Or(c.MessageEN, c.MessageFR)}
}

// MaxCheckNodes bounds the size of a check's expression.
const MaxCheckNodes = 200

// checkBuiltins are the functions a check may call: arithmetic, and the
// length and sum of a list; none that could take long.
var checkBuiltins = []string{"abs", "ceil", "floor", "round", "min", "max", "len", "sum", "int", "float"}

// compiledCheck is a check ready to run, with the fields it names.
type compiledCheck struct {
	CrossCheck
	program *vm.Program
	fields  []string
}

// compileChecks compiles a form's checks against its fields, adding to
// problems those that do not compile.
func compileChecks(f Form, problems *DefinitionError) []compiledCheck {
	fields := expressionEnv(f)
	var out []compiledCheck
	for i, check := range f.Checks {
		compiled, err := compileCheck(check, fields)
		if err != nil {
			problems.add(fmt.Sprintf("checks[%d]", i), locale.Text{
				FR: fmt.Sprintf("Le contrôle « %s » ne se lit pas, ou ne porte pas sur les champs du formulaire : %v.", check.Expr, err),
				EN: fmt.Sprintf("The check “%s” does not parse, or is not on the form's fields: %v.", check.Expr, err),
			})
			continue
		}
		out = append(out, compiled)
	}
	return out
}

// expressionEnv types each field of a form as its answers are, so that
// an expression over them is checked when it compiles: a text, a number,
// a yes or no, a list, a group.
func expressionEnv(f Form) map[string]any {
	fields := map[string]any{}
	for name, raw := range AllProperties(f.Schema) {
		var node struct {
			Type any `json:"type"`
		}
		_ = json.Unmarshal(raw, &node)
		switch node.Type {
		case "number", "integer":
			fields[name] = 0.0
		case "boolean":
			fields[name] = false
		case "array":
			fields[name] = []any{}
		case "object":
			fields[name] = map[string]any{}
		default:
			fields[name] = ""
		}
	}
	return fields
}

// compileExpression compiles an expression of checks and calculations
// against the fields of env, with the functions they may call.
func compileExpression(text string, env map[string]any, result expr.Option) (*vm.Program, []string, error) {
	opts := []expr.Option{expr.Env(env), result, expr.MaxNodes(MaxCheckNodes), expr.DisableAllBuiltins(), daysFunction}
	for _, b := range checkBuiltins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	program, err := expr.Compile(text, opts...)
	if err != nil {
		return nil, nil, err
	}
	named := &identifiers{}
	node := program.Node()
	ast.Walk(&node, named)
	// Function names are identifiers too: only the fields are inputs.
	fields := slices.DeleteFunc(named.names, func(name string) bool { _, isField := env[name]; return !isField })
	return program, fields, nil
}

// daysFunction is days(from, to): the days from one date, as
// "2026-03-02", to another; days(debut, fin) + 1 counts both.
var daysFunction = expr.Function("days", func(params ...any) (any, error) {
	from, err := time.Parse(time.DateOnly, params[0].(string))
	if err != nil {
		return nil, err
	}
	to, err := time.Parse(time.DateOnly, params[1].(string))
	if err != nil {
		return nil, err
	}
	return math.Round(to.Sub(from).Hours() / 24), nil
}, new(func(string, string) float64))

// compileCheck compiles a check against a form's fields, each with a
// value of its type.
func compileCheck(c CrossCheck, fields map[string]any) (compiledCheck, error) {
	program, names, err := compileExpression(c.Expr, fields, expr.AsBool())
	if err != nil {
		return compiledCheck{}, err
	}
	if !slices.Contains(names, c.Field) {
		return compiledCheck{}, fmt.Errorf("the message's field %q is not in the expression", c.Field)
	}
	return compiledCheck{CrossCheck: c, program: program, fields: names}, nil
}

// identifiers collects the names an expression reads.
type identifiers struct{ names []string }

// Visit records an identifier.
func (v *identifiers) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && !slices.Contains(v.names, id.Value) {
		v.names = append(v.names, id.Value)
	}
}

// failed runs a check on answers, and reports whether it fails: false
// while a field it names is unanswered, or when it cannot be evaluated
// (an answer of the wrong type, which the schema reports).
func (c compiledCheck) failed(answers map[string]any) bool {
	env, answered := expressionInputs(c.fields, answers)
	if answered < len(c.fields) {
		return false
	}
	out, err := expr.Run(c.program, env)
	holds, _ := out.(bool)
	return err == nil && !holds
}

// expressionInputs are the answers to the fields an expression names,
// numbers as float64 throughout, nil for those unanswered, and how many
// are answered.
func expressionInputs(fields []string, answers map[string]any) (env map[string]any, answered int) {
	env = make(map[string]any, len(fields))
	for _, f := range fields {
		v := answers[f]
		if v != nil {
			answered++
		}
		env[f] = floats(v)
	}
	return env, answered
}

// floats turns the json.Numbers of a decoded answer into float64.
func floats(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, _ := v.Float64()
		return f
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = floats(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = floats(item)
		}
		return out
	}
	return v
}
