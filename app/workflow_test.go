package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/processors"
)

const leaveWorkflow = `{
	"title": "Demande de congés", "audience": "internal",
	"schema": {"type": "object", "required": ["jours"], "properties": {
		"jours": {"type": "integer", "title": "Nombre de jours", "minimum": 1},
		"dates": {"type": "string", "title": "Dates"}}},
	"routing": {"default": "rh"},
	"workflow": {"steps": [
		{"title": "Validation du responsable", "approver": "manager"},
		{"title": "Service des ressources humaines", "approver": "department:rh"}]}
}`

const expenseWorkflow = `{
	"title": "Frais de déplacement", "audience": "internal",
	"schema": {"type": "object", "required": ["total"], "properties": {"total": {"type": "number", "title": "Total (€)", "minimum": 0}}},
	"routing": {"default": "rh"},
	"workflow": {"steps": [
		{"title": "Validation du responsable", "approver": "manager"},
		{"title": "Contrôle des finances", "approver": "department:finances", "when": {"properties": {"total": {"exclusiveMinimum": 500}},
			"required": ["total"]}}]}
}`

// organisation is the council's people for the workflow tests.
type organisation struct {
	*instance
	tokens map[string]string
}

func startOrganisation(t *testing.T, dataDir string) *organisation {
	in := startWith(t, app.Config{DataDir: dataDir})
	o := &organisation{instance: in, tokens: map[string]string{}}
	for _, d := range []string{"accueil", "rh", "finances"} {
		in.Must(200, "PUT", "/api/departments/"+d, adminToken, `{"name":"Service `+d+`"}`)
	}
	for _, a := range []struct{ id, role, dept, manager, delegate string }{
		{"s-becker", "manager", "accueil", "", ""},
		{"j-muller", "manager", "accueil", "", "s-becker"},
		{"m-weber", "agent", "accueil", "j-muller", ""},
		{"r-hoffmann", "agent", "rh", "", ""},
		{"f-klein", "agent", "finances", "", ""},
	} {
		in.Must(200, "PUT", "/api/accounts/"+a.id, adminToken, fmt.Sprintf(`{"name":"%s","role":"%s","active":true,"departments":["%s"],`+
			`"manager":"%s","delegate":"%s"}`, a.id, a.role, a.dept, a.manager, a.delegate))
		o.tokens[a.id] = in.Must(201, "POST", "/api/accounts/"+a.id+"/tokens", adminToken, `{"name":"tests"}`).JSON(t)["token"].(string)
	}
	return o
}

// waitStatus polls a request, as the admin, until it has status.
func (o *organisation) waitStatus(ref, status string) {
	o.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := o.must(200, "GET", "/api/submissions/"+ref, adminToken, "")["status"]
		if got == status {
			return
		}
		if time.Now().After(deadline) {
			o.t.Fatalf("%s is %v, want %s", ref, got, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reconnect points the organisation at a restarted instance.
func (o *organisation) reconnect(in *instance) { o.instance = in }

// approval polls until the request's approval is at round and position
// with outcome, and returns it as its requester sees it.
func (o *organisation) approval(requester, ref string, round, position int, outcome string) map[string]any {
	o.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var last map[string]any
		for _, a := range o.must(200, "GET", "/api/approvals", o.tokens[requester], "")["mine"].([]any) {
			a := a.(map[string]any)
			if a["reference"] == ref {
				last = a
				if a["round"] == float64(round) && a["position"] == float64(position) && a["outcome"] == outcome {
					return a
				}
			}
		}
		if time.Now().After(deadline) {
			o.t.Fatalf("approval of %s: %v, want round %d position %d %s", ref, last, round, position, outcome)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (o *organisation) decide(status int, who, ref string, round, position int, verdict, comment string) {
	o.t.Helper()
	o.Must(
		status,
		"POST",
		"/api/approvals/"+ref,
		o.tokens[who],
		fmt.Sprintf(`{"round":%d,"position":%d,"verdict":"%s","comment":%q}`, round, position, verdict, comment),
	)
}

// A leave request goes to the manager, who sends it back; the agent
// corrects and sends it again; the manager approves, then HR; only the
// right people decide each step, a double click decides once, and the
// request ends accepted.
func TestLeaveRequestApproval(t *testing.T) {
	o := startOrganisation(t, t.TempDir())
	o.Must(200, "PUT", "/api/forms/conges/draft", adminToken, leaveWorkflow)
	o.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	ref := o.must(201, "POST", "/api/forms/conges/submissions", o.tokens["m-weber"], `{"data":{"jours":12}}`)["reference"].(string)

	o.approval("m-weber", ref, 1, 0, "pending")
	toDecide := o.must(200, "GET", "/api/approvals", o.tokens["j-muller"], "")["toDecide"].([]any)
	if len(toDecide) != 1 || toDecide[0].(map[string]any)["step"] != "Validation du responsable" {
		t.Fatalf("the manager's approvals: %v", toDecide)
	}
	o.decide(403, "r-hoffmann", ref, 1, 0, "approve", "")
	o.decide(403, "s-becker", ref, 1, 0, "approve", "") // the delegate, while the manager is present
	o.decide(422, "j-muller", ref, 1, 0, "return", "")
	o.decide(202, "j-muller", ref, 1, 0, "return", "Précisez les dates.")
	returned := o.approval("m-weber", ref, 1, 0, "returned")
	if h := returned["history"].([]any); len(h) != 1 || h[0].(map[string]any)["comment"] != "Précisez les dates." {
		t.Errorf("history after the return: %v", h)
	}
	o.Must(403, "POST", "/api/approvals/"+ref, o.tokens["j-muller"], `{"round":1,"verdict":"resend","data":{"jours":12}}`)
	o.Must(422, "POST", "/api/approvals/"+ref, o.tokens["m-weber"], `{"round":1,"verdict":"resend","data":{"jours":0}}`)
	o.Must(202, "POST", "/api/approvals/"+ref, o.tokens["m-weber"], `{"round":1,"verdict":"resend","data":{"jours":12,"dates":"du 3 au 18 `+
		`août"}}`)
	o.approval("m-weber", ref, 2, 0, "pending")

	o.decide(409, "j-muller", ref, 1, 0, "approve", "") // the first round is over
	o.decide(202, "j-muller", ref, 2, 0, "approve", "")
	o.decide(202, "j-muller", ref, 2, 0, "approve", "") // a double click
	o.approval("m-weber", ref, 2, 1, "pending")
	o.decide(403, "j-muller", ref, 2, 1, "approve", "")
	o.decide(202, "r-hoffmann", ref, 2, 1, "approve", "")
	done := o.approval("m-weber", ref, 2, 2, "approved")
	var verdicts []string
	for _, e := range done["history"].([]any) {
		e := e.(map[string]any)
		verdicts = append(verdicts, fmt.Sprint(e["round"], ":", e["verdict"], ":", e["by"]))
	}
	if got := strings.Join(verdicts, " "); got != "1:return:j-muller 1:resend:m-weber 2:approve:j-muller 2:approve:r-hoffmann" {
		t.Errorf("history = %s", got)
	}
	o.waitStatus(ref, "accepted")
}

// An expense claim over the threshold goes through finance, one under it
// does not; an absent manager's delegate approves in their place; a
// rejection ends the request rejected.
func TestExpenseApproval(t *testing.T) {
	o := startOrganisation(t, t.TempDir())
	o.Must(200, "PUT", "/api/forms/frais/draft", adminToken, expenseWorkflow)
	o.Must(200, "POST", "/api/forms/frais/publish", adminToken, "")
	small := o.must(201, "POST", "/api/forms/frais/submissions", o.tokens["m-weber"], `{"data":{"total":320}}`)["reference"].(string)
	large := o.must(201, "POST", "/api/forms/frais/submissions", o.tokens["m-weber"], `{"data":{"total":860.5}}`)["reference"].(string)
	if steps := o.approval("m-weber", large, 1, 0, "pending")["steps"].([]any); len(steps) != 2 {
		t.Errorf("the large claim's steps: %v", steps)
	}
	if steps := o.approval("m-weber", small, 1, 0, "pending")["steps"].([]any); len(steps) != 1 {
		t.Errorf("the small claim's steps: %v", steps)
	}

	// The manager is away: the delegate approves.
	o.Must(200, "PUT", "/api/accounts/j-muller", adminToken, `{"name":"j-muller","role":"manager","active":true,"departments":["accueil"],`+
		`"delegate":"s-becker","absent":true}`)
	o.decide(202, "s-becker", small, 1, 0, "approve", "")
	o.approval("m-weber", small, 1, 1, "approved")
	o.decide(202, "s-becker", large, 1, 0, "approve", "")
	o.approval("m-weber", large, 1, 1, "pending")
	o.decide(403, "r-hoffmann", large, 1, 1, "approve", "")
	o.decide(202, "f-klein", large, 1, 1, "reject", "Justificatifs manquants.")
	o.approval("m-weber", large, 1, 1, "rejected")
	o.waitStatus(small, "accepted")
	o.waitStatus(large, "rejected")
}

// A decision stored but not yet applied when the process stops is applied
// after the restart, once; the same decision delivered again changes
// nothing.
func TestApprovalSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	o := startOrganisation(t, dir)
	o.Must(200, "PUT", "/api/forms/conges/draft", adminToken, leaveWorkflow)
	o.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	ref := o.must(201, "POST", "/api/forms/conges/submissions", o.tokens["m-weber"], `{"data":{"jours":2}}`)["reference"].(string)
	o.approval("m-weber", ref, 1, 0, "pending")
	o.decide(202, "j-muller", ref, 1, 0, "approve", "")
	o.stop() // perhaps before the decision was applied

	// A decision taken but not acknowledged comes again after AckWait.
	o.reconnect(startWith(t, app.Config{
		DataDir:    dir,
		Processing: processors.Config{Backoff: []time.Duration{20 * time.Millisecond}, AckWait: 2 * time.Second},
	}))
	o.approval("m-weber", ref, 1, 1, "pending")

	// The same decision again, as a redelivery would bring it.
	cmd, _ := json.Marshal(map[string]any{"reference": ref, "round": 1, "position": 0, "verdict": "approve", "by": "j-muller"})
	if _, err := o.app.Bus.JS.Publish(t.Context(), bus.WorkflowSubject(ref), cmd, jetstream.WithMsgID("replay")); err != nil {
		t.Fatal(err)
	}
	o.decide(202, "r-hoffmann", ref, 1, 1, "approve", "")
	done := o.approval("m-weber", ref, 1, 2, "approved")
	if h := done["history"].([]any); len(h) != 2 {
		t.Errorf("history after a replay: %v", h)
	}
	o.waitStatus(ref, "accepted")
}
