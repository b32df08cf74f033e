package app_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/app"
)

const association = `{"data":{"association":"Chorale de Sarrebourg","siret":"12345678901234","domaine":"culture","projet":"Concert de ` +
	`Noël dans la chapelle des Cordeliers","montant":800,"contact":{"nom":"Inès Muller","email":"i.muller@example.fr"}}}`

// When the store is full, a submission gets a 503 saying nothing was
// recorded, while the node stays ready; once space is freed, submissions
// are accepted and processed again without a restart.
func TestFullStoreRefusesThenRecovers(t *testing.T) {
	const maxStore = 8 << 20
	in := startWith(t, app.Config{DataDir: t.TempDir(), Demo: true, MaxStore: maxStore})
	before := in.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	in.waitProcessed(before["reference"].(string), before["token"].(string))

	// Something else fills the store.
	ctx := context.Background()
	js := in.app.Bus.JS
	filler, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "FILLER", Subjects: []string{"filler"}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, size := range []int{256 << 10, 16 << 10, 1 << 10, 64} {
		block := make([]byte, size)
		for ; ; n++ {
			rand.Read(block)
			if _, err := js.Publish(ctx, "filler", block); err != nil {
				break
			}
			if n > 10000 {
				t.Fatal("the store never filled up")
			}
		}
	}

	refused := in.Do("POST", "/api/forms/subvention-association/submissions", "", association)
	if refused.Status != 503 || !strings.Contains(string(refused.Body), "rien n'a été enregistré") {
		t.Fatalf("full store: %d %s", refused.Status, refused.Body)
	}
	in.Must(200, "GET", "/readyz", "", "") // the node itself is fine

	// Space is freed: no restart is needed.
	if err := filler.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	after := in.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	in.waitProcessed(after["reference"].(string), after["token"].(string))
}
