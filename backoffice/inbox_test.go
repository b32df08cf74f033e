package backoffice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/internal/testkit"
	"github.com/guichet/guichet/submit"
)

func TestInboxPagesNewestFirst(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	inboxes, err := backoffice.NewInboxes(ctx, k.Bus, k.Tracker)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	var refs []string
	for i := range 5 {
		sub := submit.Submission{Reference: submit.ReferenceOf(uint64(i+1), base), Form: "aide", FormVersion: 1, SubmittedAt: base.Add(time.Duration(i) * time.Minute)}
		if err := k.Tracker.Route(ctx, submit.Stored{Submission: sub, Sequence: uint64(i + 1)}, "accueil"); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, sub.Reference)
	}
	other := submit.Submission{Reference: submit.ReferenceOf(9, base), Form: "aide", FormVersion: 1, SubmittedAt: base}
	if err := k.Tracker.Route(ctx, submit.Stored{Submission: other, Sequence: 9}, "accueil-bis"); err != nil {
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
