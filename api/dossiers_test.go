package api_test

import (
	"strings"
	"testing"
)

// Through the API: an agent reads a dossier with its labels, takes it up
// and decides; refused moves say why; reopening is for admins; the inbox
// filters; the trail reads per account; the submitter sees the decision.
func TestDossiersAPI(t *testing.T) {
	s := startWithPermis(t)
	agent := s.issueToken("m-weber", "agent", true, "accueil")
	other := s.issueToken("p-klein", "agent", true, "finances")
	receipt := s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Dupont","commune":"Metz"}}`).JSON(t)
	ref, token := receipt["reference"].(string), receipt["token"].(string)
	s.WaitStatus(ref, token, "routed")

	inbox := s.Must(200, "GET", "/api/departments/accueil/submissions?q=dupont&status=routed", agent, "").JSON(t)["items"].([]any)
	if len(inbox) != 1 || inbox[0].(map[string]any)["unread"] != true {
		t.Fatalf("inbox = %v", inbox)
	}
	s.Must(404, "GET", "/api/dossiers/"+ref, other, "") // another department: as unknown as no dossier
	s.Must(404, "GET", "/api/dossiers/2026-AAAA-BBBB-CCCC", agent, "")
	dossier := s.Must(200, "GET", "/api/dossiers/"+ref, agent, "").JSON(t)
	answers := dossier["answers"].([]any)
	if answers[0].(map[string]any)["label"] != "Nom" || answers[0].(map[string]any)["value"] != "Dupont" ||
		dossier["actions"].([]any)[0] != "take-up" {
		t.Errorf("dossier = %v", dossier)
	}
	inbox = s.Must(200, "GET", "/api/departments/accueil/submissions", agent, "").JSON(t)["items"].([]any)
	if inbox[0].(map[string]any)["unread"] != false {
		t.Errorf("read, still unread: %v", inbox)
	}

	s.Must(409, "POST", "/api/dossiers/"+ref+"/actions", agent, `{"action":"accept","reason":"Complet"}`)
	s.Must(200, "POST", "/api/dossiers/"+ref+"/actions", agent, `{"action":"take-up"}`)
	refused := s.Must(422, "POST", "/api/dossiers/"+ref+"/actions", agent, `{"action":"reject"}`)
	if !strings.Contains(string(refused.Body), "body.reason") {
		t.Errorf("a decision without a reason: %s", refused.Body)
	}
	s.Must(422, "POST", "/api/dossiers/"+ref+"/actions", agent, `{"action":"promote"}`)
	s.Must(200, "POST", "/api/dossiers/"+ref+"/actions", agent, `{"action":"reject","reason":"Hors du département"}`)
	s.Must(403, "POST", "/api/dossiers/"+ref+"/actions", agent, `{"action":"reopen","reason":"Erreur"}`)
	s.Must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"reopen","reason":"Adresse mal lue"}`)
	s.Must(200, "POST", "/api/dossiers/"+ref+"/actions", agent, `{"action":"accept","reason":"Metz est bien en Moselle"}`)
	s.Must(201, "POST", "/api/dossiers/"+ref+"/notes", agent, `{"text":"Vérifié avec la mairie"}`)
	s.Must(422, "POST", "/api/dossiers/"+ref+"/notes", agent, `{"text":"   "}`)
	s.Must(204, "POST", "/api/dossiers/"+ref+"/assign", agent, `{}`)
	s.Must(204, "POST", "/api/dossiers/"+ref+"/follow", agent, `{}`)

	s.Must(200, "GET", "/api/submissions/"+ref+"/pdf", agent, "")
	s.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "") // the submitter's own read is not logged
	dossier = s.Must(200, "GET", "/api/dossiers/"+ref, agent, "").JSON(t)
	if dossier["status"] != "accepted" || dossier["assignee"] != "m-weber" || len(dossier["followers"].([]any)) != 1 {
		t.Errorf("dossier after the decision = %v", dossier)
	}
	var kinds []string
	for _, e := range s.Must(200, "GET", "/api/accounts/m-weber/trail", adminToken, "").JSON(t)["items"].([]any) {
		kinds = append(kinds, e.(map[string]any)["kind"].(string))
	}
	if got := strings.Join(kinds, " "); got != "viewed decided decided decided note assigned followed viewed viewed" {
		t.Errorf("m-weber's trail: %s", got)
	}
	// The submitter reads the decision and its reason, without the
	// agents' names or the reopening's reason.
	mine := string(s.Must(200, "GET", "/api/submissions/"+ref+"?token="+token, "", "").Body)
	if !strings.Contains(mine, "Metz est bien en Moselle") || strings.Contains(mine, "m-weber") ||
		strings.Contains(mine, "Adresse mal lue") {
		t.Errorf("the submitter's view: %s", mine)
	}
	inbox = s.Must(200, "GET", "/api/departments/accueil/submissions?status=rejected", agent, "").JSON(t)["items"].([]any)
	if len(inbox) != 0 {
		t.Errorf("rejected filter: %v", inbox)
	}

	// A batch: each dossier on its own, one refusal does not stop the others.
	second := s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Martin"}}`).JSON(t)
	s.WaitStatus(second["reference"].(string), second["token"].(string), "routed")
	outcomes := s.Must(200, "POST", "/api/departments/accueil/submissions/actions", agent,
		`{"action":"take-up","references":["`+ref+`","`+second["reference"].(string)+`"]}`).JSON(t)["outcomes"].([]any)
	got := map[string]any{}
	for _, o := range outcomes {
		o := o.(map[string]any)
		got[o["reference"].(string)] = o["status"]
		if o["reference"] == ref && !strings.Contains(o["error"].(string), "pas possible") {
			t.Errorf("the decided dossier's outcome: %v", o)
		}
	}
	if got[second["reference"].(string)] != "in_review" || got[ref] != nil {
		t.Errorf("outcomes = %v", outcomes)
	}
	s.Must(403, "POST", "/api/departments/finances/submissions/actions", agent, `{"action":"take-up","references":["`+ref+`"]}`)
}
