package backoffice_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// routed submits data to the "aide" form and routes it to department, as
// the processors would.
func routed(t *testing.T, k *testkit.Kit, data, department string) string {
	t.Helper()
	ctx := context.Background()
	receipt := k.Submit(t, "aide", data)
	stream, err := k.Bus.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := submit.SequenceOf(receipt.Reference)
	sub, err := submit.Load(ctx, stream, receipt.Reference, seq)
	if err != nil {
		t.Fatalf("the submission: %v", err)
	}
	if err := k.Tracker.Route(ctx, sub, nil, department); err != nil {
		t.Fatal(err)
	}
	return receipt.Reference
}

func startDossiers(t *testing.T) (*testkit.Kit, *backoffice.Dossiers, *backoffice.Trail, *backoffice.Inboxes) {
	k := testkit.New(t, "accueil", "finances")
	ctx := context.Background()
	k.Publish(t, schemas.Form{
		ID:       "aide",
		Title:    "Aide",
		Audience: schemas.Public,
		Routing:  schemas.Routing{Default: "accueil"},
		Schema: json.RawMessage(`{"type":"object","properties":{"nom":{"type":"string","title":"Nom du demandeur"},` +
			`"commune":{"type":"string","title":"Commune"}}}`),
	})
	trail, err := backoffice.NewTrail(ctx, k.Bus)
	if err != nil {
		t.Fatal(err)
	}
	dossiers, err := backoffice.NewDossiers(ctx, k.Bus, k.Tracker, k.Forms, trail)
	if err != nil {
		t.Fatal(err)
	}
	inboxes, err := backoffice.NewInboxes(ctx, k.Bus, k.Tracker)
	if err != nil {
		t.Fatal(err)
	}
	return k, dossiers, trail, inboxes
}

var (
	agent   = identity.Principal{AccountID: "m-weber", Role: identity.RoleAgent, Departments: []string{"accueil"}}
	outside = identity.Principal{AccountID: "p-klein", Role: identity.RoleAgent, Departments: []string{"finances"}}
	admin   = identity.Principal{AccountID: "a-martin", Role: identity.RoleAdmin}
)

// A dossier is read with its version's labels, taken up, decided with a
// reason, reopened only by an admin; each step is in the trail, per
// dossier and per account, and in the status history.
func TestDossierDecisions(t *testing.T) {
	k, dossiers, trail, _ := startDossiers(t)
	ctx := context.Background()
	ref := routed(t, k, `{"nom":"Anne Weber","commune":"Metz"}`, "accueil")

	if _, err := dossiers.Open(ctx, outside, ref); !errors.Is(err, backoffice.ErrNotEntitled) {
		t.Errorf("an agent of another department opens the dossier: %v", err)
	}
	d, err := dossiers.Open(ctx, agent, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Answers) != 2 || d.Answers[0].Label != "Nom du demandeur" || d.Answers[0].Value != "Anne Weber" {
		t.Errorf("answers = %+v", d.Answers)
	}
	if got := backoffice.Possible(agent, d); len(got) != 1 || got[0] != backoffice.TakeUp {
		t.Errorf("possible on a routed dossier: %v", got)
	}
	if _, err := dossiers.Act(ctx, agent, ref, backoffice.Accept, "Complet"); !errors.Is(err, backoffice.ErrTransition) {
		t.Errorf("accepting before review: %v", err)
	}
	if _, err := dossiers.Act(ctx, agent, ref, backoffice.TakeUp, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := dossiers.Act(ctx, agent, ref, backoffice.Accept, "  "); !errors.Is(err, backoffice.ErrReasonRequired) {
		t.Errorf("accepting without a reason: %v", err)
	}
	if _, err := dossiers.Act(ctx, outside, ref, backoffice.Accept, "Complet"); !errors.Is(err, backoffice.ErrNotEntitled) {
		t.Errorf("another department decides: %v", err)
	}
	rec, err := dossiers.Act(ctx, agent, ref, backoffice.Accept, "Dossier complet")
	if err != nil || rec.Status != submit.Accepted {
		t.Fatalf("accept: %v, %v", rec.Status, err)
	}
	if _, err := dossiers.Act(ctx, agent, ref, backoffice.Reopen, "Erreur"); !errors.Is(err, backoffice.ErrAdminOnly) {
		t.Errorf("an agent reopens: %v", err)
	}
	if rec, err = dossiers.Act(ctx, admin, ref, backoffice.Reopen, "Pièce manquante signalée"); err != nil || rec.Status != submit.InReview {
		t.Fatalf("reopen: %v, %v", rec.Status, err)
	}
	if rec, err = dossiers.Act(ctx, agent, ref, backoffice.Reject, "Hors critères"); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, c := range rec.History {
		steps = append(steps, string(c.Status)+":"+c.By)
	}
	if got := strings.Join(steps, " "); got != "received: routed: in_review:m-weber accepted:m-weber in_review:a-martin rejected:m-weber" {
		t.Errorf("history = %s", got)
	}
	if err := dossiers.Note(ctx, agent, ref, "Appeler la mairie de Metz"); err != nil {
		t.Fatal(err)
	}
	entries, err := trail.OfDossier(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind)+":"+e.By)
	}
	if got := strings.Join(kinds, " "); got != "viewed:m-weber decided:m-weber decided:m-weber decided:a-martin decided:m-weber note:m-weber" {
		t.Errorf("trail = %s", got)
	}
	mine, err := trail.OfAccount(ctx, "a-martin")
	if err != nil || len(mine) != 1 || mine[0].Detail != "in_review Pièce manquante signalée" {
		t.Errorf("the admin's trail: %+v, %v", mine, err)
	}
	// Each status reached, even twice, is an event of its own.
	if n := k.SubjectCount(t, bus.StreamEvents, bus.EventSubject(ref, "in_review")); n != 2 {
		t.Errorf("%d in_review events, want 2", n)
	}
}

// The inbox filters by status, form, date and words of the answers or the
// reference, and marks what the viewer has not opened.
func TestInboxFilters(t *testing.T) {
	k, dossiers, _, inboxes := startDossiers(t)
	ctx := context.Background()
	metz := routed(t, k, `{"nom":"Anne Weber","commune":"Metz"}`, "accueil")
	thionville := routed(t, k, `{"nom":"Paul Schmitt","commune":"Thionville"}`, "accueil")
	routed(t, k, `{"nom":"Élise Klein","commune":"Metz"}`, "finances")
	if _, err := dossiers.Open(ctx, agent, metz); err != nil {
		t.Fatal(err)
	}
	if _, err := dossiers.Act(ctx, agent, metz, backoffice.TakeUp, ""); err != nil {
		t.Fatal(err)
	}
	list := func(f backoffice.Filter) string {
		t.Helper()
		f.Viewer = agent.AccountID
		page, err := inboxes.List(ctx, "accueil", f, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, item := range page.Items {
			mark := ""
			if item.Unread {
				mark = "*"
			}
			out = append(out, item.Reference+mark)
		}
		return strings.Join(out, " ")
	}
	for name, c := range map[string]struct {
		filter backoffice.Filter
		want   string
	}{
		"all":          {backoffice.Filter{}, thionville + "* " + metz},
		"status":       {backoffice.Filter{Status: submit.InReview}, metz},
		"words":        {backoffice.Filter{Query: "ANNE metz"}, metz},
		"no match":     {backoffice.Filter{Query: "klein"}, ""},
		"reference":    {backoffice.Filter{Query: strings.ToLower(thionville)}, thionville + "*"},
		"part of one":  {backoffice.Filter{Query: strings.ToLower(thionville[len(thionville)-4:])}, thionville + "*"},
		"form":         {backoffice.Filter{Form: "autre"}, ""},
		"before today": {backoffice.Filter{To: time.Now().Add(-time.Hour)}, ""},
		"since today":  {backoffice.Filter{From: time.Now().Add(-time.Hour)}, thionville + "* " + metz},
	} {
		if got := list(c.filter); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}
