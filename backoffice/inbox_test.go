package backoffice_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

func TestInboxPagesNewestFirst(t *testing.T) {
	k := testkit.New(t, "accueil", "accueil-bis")
	ctx := context.Background()
	k.Publish(t, schemas.Form{ID: "aide", Title: "Aide", Audience: schemas.Public, Routing: schemas.Routing{Default: "accueil"},
		Schema: json.RawMessage(`{"type":"object","properties":{"nom":{"type":"string"}}}`)})
	inboxes, err := backoffice.NewInboxes(ctx, k.Bus, k.Tracker)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for range 5 {
		ref := k.Submit(t, "aide", `{"nom":"Anne"}`).Reference
		if err := k.Tracker.Route(ctx, k.Stored(t, ref), nil, "accueil"); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	other := k.Submit(t, "aide", `{"nom":"Bernard"}`).Reference
	if err := k.Tracker.Route(ctx, k.Stored(t, other), nil, "accueil-bis"); err != nil {
		t.Fatal(err)
	}

	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := inboxes.List(ctx, "accueil", backoffice.Filter{}, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			if item.Status != submit.Routed {
				t.Errorf("%s: status %s", item.Reference, item.Status)
			}
			got = append(got, item.Reference)
		}
		if page.Next == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
		cursor = page.Next
	}
	want := []string{refs[4], refs[3], refs[2], refs[1], refs[0]}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("listed %v, want newest first %v", got, want)
		}
	}
	if _, err := inboxes.List(ctx, "accueil", backoffice.Filter{}, "pas un curseur!", 2); !errors.Is(err, backoffice.ErrBadCursor) {
		t.Errorf("bad cursor: %v", err)
	}
}
