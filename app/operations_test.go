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
	// A submission of a form that does not exist yet: the PDF processor gives up.
	raw, err := json.Marshal(submit.Submission{Reference: "2026-AAAA-BBBB-CCCC", Form: "bourse", FormVersion: 1, SubmittedAt: time.Now(),
		Data: json.RawMessage(`{"nom":"Jeanne Schmitt"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.Bus.JS.Publish(ctx, bus.SubmissionSubject("bourse"), raw); err != nil {
		t.Fatal(err)
	}
	id, session, err := in.app.Services.Sessions.Create(ctx, "bootstrap-admin")
	if err != nil {
		t.Fatal(err)
	}
	cookie := "guichet_session=" + id
	var page string
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(page, "form bourse version 1 not found"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the dead letter is not listed:\n%s", page)
		}
		page = string(in.Must(200, "GET", "/admin/traitements", "", "", "Cookie", cookie).Body)
	}
	action := replayAction.FindString(page)
	if action == "" {
		t.Fatalf("no replay button:\n%s", page)
	}
	post := func() (int, string) {
		r := in.Do("POST", action, "", "csrf="+session.CSRF, "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
		return r.Status, string(r.Body)
	}
	if status, body := post(); status != 409 || !strings.Contains(body, "Le traitement échoue encore") {
		t.Errorf("replay before the fix: %d\n%s", status, body)
	}

	// The fix: the form is published.
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/bourse/draft", adminToken, grantForm)
	in.Must(200, "POST", "/api/forms/bourse/publish", adminToken, "")
	if status, body := post(); status != 200 || !strings.Contains(body, "Le message a été traité") || strings.Contains(body, "not found") {
		t.Errorf("replay after the fix: %d\n%s", status, body)
	}
	rec, err := in.app.Services.Tracker.Get(ctx, "2026-AAAA-BBBB-CCCC")
	if err != nil || len(rec.History) < 2 || rec.History[1].Status != submit.Documented {
		t.Errorf("after the replay: %+v, %v", rec, err)
	}
}
