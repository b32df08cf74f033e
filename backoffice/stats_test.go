package backoffice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/internal/platform/locale"
)

// The statistics count this month's submissions per form, add the paper
// forms entered, and measure the time to the first decision.
func TestStatistics(t *testing.T) {
	k, dossiers, _, _ := startDossiers(t)
	ctx := context.Background()
	stats, err := backoffice.NewStatistics(ctx, k.Bus)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, name := range []string{"Anne", "Paul", "Élise"} {
		refs = append(refs, routed(t, k, `{"nom":"`+name+`"}`, "accueil"))
	}
	for _, ref := range refs[:2] {
		if _, err := dossiers.Act(ctx, agent, ref, backoffice.TakeUp, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := dossiers.Act(ctx, agent, ref, backoffice.Accept, "Complet"); err != nil {
			t.Fatal(err)
		}
	}
	// Reopened and decided again: only the first decision counts.
	if _, err := dossiers.Act(ctx, admin, refs[0], backoffice.Reopen, "Relecture"); err != nil {
		t.Fatal(err)
	}
	month := time.Now().In(locale.Paris).Format("2006-01")
	if err := stats.SetPaper(ctx, "aide", month, 7); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		month string
		count int
	}{{"2026-13", 1}, {"mars", 1}, {month, -1}} {
		if err := stats.SetPaper(ctx, "aide", bad.month, bad.count); !errors.Is(err, backoffice.ErrBadPaperCount) {
			t.Errorf("paper count %v: %v", bad, err)
		}
	}
	report, err := stats.Compute(ctx, 12)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Months) != 12 || report.Months[11] != month || len(report.Forms) != 1 {
		t.Fatalf("report = %+v", report)
	}
	f := report.Forms[0]
	if f.Form != "aide" || f.Online != 3 || f.Paper != 7 || f.Months[11].Online != 3 || f.OnlineShare() != 30 || report.Totals[11].Paper != 7 {
		t.Errorf("counts = %+v", f)
	}
	if f.Decided != 2 || f.MedianDays < 0 || f.MedianDays > 0.01 || f.MeanDays > 0.01 {
		t.Errorf("decision times = %+v", f)
	}
	// Online only, none on paper: all of it online, not unknown.
	if share := (backoffice.FormStats{Online: 4}).OnlineShare(); share != 100 {
		t.Errorf("online share without paper = %v", share)
	}
	if share := (backoffice.FormStats{}).OnlineShare(); share != -1 {
		t.Errorf("online share without submissions = %v", share)
	}
}
