package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const publicForm = `{
	"title": "Aide au permis de conduire", "audience": "public",
	"schema": {"type": "object", "required": ["nom"], "properties": {"nom": {"type": "string", "title": "Nom"}, "commune": {"type": "string"}}},
	"routing": {"default": "accueil", "rules": [{"when": {"properties": {"commune": {"const": "Thionville"}}, "required": ["commune"]}, "department": "finances"}]}
}`

const internalForm = `{
	"title": "Demande de congés", "audience": "internal",
	"schema": {"type": "object", "properties": {"jours": {"type": "number"}}},
	"routing": {"default": "accueil"}
}`

// Every operation's access rule, allowed and denied, for each kind of caller.
func TestAccessMatrix(t *testing.T) {
	s := startServer(t)
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/departments/finances", adminToken, `{"name":"Finances"}`)
	agentA := s.issueToken("agent-a", "agent", true, "accueil")
	agentB := s.issueToken("agent-b", "agent", true, "finances")
	inactive := s.issueToken("agent-parti", "agent", false, "accueil")
	otherAdmin := s.issueToken("admin-2", "admin", true)
	s.Must(200, "PUT", "/api/forms/permis/draft", adminToken, publicForm)
	s.Must(200, "POST", "/api/forms/permis/publish", adminToken, "")
	s.Must(200, "PUT", "/api/forms/conges/draft", adminToken, internalForm)
	s.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	receipt := s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Dupont"}}`).JSON(t)
	ref, tok := receipt["reference"].(string), receipt["token"].(string)
	s.WaitStatus(ref, tok, "routed")
	agentSub := s.Must(201, "POST", "/api/forms/conges/submissions", agentB, `{"data":{"jours":2}}`).JSON(t)["reference"].(string)

	type call struct{ method, path, body string }
	const anon = ""
	scenarios := []struct {
		call
		who map[string]int // caller → status
	}{
		{call{"GET", "/healthz", ""}, map[string]int{anon: 200}},
		{call{"GET", "/readyz", ""}, map[string]int{anon: 200}},
		{call{"GET", "/api/openapi.json", ""}, map[string]int{anon: 200}},
		{call{"PUT", "/api/departments/social", `{"name":"Social"}`}, map[string]int{anon: 401, agentA: 403, inactive: 401, adminToken: 200, otherAdmin: 200}},
		{call{"GET", "/api/departments", ""}, map[string]int{anon: 401, agentA: 200, inactive: 401, adminToken: 200}},
		{call{"PUT", "/api/accounts/nouvel-agent", `{"name":"N","role":"agent","active":true}`}, map[string]int{anon: 401, agentA: 403, adminToken: 200}},
		{call{"POST", "/api/accounts/agent-a/tokens", `{"name":"t"}`}, map[string]int{anon: 401, agentA: 403, agentB: 403, adminToken: 201}},
		{call{"PUT", "/api/forms/essai/draft", publicForm}, map[string]int{anon: 401, agentA: 403, adminToken: 200}},
		{call{"GET", "/api/forms/permis/draft", ""}, map[string]int{anon: 401, agentA: 403, adminToken: 200}},
		{call{"POST", "/api/forms/permis/publish", ""}, map[string]int{anon: 401, agentA: 403, adminToken: 200}},
		{call{"GET", "/api/forms", ""}, map[string]int{anon: 200, agentA: 200, adminToken: 200}},
		{call{"GET", "/api/forms/permis", ""}, map[string]int{anon: 200, agentA: 200}},
		{call{"GET", "/api/forms/permis/versions/1", ""}, map[string]int{anon: 200, agentA: 200}},
		{call{"GET", "/api/forms/conges", ""}, map[string]int{anon: 404, agentA: 200, adminToken: 200}},
		{call{"GET", "/api/forms/conges/versions/1", ""}, map[string]int{anon: 404, agentA: 200}},
		{call{"POST", "/api/forms/permis/submissions", `{"data":{"nom":"Martin"}}`}, map[string]int{anon: 201, agentA: 201, inactive: 401}},
		{call{"POST", "/api/forms/conges/submissions", `{"data":{"jours":1}}`}, map[string]int{anon: 401, agentA: 201, inactive: 401}},
		{call{"GET", "/api/submissions/" + ref, ""}, map[string]int{anon: 404, agentA: 200, agentB: 403, inactive: 401, adminToken: 200}},
		{call{"GET", "/api/submissions/" + ref + "?token=" + tok, ""}, map[string]int{anon: 200, agentB: 200}},
		{call{"GET", "/api/submissions/" + ref + "?token=" + strings.Repeat("A", 22), ""}, map[string]int{anon: 404, agentB: 403}},
		{call{"GET", "/api/submissions/" + agentSub, ""}, map[string]int{anon: 404, agentB: 200, adminToken: 200}},
		{call{"GET", "/api/submissions/" + ref + "/pdf", ""}, map[string]int{anon: 404, agentA: 200, agentB: 403, adminToken: 200}},
		{call{"GET", "/api/submissions/" + ref + "/pdf?token=" + tok, ""}, map[string]int{anon: 200}},
		{call{"GET", "/api/departments/accueil/submissions", ""}, map[string]int{anon: 401, agentA: 200, agentB: 403, inactive: 401, adminToken: 200}},
		{call{"GET", "/api/departments/finances/submissions", ""}, map[string]int{anon: 401, agentA: 403, agentB: 200, adminToken: 200}},
	}
	names := map[string]string{anon: "anonymous", agentA: "agent-a", agentB: "agent-b", inactive: "inactive", adminToken: "bootstrap admin", otherAdmin: "admin-2"}
	covered := map[string]bool{}
	for _, sc := range scenarios {
		covered[sc.method+" "+templatePath(sc.path)] = true
		for who, want := range sc.who {
			if got := s.Do(sc.method, sc.path, who, sc.body); got.Status != want {
				t.Errorf("%s %s as %s: %d, want %d: %s", sc.method, sc.path, names[who], got.Status, want, got.Body)
			}
		}
	}

	// The scenarios cover every operation of the OpenAPI document.
	var doc struct {
		Paths map[string]map[string]struct {
			Description string `json:"description"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(s.Must(200, "GET", "/api/openapi.json", "", "").Body, &doc); err != nil {
		t.Fatal(err)
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			if !covered[key] {
				t.Errorf("no access scenario for %s", key)
			}
			if !strings.Contains(op.Description, "Accès :") {
				t.Errorf("%s does not document its access rule", key)
			}
		}
	}
}

// templatePath turns a concrete path back into its OpenAPI template.
func templatePath(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	for i := range parts {
		switch {
		case i == 3 && (parts[2] == "departments" || parts[2] == "accounts" || parts[2] == "forms"):
			parts[i] = "{id}"
		case i == 3 && parts[2] == "submissions":
			parts[i] = "{reference}"
		case i == 5 && parts[4] == "versions":
			parts[i] = "{n}"
		}
	}
	return strings.Join(parts, "/")
}

func TestBadCredentialsAreRefused(t *testing.T) {
	s := startServer(t)
	for _, header := range []string{"Bearer gch_unknown", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer " + adminToken + "x"} {
		r := s.Do("GET", "/api/departments", "", "", "Authorization", header)
		if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %d %v", header, r.Status, r.Header)
		}
	}
}
