package editor

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// ruleRow is one routing rule as the routing editor shows it: a field and
// the answers that send to a department, or, for a rule written by hand,
// its JSON Schema.
type ruleRow struct {
	Index      int
	Field      string
	Values     string
	Department string
	Raw        string
}

// routeRow is where one sample of the dry run goes.
type routeRow struct {
	Sample, Department string
}

type routingPage struct {
	Form        schemas.Form
	Default     string
	Departments []identity.Department
	Rules       []ruleRow
	Fields      []option
	Samples     string
	Replay      int
	Routes      []routeRow
	Errors      []string
	Notice      string
}

// routable are the field types a rule can test.
var routable = []builder.FieldType{builder.ShortText, builder.EmailAddress, builder.Number, builder.AmountEUR, builder.YesNo,
	builder.SingleChoice, builder.MultipleChoice, builder.Commune, builder.SIRET}

func (e *Pages) routingForm(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	page := routingPage{Default: draft.Routing.Default, Rules: rowsOf(draft), Notice: notice(r), Replay: 10}
	// Sample data to start from: one answer that each rule takes, and none.
	var samples []string
	for _, rule := range draft.Routing.Rules {
		if spec, ok := builder.SpecOfRule(draft, rule); ok {
			if sample, err := builder.SampleOf(draft, spec); err == nil {
				samples = append(samples, string(sample))
			}
		}
	}
	page.Samples = strings.Join(append(samples, "{}"), "\n")
	e.renderRouting(w, r, http.StatusOK, draft, page)
}

func rowsOf(f schemas.Form) []ruleRow {
	var rows []ruleRow
	for i, rule := range f.Routing.Rules {
		row := ruleRow{Index: i, Department: rule.Department}
		if spec, ok := builder.SpecOfRule(f, rule); ok {
			row.Field, row.Values = spec.Field, strings.Join(spec.Values, "\n")
		} else {
			var pretty bytes.Buffer
			_ = json.Indent(&pretty, rule.When, "", "  ")
			row.Raw = pretty.String()
		}
		rows = append(rows, row)
	}
	return rows
}

func (e *Pages) renderRouting(w http.ResponseWriter, r *http.Request, status int, draft schemas.Form, page routingPage) {
	page.Form = draft
	var err error
	if _, page.Departments, err = e.departmentNames(r); err != nil {
		e.fail(w, r, err)
		return
	}
	specs, err := builder.Fields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	for _, s := range specs {
		if slices.Contains(routable, s.Type) {
			page.Fields = append(page.Fields, option{Value: s.Name, Label: s.Label})
		}
	}
	filled := len(page.Rules)
	for len(page.Rules) < filled+2 {
		page.Rules = append(page.Rules, ruleRow{Index: len(page.Rules)})
	}
	e.templates.Render(
		w,
		r,
		status,
		"routing.html",
		pageTitle(r, web.Say(r, "Orientation", "Routing"), draft.Title, len(page.Errors) > 0),
		page,
	)
}

// saveRouting saves the rules in their order, after moving or deleting
// one if asked ("up:N", "down:N", "delete:N").
func (e *Pages) saveRouting(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	page := routingPage{Default: r.PostFormValue("default")}
	for i := 0; ; i++ {
		prefix := "rule." + strconv.Itoa(i) + "."
		if _, present := r.PostForm[prefix+"department"]; !present {
			break
		}
		row := ruleRow{Field: r.PostFormValue(prefix + "field"), Values: r.PostFormValue(prefix + "values"),
			Department: r.PostFormValue(prefix + "department"), Raw: strings.TrimSpace(r.PostFormValue(prefix + "raw"))}
		if row.Raw == "" && row.Field == "" && strings.TrimSpace(row.Values) == "" {
			continue
		}
		page.Rules = append(page.Rules, row)
	}
	page.Rules = reorder(page.Rules, r.PostFormValue("_action"))
	routing := schemas.Routing{Default: page.Default}
	for i, row := range page.Rules {
		page.Rules[i].Index = i
		rule, err := ruleOf(draft, row)
		if err != nil {
			page.Errors = append(page.Errors, web.Say(r, "Règle ", "Rule ")+strconv.Itoa(i+1)+" : "+err.Error())
			continue
		}
		routing.Rules = append(routing.Rules, rule)
	}
	e.commit(w, r, page.Errors, func() error {
		_, err := e.Builder.EditDraft(r.Context(), by(r), draft.ID, func(f schemas.Form) (schemas.Form, error) {
			f.Routing = routing
			return f, nil
		})
		return err
	}, func(errs []string) {
		page.Errors = errs
		e.renderRouting(w, r, http.StatusUnprocessableEntity, draft, page)
	}, draft.ID, "/routing")
}

// reorder applies a move or a deletion to the rules.
func reorder(rows []ruleRow, action string) []ruleRow {
	verb, index, _ := strings.Cut(action, ":")
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= len(rows) {
		return rows
	}
	switch {
	case verb == "delete":
		return slices.Delete(rows, i, i+1)
	case verb == "up" && i > 0:
		rows[i-1], rows[i] = rows[i], rows[i-1]
	case verb == "down" && i+1 < len(rows):
		rows[i+1], rows[i] = rows[i], rows[i+1]
	}
	return rows
}

// ruleOf writes a row as a rule: from its field and answers, or its JSON
// Schema written by hand.
func ruleOf(f schemas.Form, row ruleRow) (schemas.Rule, error) {
	if row.Raw != "" {
		return schemas.Rule{When: json.RawMessage(row.Raw), Department: row.Department}, nil
	}
	var values []string
	for line := range strings.Lines(row.Values) {
		if v := strings.TrimSpace(line); v != "" {
			values = append(values, v)
		}
	}
	return builder.RuleOf(f, builder.RuleSpec{Field: row.Field, Values: values, Department: row.Department})
}

// dryRun shows where sample data, and the last submissions of the form,
// would go under the draft's rules.
func (e *Pages) dryRun(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	page := routingPage{Default: draft.Routing.Default, Rules: rowsOf(draft), Samples: r.PostFormValue("samples")}
	page.Replay, _ = strconv.Atoi(r.PostFormValue("replay"))
	page.Replay = max(0, min(page.Replay, builder.MaxReplay))
	var samples []json.RawMessage
	for line := range strings.Lines(page.Samples) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var object map[string]any
		if json.Unmarshal([]byte(line), &object) != nil {
			page.Errors = append(page.Errors, web.Say(r, "Cette ligne n'est pas un objet JSON : ", "This line is not a JSON object: ")+line)
			continue
		}
		samples = append(samples, json.RawMessage(line))
	}
	if len(samples) > 100 {
		page.Errors = append(page.Errors, web.Say(r, "100 exemples au plus.", "100 samples at most."))
	}
	if len(page.Errors) > 0 {
		e.renderRouting(w, r, http.StatusUnprocessableEntity, draft, page)
		return
	}
	routes, err := e.Builder.DryRun(r.Context(), draft.ID, samples, page.Replay)
	if e.failed(w, r, err, func(reasons []string) {
		page.Errors = reasons
		e.renderRouting(w, r, http.StatusUnprocessableEntity, draft, page)
	}) {
		return
	}
	names, _, err := e.departmentNames(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	for _, route := range routes {
		sample := string(route.Data)
		if route.Reference != "" {
			sample = web.Say(r, "Dépôt ", "Submission ") + route.Reference
		}
		page.Routes = append(page.Routes, routeRow{Sample: sample, Department: cmpName(names, route.Department)})
	}
	if len(page.Routes) == 0 {
		page.Notice = web.Say(r, "Aucun exemple ni dépôt à essayer.", "No sample or submission to try.")
	}
	e.renderRouting(w, r, http.StatusOK, draft, page)
}
