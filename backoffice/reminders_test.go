package backoffice

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// outbox keeps the messages instead of sending them.
type outbox struct {
	mu   sync.Mutex
	sent []mailer.Message
}

func (o *outbox) Send(_ context.Context, m mailer.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) to() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range o.sent {
		out = append(out, m.To+": "+m.Subject)
	}
	return out
}

// Approvers hear of a step that waits for them, once, then are reminded
// after the workflow's delay, once per delay, whichever node asks.
func TestApproversAreToldAndReminded(t *testing.T) {
	ctx := context.Background()
	b := bus.StartTest(t)
	departments, err := identity.NewDepartments(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"accueil", "rh"} {
		if err := departments.Put(ctx, identity.Department{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	forms, err := schemas.NewRegistry(ctx, b, departments)
	if err != nil {
		t.Fatal(err)
	}
	tracker, err := submit.NewTracker(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	intake, err := submit.NewIntake(ctx, b, forms, tracker, submit.IntakeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := identity.NewAccounts(ctx, b, departments)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []identity.Account{
		{ID: "j-muller", Name: "Jean Muller", Email: "jean.muller@moselle.example", Role: identity.RoleManager, Active: true},
		{ID: "m-weber", Name: "Marie Weber", Role: identity.RoleAgent, Departments: []string{"accueil"}, Manager: "j-muller", Active: true},
	} {
		if err := accounts.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := forms.SaveDraft(ctx, schemas.Form{
		ID:       "conges",
		Title:    "Congés",
		Audience: schemas.Internal,
		Routing:  schemas.Routing{Default: "rh"},
		Schema:   json.RawMessage(`{"type":"object","properties":{"jours":{"type":"integer","title":"Jours"}}}`),
		Workflow: &schemas.Workflow{ReminderDays: 2, Steps: []schemas.ApprovalStep{{Title: "Responsable", Approver: schemas.ApproverManager}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := forms.Publish(ctx, "conges"); err != nil {
		t.Fatal(err)
	}
	trail, err := NewTrail(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := b.KV(ctx, bus.BucketNotifications)
	if err != nil {
		t.Fatal(err)
	}
	mail := &outbox{}
	w, err := NewWorkflows(ctx, b, forms, accounts, intake, tracker, trail, &Notices{Mail: mail, Sent: sent, SiteURL: "https://guichet.test"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w.now = func() time.Time { return now }

	receipt, err := intake.Submit(ctx, submit.Request{FormID: "conges", Data: json.RawMessage(`{"jours":2}`),
		Principal: identity.Principal{AccountID: "m-weber", Role: identity.RoleAgent, Departments: []string{"accueil"}}})
	if err != nil {
		t.Fatal(err)
	}
	event := submit.Event{Reference: receipt.Reference, Status: submit.Routed, Sequence: 1}
	for range 2 { // a redelivery announces nothing more
		if err := w.start(ctx, event); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(mail.to(), "|"); got != "jean.muller@moselle.example: Une demande attend votre validation / A request awaits "+
		"your approval ("+receipt.Reference+")" {
		t.Fatalf("announcements: %s", got)
	}

	remind := func(after time.Duration, want int) {
		t.Helper()
		now = now.Add(after)
		if n, err := w.Remind(ctx); err != nil || n != want {
			t.Fatalf("after %v more: %d reminded, want %d (%v)", after, n, want, err)
		}
	}
	remind(24*time.Hour, 0)
	remind(25*time.Hour, 1)
	remind(time.Hour, 0)
	remind(48*time.Hour, 1)
	if got := mail.to(); len(got) != 3 || !strings.HasPrefix(got[2], "jean.muller@moselle.example: Rappel") {
		t.Errorf("mail = %v", got)
	}
}
