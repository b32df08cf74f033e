//go:build faults

package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// signerPause is how long the receipt signer is stopped.
const signerPause = 60 * time.Second

// The receipt signer stopped for a minute during a load: submissions go on
// reaching their department's inbox meanwhile, without receipt or PDF,
// and once the signer is back, every receipt and PDF catches up.
func TestFaultReceiptSignerStopped(t *testing.T) {
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	g := startGuichet(t, "all-in-one", "GUICHET_DATA_DIR="+t.TempDir(), "GUICHET_NATS_LISTEN="+natsAddr)
	nc, js := connect(t, "nats://"+natsAddr)
	defer nc.Close()
	ctx := context.Background()
	stoppedAt := time.Now()
	if _, err := js.PauseConsumer(ctx, bus.StreamSubmissions, bus.ConsumerReceipt, stoppedAt.Add(signerPause)); err != nil {
		t.Fatal(err)
	}
	l := startLoad(8, 50*time.Millisecond, false, func() string { return g.URL })
	time.Sleep(20 * time.Second)
	l.stop()
	acked := l.acknowledged()

	// Still within the pause: routed, and nothing signed.
	var h holdings
	waitFor(signerPause-time.Since(stoppedAt)-5*time.Second, func() bool {
		var err error
		if h, err = read(js); err != nil {
			return false
		}
		for _, ref := range acked {
			if h.inbox[ref] == 0 {
				return false
			}
		}
		return true
	})
	routedAfter := time.Since(stoppedAt)
	if routedAfter >= signerPause {
		t.Fatal("the pause ended before the submissions were seen in their inbox")
	}
	inInbox, withPDF := 0, 0
	for _, ref := range acked {
		if h.inbox[ref] > 0 {
			inInbox++
		}
		if h.pdf[ref] {
			withPDF++
		}
	}
	if inInbox != len(acked) || withPDF != 0 {
		t.Errorf("with the signer stopped: %d of %d submissions in their inbox, %d with a PDF; want all, and none", inInbox, len(acked), withPDF)
	}
	if receipts := subjectCount(t, js, bus.BucketStream(bus.BucketReceipts), bus.ReceiptSubjects...); receipts != 0 {
		t.Errorf("%d receipts signed while the signer was stopped", receipts)
	}

	time.Sleep(time.Until(stoppedAt.Add(signerPause)))
	resumedAt := time.Now()
	found, duplicated := inspect(t, "nats://"+natsAddr, acked)
	record(t, outcome{
		Fault:        "receipt signer stopped for 60 s during a load (all-in-one)",
		Acknowledged: len(acked),
		Found:        found,
		Duplicated:   duplicated,
		Note: fmt.Sprintf("all %d in their inbox %v into the pause, with no receipt and no PDF; every receipt and PDF %v after it ended; %s",
			inInbox, routedAfter.Round(time.Second), time.Since(resumedAt).Round(100*time.Millisecond), l.summary()),
	})
}

// The PDF processor failing every message during a load (the documents'
// storage refuses every write): every submission is in its inbox, its PDF
// dead-lettered; once the storage is fixed, replaying the dead letters
// makes every PDF, and nothing twice.
func TestFaultPDFFailing(t *testing.T) {
	natsAddr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	// Three quick retries, so that a failing message is dead-lettered in
	// a second rather than after the default quarter of an hour.
	g := startGuichet(t, "all-in-one", "GUICHET_DATA_DIR="+t.TempDir(), "GUICHET_NATS_LISTEN="+natsAddr, "GUICHET_RETRY_DELAYS=200ms,200ms,"+
		"200ms")
	nc, js := connect(t, "nats://"+natsAddr)
	defer nc.Close()
	ctx := context.Background()
	documents, err := js.Stream(ctx, bus.DocumentsStream)
	if err != nil {
		t.Fatal(err)
	}
	healthy := documents.CachedInfo().Config
	broken := healthy
	broken.MaxBytes = 1
	if _, err := js.UpdateStream(ctx, broken); err != nil {
		t.Fatal(err)
	}
	// More than a thousand dead letters, as many as the server's limit of
	// consumers, which each replay uses one of for a moment.
	l := startLoad(8, 50*time.Millisecond, false, func() string { return g.URL })
	time.Sleep(14 * time.Second)
	l.stop()
	acked := l.acknowledged()
	if len(acked) <= 1000 {
		t.Logf("only %d submissions acknowledged: fewer dead letters than the server's limit of consumers", len(acked))
	}

	// Every submission stored, with its 201 or cut short without it, has
	// its PDF dead-lettered once.
	var letters []uint64
	var h holdings
	waitFor(time.Minute, func() bool {
		var err error
		if h, err = read(js); err != nil {
			return false
		}
		letters = deadLetters(t, g)
		return len(letters) >= len(h.messages)
	})
	inInbox, withPDF := 0, 0
	for _, ref := range acked {
		if h.inbox[ref] > 0 {
			inInbox++
		}
		if h.pdf[ref] {
			withPDF++
		}
	}
	if inInbox != len(acked) || withPDF != 0 || len(letters) != len(h.messages) {
		t.Errorf("with the PDF failing: %d of %d in their inbox, %d with a PDF, %d dead letters", inInbox, len(acked), withPDF, len(letters))
	}

	if _, err := js.UpdateStream(ctx, healthy); err != nil {
		t.Fatal(err)
	}
	fixedAt := time.Now()
	for _, seq := range letters {
		resp := adminPost(t, g, fmt.Sprintf("/api/deadletters/%d/replay", seq))
		if resp != http.StatusNoContent {
			t.Errorf("replaying dead letter %d: %d", seq, resp)
		}
	}
	found, duplicated := inspect(t, "nats://"+natsAddr, acked)
	if left := deadLetters(t, g); len(left) != 0 {
		t.Errorf("%d dead letters left after the replays", len(left))
	}
	record(t, outcome{
		Fault:        "PDF processor failing every message during a load, then fixed and its dead letters replayed (all-in-one)",
		Acknowledged: len(acked),
		Found:        found,
		Duplicated:   duplicated,
		Note: fmt.Sprintf("all %d in their inbox with no PDF, %d dead letters; every PDF %v after the fix; %s",
			inInbox, len(letters), time.Since(fixedAt).Round(100*time.Millisecond), l.summary()),
	})
}

// subjectCount counts the messages of a stream on subjects.
func subjectCount(t *testing.T, js jetstream.JetStream, stream string, subjects ...string) int {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, subject := range subjects {
		info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(subject))
		if err != nil {
			t.Fatal(err)
		}
		for _, count := range info.State.Subjects {
			n += int(count)
		}
	}
	return n
}

// deadLetters lists the sequences of the dead letters, through the API;
// each must be the PDF processor's.
func deadLetters(t *testing.T, g *guichet) []uint64 {
	t.Helper()
	req, err := http.NewRequest("GET", g.URL+"/api/deadletters", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Items []struct {
			Sequence uint64 `json:"sequence"`
			Consumer string `json:"consumer"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, item := range list.Items {
		if item.Consumer != bus.ConsumerPDF {
			t.Errorf("a stage other than the PDF gave up: %+v", item)
		}
		seqs = append(seqs, item.Sequence)
	}
	return seqs
}

// adminPost posts nothing to path as the admin, and returns the status.
func adminPost(t *testing.T, g *guichet, path string) int {
	t.Helper()
	req, err := http.NewRequest("POST", g.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
