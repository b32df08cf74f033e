package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/pdftest"
)

// With the PDF processor failing every message (the documents' storage
// refuses every write), every submission still reaches its department's
// inbox, and its status shows the PDF as pending. Once the storage takes
// writes again, replaying the dead letters makes every PDF.
func TestFailingPDFProcessorHoldsNoSubmissionBack(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir(), Demo: true})
	ctx := context.Background()
	documents, err := in.app.Bus.JS.Stream(ctx, bus.DocumentsStream)
	if err != nil {
		t.Fatal(err)
	}
	healthy := documents.CachedInfo().Config
	full := healthy
	full.MaxBytes = 1
	if _, err := in.app.Bus.JS.UpdateStream(ctx, full); err != nil {
		t.Fatal(err)
	}

	const n = 8
	tokens := map[string]string{}
	for i := range n {
		data := strings.Replace(association, "Chorale de Sarrebourg", fmt.Sprintf("Chorale n° %d", i), 1)
		r := in.must(201, "POST", "/api/forms/subvention-association/submissions", "", data)
		tokens[r["reference"].(string)] = r["token"].(string)
	}
	for ref, token := range tokens {
		status := in.WaitStatus(ref, token, "routed")
		if status["documented"] != false {
			t.Errorf("%s documented with no storage for its PDF: %v", ref, status)
		}
		if n := count(in.inbox(status["department"].(string)), ref); n != 1 {
			t.Errorf("%s is %d times in its inbox, want once", ref, n)
		}
	}
	letters := waitDeadLetters(t, in, n)

	// The fix, then the replays.
	if _, err := in.app.Bus.JS.UpdateStream(ctx, healthy); err != nil {
		t.Fatal(err)
	}
	for _, seq := range letters {
		in.Must(204, "POST", fmt.Sprintf("/api/deadletters/%d/replay", seq), adminToken, "")
	}
	for ref, token := range tokens {
		in.WaitStatus(ref, token, "documented")
		pdf := in.Must(200, "GET", "/api/submissions/"+ref+"/pdf?token="+token, "", "")
		if text := pdftest.Text(t, pdf.Body); !strings.Contains(text, ref) {
			t.Errorf("the PDF of %s:\n%s", ref, text)
		}
	}
	if left := in.must(200, "GET", "/api/deadletters", adminToken, "")["items"].([]any); len(left) != 0 {
		t.Errorf("dead letters left after the replays: %v", left)
	}
}

// waitDeadLetters waits until the PDF processor has given up on n
// messages, and returns the dead letters' sequences.
func waitDeadLetters(t *testing.T, in *instance, n int) []uint64 {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var seqs []uint64
		for _, item := range in.must(200, "GET", "/api/deadletters", adminToken, "")["items"].([]any) {
			letter := item.(map[string]any)
			if letter["consumer"] == bus.ConsumerPDF && letter["stream"] == bus.BucketStream(bus.BucketReceipts) {
				seqs = append(seqs, uint64(letter["sequence"].(float64)))
			} else {
				t.Fatalf("a stage other than the PDF gave up: %v", letter)
			}
		}
		if len(seqs) == n {
			return seqs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dead letters of the PDF processor, want %d", len(seqs), n)
		}
	}
}
