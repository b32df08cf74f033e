package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/submit"
)

const adminForReceipts = "jeton-admin-recus"

func receiptsCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(append([]string{"receipts"}, args...), envOf(nil), &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

// guichet receipts verify follows a form's chain: an erasure recorded in
// the security log keeps it whole; a submission deleted from the stream
// behind Guichet's back is the break it reports. rotate adds a key.
func TestReceiptsVerifyFindsADeletedSubmission(t *testing.T) {
	dataDir := t.TempDir()
	a, base := testkit.StartApp(t, app.Config{DataDir: dataDir, Demo: true, AdminToken: adminForReceipts})
	api := testkit.Client{T: t, URL: base}
	var refs []string
	for _, email := range []string{"a@example.fr", "b@example.fr", "c@example.fr", "d@example.fr"} {
		body := `{"data":{"association":"Chorale","siret":"12345678901234","domaine":"culture","projet":"Concert de Noël dans la chapelle des ` +
			`Cordeliers","montant":800,"contact":{"nom":"Muller","email":"` + email + `"}}}`
		receipt := api.Must(201, "POST", "/api/forms/subvention-association/submissions", "", body).JSON(t)
		ref, token := receipt["reference"].(string), receipt["token"].(string)
		api.WaitStatus(ref, token, "routed")
		api.WaitReceipt(ref, token)
		refs = append(refs, ref)
	}
	api.Must(200, "POST", "/api/privacy/erasure", adminForReceipts, `{"email":"b@example.fr","reason":"Demande du 1er décembre"}`)
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	out, err := receiptsCommand(t, "verify", "-data-dir", dataDir, "subvention-association")
	if err != nil || !strings.Contains(out, "subvention-association : 4 récépissés, chaîne intacte ; 1 dépôt effacé") {
		t.Fatalf("a whole chain with an erasure: %v\n%s", err, out)
	}

	// The third submission deleted from the stream, with no erasure.
	b, err := bus.Open(context.Background(), bus.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	stream, _ := b.JS.Stream(context.Background(), bus.StreamSubmissions)
	third, _ := submit.SequenceOf(refs[2])
	if third == 0 || stream.DeleteMsg(context.Background(), third) != nil {
		t.Fatalf("could not delete the third submission (%d)", third)
	}
	b.Close()
	out, err = receiptsCommand(t, "verify", "-data-dir", dataDir, "subvention-association")
	if err == nil || !strings.Contains(out, "rupture au récépissé 3 ("+refs[2]+")") || !strings.Contains(out, "sans effacement") {
		t.Errorf("a deleted submission: %v\n%s", err, out)
	}

	out, err = receiptsCommand(t, "rotate", "-data-dir", dataDir)
	if err != nil || !strings.Contains(out, "2 clés publiées") {
		t.Errorf("rotate: %v\n%s", err, out)
	}
}
