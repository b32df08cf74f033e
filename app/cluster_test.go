package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/submit"
)

// GUICHET_NATS_URL: Guichet uses an existing NATS server instead of
// starting its own, provisions it, and runs the whole pipeline on it.
func TestExternalNATS(t *testing.T) {
	ns := startServer(t, &server.Options{})
	g := startWith(t, app.Config{NATSURL: ns.ClientURL(), DataDir: t.TempDir(), Demo: true})
	receipt := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	g.waitProcessed(receipt["reference"].(string), receipt["token"].(string))

	// The submission is on the external server, where the nats CLI would see it.
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(context.Background(), bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(context.Background())
	if err != nil || info.State.Msgs != 1 {
		t.Fatalf("SUBMISSIONS on the external server: %+v, %v", info, err)
	}
}

// guichet serve --role: an API node takes submissions and processes
// none; processor nodes serve only their health and share the work, each
// submission processed once.
func TestRoles(t *testing.T) {
	ns := startServer(t, &server.Options{})
	apiNode := startWith(t, app.Config{NATSURL: ns.ClientURL(), Demo: true, Role: app.RoleAPI})
	first := apiNode.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	time.Sleep(500 * time.Millisecond)
	status := apiNode.must(200, "GET", "/api/submissions/"+first["reference"].(string)+"?token="+first["token"].(string), "", "")["status"]
	if status != "received" {
		t.Fatalf("an API node processed a submission: %v", status)
	}

	for range 2 {
		w := startWith(t, app.Config{NATSURL: ns.ClientURL(), Role: app.RoleProcessors})
		w.Must(200, "GET", "/readyz", "", "")
		w.Must(404, "GET", "/api/forms", "", "")
		w.Must(404, "GET", "/f/subvention-association", "", "")
	}
	receipts := []map[string]any{first}
	for range 20 {
		receipts = append(receipts, apiNode.must(201, "POST", "/api/forms/subvention-association/submissions", "", association))
	}
	for _, r := range receipts {
		ref := r["reference"].(string)
		apiNode.waitProcessed(ref, r["token"].(string))
		// The stage follows the state by a moment.
		routed := func() int { return testkit.StageCounts(t, apiNode.app.Bus.JS, ref)[submit.Routed] }
		for deadline := time.Now().Add(5 * time.Second); routed() == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if n := testkit.StageCounts(t, apiNode.app.Bus.JS, ref)[submit.Routed]; n != 1 {
			t.Errorf("%s routed %d times", ref, n)
		}
	}
}
