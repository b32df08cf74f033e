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
)

// GUICHET_NATS_URL: Guichet uses an existing NATS server instead of
// starting its own, provisions it, and runs the whole pipeline on it.
func TestExternalNATS(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	g := startWith(t, app.Config{NATSURL: ns.ClientURL(), DataDir: t.TempDir(), Demo: true})
	receipt := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", `{"data":{"association":"Chorale de Sarrebourg","siret":"12345678901234","domaine":"culture","projet":"Concert de Noël dans la chapelle des Cordeliers","montant":800,"contact":{"nom":"Inès Muller","email":"i.muller@example.fr"}}}`)
	g.waitRouted(receipt["reference"].(string), receipt["token"].(string))

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
