package desk_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const missionOrder = `{
	"title": "Ordre de mission", "audience": "internal",
	"schema": {"type": "object", "required": ["destination", "jours"], "properties": {
		"destination": {"type": "string", "title": "Destination"},
		"jours": {"type": "integer", "title": "Nombre de jours", "minimum": 1}}},
	"routing": {"default": "rh"},
	"workflow": {"steps": [{"title": "Validation du responsable", "approver": "manager"}]}
}`

// signIn opens a browser signed in as an account.
func signIn(t *testing.T, base, id, password string) browserTab {
	ctx := browsertest.New(t)
	browsertest.Load(t, ctx, chromedp.Navigate(base+"/login?next=/approbations"))
	status := browsertest.Load(t, ctx, chromedp.SendKeys(chromedp.CSS("#id"), id), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	if status != http.StatusOK {
		t.Fatalf("%s signing in: %d", id, status)
	}
	return browserTab{t: t, ctx: ctx}
}

// In chromium: a manager sends a mission order back with a comment; the
// agent corrects it on the form's page and sends it again; the manager
// approves; the agent sees it approved.
func TestApprovalPages(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/rh", adminToken, `{"name":"Ressources humaines"}`)
	api.Must(200, "PUT", "/api/accounts/j-muller", adminToken, `{"name":"Jean Muller","role":"manager","active":true,"departments":["rh"]}`)
	api.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","role":"agent","active":true,"departments":["rh"],`+
		`"manager":"j-muller"}`)
	for _, id := range []string{"j-muller", "m-weber"} {
		api.Must(200, "POST", "/api/accounts/"+id+"/password", adminToken, `{"password":"`+agentPassword+`"}`)
	}
	token := api.Must(201, "POST", "/api/accounts/m-weber/tokens", adminToken, `{"name":"tests"}`).JSON(t)["token"].(string)
	api.Must(200, "PUT", "/api/forms/mission/draft", adminToken, missionOrder)
	api.Must(200, "POST", "/api/forms/mission/publish", adminToken, "")
	sent := api.Must(201, "POST", "/api/forms/mission/submissions", token, `{"data":{"destination":"Metz","jours":2}}`).JSON(t)
	ref := sent["reference"].(string)

	manager := signIn(t, base, "j-muller", agentPassword)
	manager.waitFor(base+"/approbations", "#valider-"+ref)
	if text := manager.text("#valider-" + ref); !strings.Contains(text, "Marie Weber") || !strings.Contains(text, "Metz") {
		t.Errorf("the request to approve: %q", text)
	}
	manager.load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS("#return-"+ref)))
	manager.load(
		http.StatusOK,
		chromedp.SendKeys(chromedp.CSS("#comment-"+ref), "Précisez l'adresse du rendez-vous."),
		chromedp.Click(chromedp.CSS("#return-"+ref)),
	)

	agent := signIn(t, base, "m-weber", agentPassword)
	agent.waitFor(base+"/approbations", "#corriger-"+ref)
	row := agent.text("#demande-" + ref)
	if !strings.Contains(row, "renvoyée pour correction") || !strings.Contains(row, "Précisez l'adresse "+
		"du rendez-vous.") {
		t.Errorf("the agent's request: %q", row)
	}
	agent.check("20-approvals")
	agent.load(http.StatusOK, chromedp.Click(chromedp.CSS("#corriger-"+ref)))
	if got := browsertest.Value(t, agent.ctx, `[name="destination"]`); got != "Metz" {
		t.Errorf("the correction page lost the answer: %q", got)
	}
	agent.load(
		http.StatusUnprocessableEntity,
		chromedp.SetValue(chromedp.CSS(`[name="jours"]`), "0"),
		chromedp.Click(chromedp.CSS("#send")),
	)
	agent.load(
		http.StatusOK,
		chromedp.SetValue(chromedp.CSS(`[name="jours"]`), "2"),
		chromedp.SetValue(
			chromedp.CSS(`[name="destination"]`),
			"Metz, Hôtel du Département, 1 rue du Pont-Moreau",
		),
		chromedp.Click(chromedp.CSS("#send")),
	)
	if notice := agent.text("[role=status]"); !strings.Contains(notice, "renvoyée") {
		t.Errorf("after sending again: %q", notice)
	}

	manager.waitFor(base+"/approbations", "#approve-"+ref)
	if text := manager.text("#valider-" + ref); !strings.Contains(text, "Pont-Moreau") {
		t.Errorf("the corrected request: %q", text)
	}
	manager.load(http.StatusOK, chromedp.Click(chromedp.CSS("#approve-"+ref)))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(agent.textAt(base+"/approbations", "#demande-"+ref), "validée") {
		if time.Now().After(deadline) {
			t.Fatalf("the agent never sees the request approved: %q", agent.text("#demande-"+ref))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
