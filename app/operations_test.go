package app_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

var replayAction = regexp.MustCompile(`/admin/traitements/([0-9]+)/rejouer`)

// A message the processors gave up on is listed on the admins' page; its
// replay fails while the cause remains, and succeeds once it is fixed.
func TestDeadLettersPage(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	ctx := t.Context()
	// A submission of a form that does not exist yet: routing and the PDF
	// processor give up, each on its own.
	at := time.Now().UTC()
	raw, err := json.Marshal(submit.Submission{
		Form:        "bourse",
		FormVersion: 1,
		SubmittedAt: at,
		Data:        json.RawMessage(`{"nom":"Jeanne Schmitt"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := in.app.Bus.JS.Publish(ctx, bus.SubmissionSubject("bourse"), raw)
	if err != nil {
		t.Fatal(err)
	}
	reference := submit.ReferenceOf(ack.Sequence, at)
	id, session, err := in.app.Services.Sessions.Create(ctx, "bootstrap-admin")
	if err != nil {
		t.Fatal(err)
	}
	cookie := "guichet_session=" + id
	var page string
	const cause = "form bourse version 1 not found"
	for deadline := time.Now().Add(10 * time.Second); strings.Count(page, cause) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the dead letters of both stages are not listed:\n%s", page)
		}
		page = string(in.Must(200, "GET", "/admin/traitements", "", "", "Cookie", cookie).Body)
	}
	actions := replayAction.FindAllString(page, -1)
	if len(actions) != 2 {
		t.Fatalf("%d replay buttons, want 2:\n%s", len(actions), page)
	}
	post := func(action string) (int, string) {
		r := in.Do("POST", action, "", "csrf="+session.CSRF, "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
		return r.Status, string(r.Body)
	}
	for _, action := range actions {
		if status, body := post(action); status != 409 || !strings.Contains(body, "Le traitement échoue encore") {
			t.Errorf("replay before the fix: %d\n%s", status, body)
		}
	}

	// The fix: the form is published.
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/bourse/draft", adminToken, grantForm)
	in.Must(200, "POST", "/api/forms/bourse/publish", adminToken, "")
	var body string
	for _, action := range actions {
		var status int
		if status, body = post(action); status != 200 || !strings.Contains(body, "Le message a été traité") {
			t.Errorf("replay after the fix: %d\n%s", status, body)
		}
	}
	if strings.Contains(body, "not found") {
		t.Errorf("a dead letter is left after both replays:\n%s", body)
	}
	rec, err := in.app.Services.Tracker.Get(ctx, reference)
	if err != nil || !rec.Documented || rec.Status != submit.Routed {
		t.Errorf("after the replays: %+v, %v", rec, err)
	}
}
