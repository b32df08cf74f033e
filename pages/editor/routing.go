package editor

import (
	"bytes"
	"encoding/json"
	"errors"
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

// routeRow is where one trial of the dry run goes, and by which rule.
type routeRow struct {
	Answers, Department, Rule string
}

// trialField is a field a routing rule tests, as the dry run asks for it:
// the field's own choices when it offers a closed list.
type trialField struct {
	Name, Label, Value string
	Choices            []builder.Choice
}

type routingPage struct {
	Form        schemas.Form
	Default     string
	Departments []identity.Department
	Rules       []ruleRow
	Fields      []option
	// Trial are the fields the rules test, with the answers to try.
	Trial  []trialField
	Replay int
	Routes []routeRow
	Errors []string
	Notice string
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
	tried := map[string]string{}
	for _, t := range page.Trial {
		tried[t.Name] = t.Value
	}
	page.Trial = nil
	saved := rowsOf(draft)
	for _, s := range specs {
		if slices.Contains(routable, s.Type) {
			page.Fields = append(page.Fields, option{Value: s.Name, Label: s.Label})
		}
		if slices.ContainsFunc(saved, func(row ruleRow) bool { return row.Field == s.Name }) {
			page.Trial = append(page.Trial, trialField{Name: s.Name, Label: s.Label, Value: tried[s.Name], Choices: builder.Answers(s)})
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
		var refused *builder.Refusal
		switch {
		case errors.As(err, &refused):
			page.Errors = append(page.Errors, web.Say(r, "Règle ", "Rule ")+strconv.Itoa(i+1)+" : "+refused.Message.In(langOf(r)))
			continue
		case errors.Is(err, builder.ErrNoField):
			page.Errors = append(page.Errors, web.Say(r, "Règle ", "Rule ")+strconv.Itoa(i+1)+" : "+
				web.Say(r, "choisissez le champ qu'elle teste.", "choose the field it tests."))
			continue
		case err != nil:
			e.fail(w, r, err)
			return
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

// dryRun shows where the answers tried, and the last submissions of the
// form, would go under the draft's rules, and by which rule.
func (e *Pages) dryRun(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	page := routingPage{Default: draft.Routing.Default, Rules: rowsOf(draft)}
	page.Replay, _ = strconv.Atoi(r.PostFormValue("replay"))
	page.Replay = max(0, min(page.Replay, builder.MaxReplay))
	specs, err := builder.Fields(draft)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	sample := map[string]any{}
	var answers []string
	for _, s := range specs {
		typed := strings.TrimSpace(r.PostFormValue("try." + s.Name))
		if typed == "" || !slices.ContainsFunc(page.Rules, func(row ruleRow) bool { return row.Field == s.Name }) {
			continue
		}
		page.Trial = append(page.Trial, trialField{Name: s.Name, Value: typed})
		v, err := builder.AnswerValue(s, typed)
		if refused := (*builder.Refusal)(nil); errors.As(err, &refused) {
			page.Errors = append(page.Errors, refused.Message.In(langOf(r)))
			continue
		}
		if s.Type == builder.MultipleChoice {
			v = []any{v}
		}
		sample[s.Name] = v
		answers = append(answers, s.Label+" : "+builder.AnswerText(s, v))
	}
	if len(page.Errors) > 0 {
		e.renderRouting(w, r, http.StatusUnprocessableEntity, draft, page)
		return
	}
	raw, err := json.Marshal(sample)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	routes, err := e.Builder.DryRun(r.Context(), draft.ID, []json.RawMessage{raw}, page.Replay)
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
	for i, route := range routes {
		row := routeRow{Department: cmpName(names, route.Department), Answers: strings.Join(answers, " ; ")}
		switch {
		case route.Reference != "":
			row.Answers = web.Say(r, "Dépôt ", "Submission ") + route.Reference
		case i == 0 && len(answers) == 0:
			row.Answers = web.Say(r, "Aucune réponse", "No answer")
		}
		row.Rule = web.Say(r, "aucune règle : le service par défaut", "no rule: the default department")
		if route.Rule >= 0 {
			row.Rule = web.Say(r, "règle ", "rule ") + strconv.Itoa(route.Rule+1)
		}
		page.Routes = append(page.Routes, row)
	}
	e.renderRouting(w, r, http.StatusOK, draft, page)
}
