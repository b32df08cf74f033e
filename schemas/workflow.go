package schemas

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xeipuuv/gojsonschema"

	"github.com/guichet/guichet/internal/platform/locale"
)

// Workflow is the ordered approval of an internal form's requests: each
// step is approved by the requester's manager or by a department, and a
// step with a condition applies only to the requests that satisfy it.
type Workflow struct {
	Steps []ApprovalStep `json:"steps"`
	// ReminderDays is how long a step may wait before its approvers are
	// reminded (0: DefaultReminderDays).
	ReminderDays int `json:"reminderDays,omitempty"`
}

// ApprovalStep is one step of a workflow.
type ApprovalStep struct {
	Title string `json:"title"`
	// Approver is ApproverManager, or "department:<id>".
	Approver string `json:"approver"`
	// When, a JSON Schema, limits the step to the requests it validates.
	When json.RawMessage `json:"when,omitempty"`
}

// ApproverManager names the requester's manager as a step's approver.
const ApproverManager = "manager"

// DepartmentApprover names a department as a step's approver.
func DepartmentApprover(id string) string { return "department:" + id }

// ApproverDepartment returns the department a step's approver names, if it does.
func (s ApprovalStep) ApproverDepartment() (string, bool) {
	return strings.CutPrefix(s.Approver, "department:")
}

// DefaultReminderDays is how long a step waits before its approvers are
// reminded, unless the workflow says otherwise.
const DefaultReminderDays = 3

// Reminder is how many days a step may wait before a reminder.
func (w *Workflow) Reminder() int {
	if w == nil || w.ReminderDays <= 0 {
		return DefaultReminderDays
	}
	return w.ReminderDays
}

// checkWorkflow collects the problems of a form's workflow.
func checkWorkflow(ctx context.Context, departments DepartmentLookup, f Form, problems *DefinitionError) error {
	if f.Workflow == nil {
		return nil
	}
	if f.Audience != Internal {
		problems.add("workflow", locale.Text{
			FR: "Un circuit de validation ne s'applique qu'à un formulaire interne : il faut un agent demandeur et son responsable.",
			EN: "An approval workflow applies to internal forms only: it needs a requesting agent and their manager.",
		})
	}
	if len(f.Workflow.Steps) == 0 {
		problems.add("workflow.steps", locale.Text{FR: "Le circuit de validation n'a aucune étape.", EN: "The approval workflow has no step."})
	}
	for i, step := range f.Workflow.Steps {
		at := fmt.Sprintf("workflow.steps[%d]", i)
		if strings.TrimSpace(step.Title) == "" {
			problems.add(at+".title", locale.Text{FR: "Chaque étape de validation a un titre.", EN: "Each approval step has a title."})
		}
		if department, ok := step.ApproverDepartment(); ok {
			if err := checkDepartment(ctx, departments, department, at+".approver", problems); err != nil {
				return err
			}
		} else if step.Approver != ApproverManager {
			problems.add(at+".approver", locale.Text{
				FR: fmt.Sprintf("Valideur %q inconnu : « manager » ou « department:<service> ».", step.Approver),
				EN: fmt.Sprintf("Unknown approver %q: “manager” or “department:<id>”.", step.Approver),
			})
		}
		if len(step.When) > 0 {
			if _, err := Compile(step.When, at+".when"); err != nil {
				problems.merge(err)
			}
		}
	}
	return nil
}

// compileWorkflow compiles the conditions of a workflow's steps.
func compileWorkflow(w *Workflow) ([]*gojsonschema.Schema, error) {
	if w == nil {
		return nil, nil
	}
	problems := &DefinitionError{}
	conditions := make([]*gojsonschema.Schema, len(w.Steps))
	for i, step := range w.Steps {
		if len(step.When) == 0 {
			continue
		}
		c, err := Compile(step.When, fmt.Sprintf("workflow.steps[%d].when", i))
		if err != nil {
			problems.merge(err)
		}
		conditions[i] = c
	}
	return conditions, problems.orNil()
}

// ApprovalSteps lists the indexes of the workflow's steps that apply to data.
func (c *Compiled) ApprovalSteps(data json.RawMessage) []int {
	if c.Workflow == nil {
		return nil
	}
	var out []int
	for i := range c.Workflow.Steps {
		if c.stepConditions[i] == nil || Matches(c.stepConditions[i], data) {
			out = append(out, i)
		}
	}
	return out
}
