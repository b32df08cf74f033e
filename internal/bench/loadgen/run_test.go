package loadgen_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/bench/loadgen"
	"github.com/guichet/guichet/internal/test/testkit"
)

// A load against a running Guichet: every request is counted once by its
// status, the invalid share is refused, and the followed submissions are
// all routed, with a lag that the server recorded.
func TestRunAgainstAServer(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	var progress bytes.Buffer
	r, err := loadgen.Run(context.Background(), loadgen.Config{URL: base, Form: "subvention-association", Clients: 4, Count: 60,
		Invalid: 0.1, IdempotencyKeys: true, Seed: 3, LagSample: 20, LagTimeout: time.Minute, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 60 || r.ByStatus["201"] != 54 || r.ByStatus["422"] != 6 || r.Accepted != 54 || len(r.FirstErrors) != 0 {
		t.Errorf(
			"sent %d, accepted %d, by status %v, errors %v; want 60 sent, 54 accepted, 6 refused",
			r.Sent,
			r.Accepted,
			r.ByStatus,
			r.FirstErrors,
		)
	}
	if r.Latency.P50 <= 0 || r.Latency.Max < r.Latency.P99 || r.PerSecond <= 0 {
		t.Errorf("latency %+v, rate %v", r.Latency, r.PerSecond)
	}
	if r.Lag == nil || r.Lag.Followed != 20 || r.Lag.Done != 20 || r.Lag.Lag.P50 <= 0 {
		t.Errorf("lag %+v: want 20 followed and routed", r.Lag)
	}
	if !strings.Contains(progress.String(), "60 envoyés") {
		t.Errorf("progress bar: %q", progress.String())
	}
	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{"acceptés       54", "201: 54 422: 6", "latence", "20 orientés"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRefusesAnUnknownForm(t *testing.T) {
	_, base := testkit.StartApp(t, app.Config{Demo: true})
	_, err := loadgen.Run(context.Background(), loadgen.Config{URL: base, Form: "inconnu", Count: 1})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown form: %v", err)
	}
}

// With an admin's token, the report says what the server wrote: the
// submissions' stream holds one write per accepted submission, and the
// writes and syncs per submission are counted over every stream.
func TestRunReportsWrites(t *testing.T) {
	const token = "jeton-admin-des-tests"
	_, base := testkit.StartApp(t, app.Config{Demo: true, AdminToken: token})
	r, err := loadgen.Run(context.Background(), loadgen.Config{URL: base, Form: "subvention-association", Clients: 8, Count: 40,
		Seed: 5, LagSample: 40, LagTimeout: time.Minute, MetricsToken: token})
	if err != nil {
		t.Fatal(err)
	}
	if r.Writes == nil || r.Writes.Streams["SUBMISSIONS"].Writes != 40 {
		t.Fatalf("writes: %+v", r.Writes)
	}
	w := r.Writes
	if w.WritesPerSubmission <= 1 || w.SyncsPerSubmission <= 0 || w.SyncsPerSubmission > w.WritesPerSubmission || w.BatchesPerSecond < 0 {
		t.Errorf("per submission: %+v", w)
	}
	var out bytes.Buffer
	r.Print(&out)
	if !strings.Contains(out.String(), "par dépôt accepté") || !strings.Contains(out.String(), "SUBMISSIONS") {
		t.Errorf("report:\n%s", out.String())
	}
	if _, err := loadgen.Run(context.Background(), loadgen.Config{
		URL:          base,
		Count:        1,
		MetricsToken: "faux",
	}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong token: %v", err)
	}
}
