package app_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/test/testkit"
)

// A whole submission's journey, logged at the debug level: the answers,
// the submitter's name and address, the receipt's token and the admin's
// token appear in no log line.
func TestNoPersonalDataInLogs(t *testing.T) {
	var logs testkit.SyncBuffer
	g := startWith(t, app.Config{DataDir: t.TempDir(), Demo: true,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	personal := []string{"Chorale de Sarrebourg", "Inès Muller", "i.muller@example.fr", "12345678901234", "chapelle des Cordeliers"}
	receipt := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	reference, token := receipt["reference"].(string), receipt["token"].(string)
	g.waitProcessed(reference, token)
	g.Must(200, "GET", "/api/submissions/"+reference+"/pdf?token="+token, "", "")
	g.Must(200, "GET", "/api/dossiers/"+reference, adminToken, "")
	g.Must(422, "POST", "/api/forms/subvention-association/submissions", "", `{"data":{"contact":{"email":"pas-une-adresse Inès Muller"}}}`)
	g.Must(401, "GET", "/api/dossiers/"+reference, "jeton-inconnu-"+token, "")

	out := logs.String()
	if !strings.Contains(out, reference) {
		t.Fatalf("the logs do not follow the submission %s at all:\n%s", reference, out)
	}
	for _, secret := range append(personal, token, adminToken) {
		if strings.Contains(out, secret) {
			t.Errorf("%q is in the logs", secret)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("logs:\n%s", out)
	}
}

// The request's identifier, given by a proxy or drawn, comes back in the
// response and follows the submission into intake's log and the PDF
// processor's, through the message's NATS headers.
func TestRequestIDFollowsTheSubmission(t *testing.T) {
	var logs testkit.SyncBuffer
	g := startWith(t, app.Config{DataDir: t.TempDir(), Demo: true,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	resp := g.Must(201, "POST", "/api/forms/subvention-association/submissions", "", association, "X-Request-Id", "proxy-7f3a.42")
	if got := resp.Header.Get("X-Request-Id"); got != "proxy-7f3a.42" {
		t.Errorf("X-Request-Id back: %q", got)
	}
	receipt := resp.JSON(t)
	g.waitProcessed(receipt["reference"].(string), receipt["token"].(string))
	for _, want := range []string{
		`"msg":"submission accepted","reference":"` + receipt["reference"].(string) + `","form":"subvention-association","version":1,` +
			`"request_id":"proxy-7f3a.42"}`,
		`"consumer":"route","subject":"submissions.subvention-association","sequence":1,"delivery":1,"request_id":"proxy-7f3a.42"`,
		`"consumer":"pdf","subject":"$KV.receipts.` + receipt["reference"].(string) + `","sequence":1,"delivery":1,"request_id":"proxy-7f3a.42"`,
	} {
		// A consumer logs a message once it has acknowledged it, a moment
		// after its effect shows.
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(logs.String(), want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %s in the logs:\n%s", want, logs.String())
		}
	}

	// What a client sends is not trusted as is: a malformed identifier is
	// replaced, and a request without one gets one.
	for _, header := range [][]string{{"X-Request-Id", "<script>alert(1)</script>"}, nil} {
		resp := g.Must(200, "GET", "/api/forms", "", "", header...)
		if id := resp.Header.Get("X-Request-Id"); len(id) != 16 || strings.ContainsAny(id, "<>()") {
			t.Errorf("request with %v: identifier %q", header, id)
		}
	}
}
