package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

const missionWorkflow = `{
	"title": "Ordre de mission", "audience": "internal",
	"schema": {"type": "object", "required": ["destination"], "properties": {"destination": {"type": "string", "title": "Destination"}}},
	"routing": {"default": "rh"},
	"workflow": {"steps": [{"title": "Validation du responsable", "approver": "manager"}]}
}`

// account creates or updates an account of the organisation, with an API token.
func (o *organisation) account(id, role, department, manager, delegate string, absent bool) {
	o.t.Helper()
	o.Must(200, "PUT", "/api/accounts/"+id, adminToken, fmt.Sprintf(`{"name":"%s","role":"%s","active":true,"departments":["%s"],`+
		`"manager":"%s","delegate":"%s","absent":%t}`,
		id, role, department, manager, delegate, absent))
	if o.tokens[id] == "" {
		o.tokens[id] = o.must(201, "POST", "/api/accounts/"+id+"/tokens", adminToken, `{"name":"tests"}`)["token"].(string)
	}
}

// toDecide lists the references of the approvals that wait for who, with
// the escalation each one says.
func (o *organisation) toDecide(who string) map[string]string {
	o.t.Helper()
	out := map[string]string{}
	for _, a := range o.must(200, "GET", "/api/approvals", o.tokens[who], "")["toDecide"].([]any) {
		a := a.(map[string]any)
		escalation, _ := a["escalation"].(string)
		out[a["reference"].(string)] = escalation
	}
	return out
}

// An agent of rh files a leave request whose steps are their manager,
// then rh: neither they nor anyone else decides it as a plain dossier,
// and they never decide its rh step, although they belong to rh.
func TestNoOneDecidesTheirOwnRequest(t *testing.T) {
	o := startOrganisation(t, t.TempDir())
	o.account("c-schmitt", "agent", "rh", "j-muller", "", false)
	o.Must(200, "PUT", "/api/forms/conges/draft", adminToken, leaveWorkflow)
	o.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	ref := o.must(201, "POST", "/api/forms/conges/submissions", o.tokens["c-schmitt"], `{"data":{"jours":5}}`)["reference"].(string)
	o.approval("c-schmitt", ref, 1, 0, "pending")
	o.waitStatus(ref, "in_review")

	// Under a workflow, the dossier's own decisions are closed to everyone.
	for _, who := range []string{"c-schmitt", "r-hoffmann"} {
		if actions := o.must(200, "GET", "/api/dossiers/"+ref, o.tokens[who], "")["actions"]; len(actions.([]any)) != 0 {
			t.Errorf("%s is offered %v on a request under approval", who, actions)
		}
		for _, action := range []string{"accept", "reject", "close"} {
			o.Must(409, "POST", "/api/dossiers/"+ref+"/actions", o.tokens[who], `{"action":"`+action+`","reason":"Vu"}`)
		}
	}
	o.Must(409, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"accept","reason":"Vu"}`)
	// The same through the pages: no decision offered, and a forged one refused.
	hr := o.signIn("r-hoffmann")
	page := hr.get("/dossiers/" + ref)
	if !strings.Contains(page, `id="workflow-note"`) || strings.Contains(page, `id="decide"`) ||
		strings.Contains(page, `id="action-take-up"`) {
		t.Errorf("the dossier page of a request under approval offers a decision")
	}
	if page := hr.post(422, "/dossiers/"+ref+"/actions", url.Values{
		"action": {"accept"},
		"reason": {"Vu"},
	}); !strings.Contains(page, "circuit de validation") {
		t.Errorf("a decision forged on the dossier page is not explained")
	}
	o.waitStatus(ref, "in_review")

	o.decide(202, "j-muller", ref, 1, 0, "approve", "")
	o.approval("c-schmitt", ref, 1, 1, "pending")
	if _, listed := o.toDecide("c-schmitt")[ref]; listed {
		t.Errorf("the requester is asked to decide their own request")
	}
	if _, listed := o.toDecide("r-hoffmann")[ref]; !listed {
		t.Errorf("another agent of rh is not asked to decide")
	}
	o.decide(403, "c-schmitt", ref, 1, 1, "approve", "")
	requester := o.signIn("c-schmitt")
	if page := requester.get("/approbations"); strings.Contains(page, `id="valider-`+ref+`"`) {
		t.Errorf("the approvals page asks the requester to decide their own request")
	}
	requester.post(403, "/approbations/"+ref, url.Values{"round": {"1"}, "position": {"1"}, "verdict": {"approve"}})
	o.approval("c-schmitt", ref, 1, 1, "pending")
	o.decide(202, "r-hoffmann", ref, 1, 1, "approve", "")
	o.waitStatus(ref, "accepted")
}

// A requester named as their absent manager's delegate does not decide
// their own request: the step goes up to the manager's own manager, and
// says so.
func TestDelegateRequesterGoesUpALevel(t *testing.T) {
	o := startOrganisation(t, t.TempDir())
	o.account("d-wagner", "manager", "accueil", "", "", false)
	o.account("j-muller", "manager", "accueil", "d-wagner", "", false)
	o.account("c-schmitt", "agent", "accueil", "j-muller", "", false)
	o.account("j-muller", "manager", "accueil", "d-wagner", "c-schmitt", true)
	o.Must(200, "PUT", "/api/forms/mission/draft", adminToken, missionWorkflow)
	o.Must(200, "POST", "/api/forms/mission/publish", adminToken, "")
	sent := o.must(201, "POST", "/api/forms/mission/submissions", o.tokens["c-schmitt"], `{"data":{"destination":"Metz"}}`)
	ref := sent["reference"].(string)
	o.approval("c-schmitt", ref, 1, 0, "pending")

	if _, listed := o.toDecide("c-schmitt")[ref]; listed {
		t.Errorf("the delegate is asked to decide their own request")
	}
	escalation, listed := o.toDecide("d-wagner")[ref]
	if !listed || !strings.Contains(escalation, "j-muller") {
		t.Errorf("the manager's manager: listed %t, escalation %q", listed, escalation)
	}
	page := o.signIn("d-wagner").get("/approbations")
	if !strings.Contains(page, `id="valider-`+ref+`"`) || !strings.Contains(page, "niveau supérieur") {
		t.Errorf("the approvals page of the manager's manager does not show the request sent up")
	}
	o.decide(403, "c-schmitt", ref, 1, 0, "approve", "")
	o.decide(202, "d-wagner", ref, 1, 0, "approve", "")
	o.waitStatus(ref, "accepted")
}

// A department step whose only agent is the requester goes to the
// admins, and says so.
func TestLoneDepartmentAgentGoesToAdmins(t *testing.T) {
	o := startOrganisation(t, t.TempDir())
	o.account("f-klein", "agent", "finances", "j-muller", "", false)
	o.Must(200, "PUT", "/api/forms/frais/draft", adminToken, expenseWorkflow)
	o.Must(200, "POST", "/api/forms/frais/publish", adminToken, "")
	ref := o.must(201, "POST", "/api/forms/frais/submissions", o.tokens["f-klein"], `{"data":{"total":900}}`)["reference"].(string)
	o.approval("f-klein", ref, 1, 0, "pending")
	o.decide(202, "j-muller", ref, 1, 0, "approve", "")
	a := o.approval("f-klein", ref, 1, 1, "pending")
	if escalation, _ := a["escalation"].(string); !strings.Contains(escalation, "administrat") {
		t.Errorf("the requester is not told the step went to the admins: %q", escalation)
	}
	o.decide(403, "f-klein", ref, 1, 1, "approve", "")
	o.Must(202, "POST", "/api/approvals/"+ref, adminToken, `{"round":1,"position":1,"verdict":"approve"}`)
	o.waitStatus(ref, "accepted")
}

// An agent who files an internal request with no workflow, routed to
// their own department, does not decide it: another agent does.
func TestOwnDossierIsDecidedByAnother(t *testing.T) {
	o := startOrganisation(t, t.TempDir())
	o.Must(200, "PUT", "/api/forms/badge/draft", adminToken, `{"title":"Badge d'accès","audience":"internal",
		"schema":{"type":"object","properties":{"site":{"type":"string","title":"Site"}}},"routing":{"default":"rh"}}`)
	o.Must(200, "POST", "/api/forms/badge/publish", adminToken, "")
	ref := o.must(201, "POST", "/api/forms/badge/submissions", o.tokens["r-hoffmann"], `{"data":{"site":"Metz"}}`)["reference"].(string)
	o.waitStatus(ref, "routed")
	if actions := o.must(200, "GET", "/api/dossiers/"+ref, o.tokens["r-hoffmann"], "")["actions"].([]any); len(actions) != 0 {
		t.Errorf("the requester is offered %v on their own dossier", actions)
	}
	o.Must(403, "POST", "/api/dossiers/"+ref+"/actions", o.tokens["r-hoffmann"], `{"action":"take-up"}`)
	page := o.signIn("r-hoffmann").get("/dossiers/" + ref)
	if !strings.Contains(page, `id="own-note"`) || strings.Contains(page, `id="action-take-up"`) {
		t.Errorf("the dossier page offers the requester to decide their own dossier")
	}
	o.Must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"take-up"}`)
}
