package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

const (
	schoolForm = `{"title": "Aide à la scolarité", "audience": "public", "retentionDays": 30, "draftDays": 7,
		"routing": {"default": "transports"},
		"schema": {"type": "object", "required": ["nom", "email"], "properties": {
			"nom": {"type": "string", "title": "Nom"},
			"email": {"type": "string", "title": "Courriel", "format": "email"},
			"justificatif": {"type": "string", "title": "Justificatif", "format": "data-url"}}}}`
	ines  = "ines.muller@example.fr"
	other = "paul.weber@example.fr"
)

// schoolSubmission is a submission to schoolForm with a file.
func schoolSubmission(name, email string) string {
	file := submit.DataURL("avis.pdf", "application/pdf", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R "+
		">>\n%%EOF\n"))
	return `{"data": {"nom": "` + name + `", "email": "` + email + `", "justificatif": "` + file + `"}}`
}

// uploadsOf names the files sent with a submission in the object store,
// as its messages in SUBMISSIONS list them.
func uploadsOf(t *testing.T, b *bus.Bus, ref string) []string {
	t.Helper()
	ctx := context.Background()
	s, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := bus.Scan(ctx, s, bus.SubmissionSubjects, func(msg jetstream.Msg) {
		if sub, err := submit.Decode(msg); err == nil && sub.Reference == ref {
			for i, a := range sub.Attachments {
				names = append(names, a.ObjectName(ref, i))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return names
}

// holdings counts what each store holds of a submission, read from the
// stores themselves; uploads are the names of its files (see uploadsOf).
// The mark of an Idempotency-Key is the submission's when the message
// after it is the submission, or is gone.
func holdings(t *testing.T, b *bus.Bus, ref string, uploads []string) map[string]int {
	t.Helper()
	ctx := context.Background()
	held := map[string]int{}
	count := func(stream, filter string, match func(jetstream.Msg) bool) int {
		s, err := b.JS.Stream(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		if err := bus.Scan(ctx, s, filter, func(msg jetstream.Msg) {
			if match(msg) {
				n++
			}
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	held["SUBMISSIONS"] = count(bus.StreamSubmissions, bus.SubmissionSubjects, func(msg jetstream.Msg) bool {
		sub, err := submit.Decode(msg)
		return err == nil && sub.Reference == ref
	})
	held["idempotency"] = count(bus.StreamSubmissions, bus.IdempotencySubjects, func(msg jetstream.Msg) bool {
		meta, err := msg.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		next, err := submissions.GetMsg(ctx, meta.Sequence.Stream+1)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return true
		}
		if err != nil {
			t.Fatal(err)
		}
		sub, err := submit.Unmarshal(next.Sequence, next.Data)
		return err == nil && sub.Reference == ref
	})
	held["EVENTS"] = count(bus.StreamEvents, "events."+ref+".>", func(jetstream.Msg) bool { return true })
	for bucket, filter := range map[string]string{
		bus.BucketStatus:    ref,
		bus.BucketInbox:     "*.*." + ref,
		bus.BucketSeen:      "*." + ref,
		bus.BucketWorkflows: ref,
	} {
		kv, err := b.KV(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		lister, err := kv.ListKeysFiltered(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		for range lister.Keys() {
			held[bucket]++
		}
	}
	documents, err := b.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	objects, err := documents.List(ctx)
	if err != nil && err != jetstream.ErrNoObjectsFound {
		t.Fatal(err)
	}
	for _, o := range objects {
		if strings.HasPrefix(o.Name, ref+"/") || slices.Contains(uploads, o.Name) {
			held["documents"]++
		}
	}
	return held
}

// The right of access gives everything held on an address; the right of
// erasure removes it from every store, leaves others' submissions, and
// leaves an audit record without the address.
func TestErasureRemovesEveryTrace(t *testing.T) {
	g := start(t, t.TempDir(), true)
	g.must(200, "PUT", "/api/forms/aide-scolarite/draft", adminToken, schoolForm)
	g.must(200, "POST", "/api/forms/aide-scolarite/publish", adminToken, "")
	first := g.must(
		201,
		"POST",
		"/api/forms/aide-scolarite/submissions",
		"",
		schoolSubmission("Inès Muller", ines),
		"Idempotency-Key",
		"essai-1",
	)
	second := g.must(201, "POST", "/api/forms/aide-scolarite/submissions", "", schoolSubmission("Paul Weber", other))
	ref, kept := first["reference"].(string), second["reference"].(string)
	g.waitProcessed(ref, first["token"].(string))
	g.waitProcessed(kept, second["token"].(string))
	g.must(200, "GET", "/api/dossiers/"+ref, adminToken, "")
	g.Must(201, "POST", "/api/dossiers/"+ref+"/notes", adminToken, `{"text":"Appelée le 3 décembre"}`)
	g.Must(202, "POST", "/api/dossiers/"+ref+"/messages", adminToken, `{"text":"Votre dossier est complet."}`)
	// The applicant answers with a file, which goes with the rest.
	services := g.app.Services
	receipt, err := services.Uploads.Receive(context.Background(), "", "quittance.pdf", backoffice.MessageFiles,
		strings.NewReader("%PDF-1.7\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := services.Conversations.Reply(context.Background(), identity.Principal{}, first["token"].(string), ref,
		"Voici la quittance.", []uploads.File{receipt}); err != nil {
		t.Fatal(err)
	}
	g.must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"take-up"}`)
	g.must(200, "POST", "/api/dossiers/"+ref+"/actions", adminToken, `{"action":"accept","reason":"Quotient familial sous le plafond"}`)
	drafts, err := submit.NewDrafts(context.Background(), g.app.Bus, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drafts.Save(context.Background(), "", submit.Draft{
		Form: "aide-scolarite",
		Data: json.RawMessage(`{"email":"` + ines + `"}`),
	}, time.Hour); err != nil {
		t.Fatal(err)
	}

	// Every store holds something of the submission, the decision letter
	// included once written.
	var before map[string]int
	files := append(uploadsOf(t, g.app.Bus, ref), receipt.Object())
	deadline := time.Now().Add(10 * time.Second)
	for {
		before = holdings(t, g.app.Bus, ref, files)
		if before["documents"] == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, store := range []string{"SUBMISSIONS", "EVENTS", bus.BucketStatus, bus.BucketInbox, bus.BucketSeen, "idempotency"} {
		if before[store] == 0 {
			t.Errorf("nothing of %s in %s before the erasure: %v", ref, store, before)
		}
	}
	if before["documents"] != 4 {
		t.Errorf("documents before the erasure: %d, want the record, the attachment, the message's file and the decision letter",
			before["documents"])
	}

	// Right of access, whatever the case of the address.
	var report struct {
		Submissions []struct {
			Reference string            `json:"reference"`
			Data      map[string]any    `json:"data"`
			Events    []json.RawMessage `json:"events"`
			Documents []string          `json:"documents"`
			Record    map[string]any    `json:"record"`
		} `json:"submissions"`
		Drafts []json.RawMessage `json:"drafts"`
	}
	raw := g.Must(200, "POST", "/api/privacy/access", adminToken, `{"email":"`+strings.ToUpper(ines)+`"}`).Body
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Submissions) != 1 || report.Submissions[0].Reference != ref || len(report.Drafts) != 1 {
		t.Fatalf("access report: %s", raw)
	}
	got := report.Submissions[0]
	if got.Data["nom"] != "Inès Muller" || len(got.Documents) != 4 || got.Record["status"] != "accepted" ||
		!strings.Contains(string(raw), "Appelée le 3 décembre") || !strings.Contains(string(raw), "Votre dossier est complet.") ||
		!strings.Contains(string(raw), "Voici la quittance.") {
		t.Errorf("access report lacks what is held: %s", raw)
	}
	g.Must(401, "POST", "/api/privacy/access", "", `{"email":"`+ines+`"}`)

	// Right of erasure.
	erased := g.must(200, "POST", "/api/privacy/erasure", adminToken, `{"email":"`+ines+`","reason":"Demande reçue par courrier le 2 `+
		`décembre 2026"}`)
	if refs, _ := erased["submissions"].([]any); len(refs) != 1 || refs[0] != ref || erased["drafts"] != 1.0 {
		t.Fatalf("erasure answered %v", erased)
	}
	if after := holdings(t, g.app.Bus, ref, files); len(after) > 0 {
		for store, n := range after {
			if n > 0 {
				t.Errorf("%s still holds %d of %s after the erasure", store, n, ref)
			}
		}
	}
	k := holdings(t, g.app.Bus, kept, uploadsOf(t, g.app.Bus, kept))
	if k["SUBMISSIONS"] != 1 || k[bus.BucketInbox] != 1 || k["documents"] != 2 {
		t.Errorf("another person's submission was touched: %v", k)
	}
	g.Must(404, "GET", "/api/submissions/"+ref+"?token="+url.QueryEscape(first["token"].(string)), "", "")
	if refs := g.inbox("transports"); strings.Contains(strings.Join(refs, " "), ref) {
		t.Errorf("the inbox still lists %s", ref)
	}
	after := g.must(200, "POST", "/api/privacy/access", adminToken, `{"email":"`+ines+`"}`)
	if len(after["submissions"].([]any)) != 0 || len(after["drafts"].([]any)) != 0 {
		t.Errorf("still held after the erasure: %v", after)
	}

	// The audit record names the submission and the reason, not the person.
	audit := auditRecords(t, g.app.Bus, "submission.erased")
	if len(audit) != 1 || !strings.Contains(audit[0], ref) || !strings.Contains(audit[0], "Demande reçue par courrier") ||
		!strings.Contains(audit[0], `"by":"`) || strings.Contains(audit[0], ines) || strings.Contains(audit[0], "Muller") {
		t.Errorf("audit records: %v", audit)
	}
}

// auditRecords are the AUDIT stream's records of a kind.
func auditRecords(t *testing.T, b *bus.Bus, kind string) []string {
	t.Helper()
	ctx := context.Background()
	s, err := b.JS.Stream(ctx, bus.StreamAudit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := bus.Scan(ctx, s, "audit."+kind+".>", func(msg jetstream.Msg) { out = append(out, string(msg.Data())) }); err != nil {
		t.Fatal(err)
	}
	return out
}

// Submissions older than their form's retention period, and drafts past
// their lifetime, are purged from every store; others are kept.
func TestRetentionPurge(t *testing.T) {
	g := start(t, t.TempDir(), true)
	g.must(200, "PUT", "/api/forms/aide-scolarite/draft", adminToken, schoolForm)
	g.must(200, "POST", "/api/forms/aide-scolarite/publish", adminToken, "")
	old := g.must(201, "POST", "/api/forms/aide-scolarite/submissions", "", schoolSubmission("Inès Muller", ines))
	// The demo's association grants have no retention period.
	kept := g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	g.waitProcessed(old["reference"].(string), old["token"].(string))
	g.waitProcessed(kept["reference"].(string), kept["token"].(string))
	oldUploads := uploadsOf(t, g.app.Bus, old["reference"].(string))
	if len(oldUploads) != 1 {
		t.Fatalf("files of the submission to expire: %v", oldUploads)
	}
	ctx := context.Background()
	drafts, err := submit.NewDrafts(ctx, g.app.Bus, nil)
	if err != nil {
		t.Fatal(err)
	}
	token, err := drafts.Save(ctx, "", submit.Draft{Form: "aide-scolarite", Data: json.RawMessage(`{"nom":"Brouillon"}`)}, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	purge := g.app.Services.Privacy

	// Within the period, nothing goes.
	if purged, err := purge.PurgeExpired(ctx, time.Now().AddDate(0, 0, 6)); err != nil || purged.Submissions+purged.Drafts != 0 {
		t.Fatalf("six days later: %+v, %v", purged, err)
	}
	purged, err := purge.PurgeExpired(ctx, time.Now().AddDate(0, 0, 31))
	if err != nil || purged.Submissions != 1 || purged.Drafts != 1 {
		t.Fatalf("31 days later: %+v, %v", purged, err)
	}
	for store, n := range holdings(t, g.app.Bus, old["reference"].(string), oldUploads) {
		if n > 0 {
			t.Errorf("%s still holds %d of the expired submission", store, n)
		}
	}
	h := holdings(t, g.app.Bus, kept["reference"].(string), uploadsOf(t, g.app.Bus, kept["reference"].(string)))
	if h["SUBMISSIONS"] != 1 || h[bus.BucketInbox] != 1 || h["documents"] != 1 {
		t.Errorf("a submission without retention was touched: %v", h)
	}
	if _, err := drafts.Get(ctx, token); err != submit.ErrNoDraft {
		t.Errorf("the expired draft: %v", err)
	}
	audit := auditRecords(t, g.app.Bus, "submission.erased")
	if len(audit) != 1 || !strings.Contains(audit[0], old["reference"].(string)) || !strings.Contains(audit[0], `"by":"retention"`) ||
		!strings.Contains(audit[0], "30 jours") {
		t.Errorf("audit: %v", audit)
	}
	if len(auditRecords(t, g.app.Bus, "drafts.erased")) != 1 {
		t.Error("no audit record of the drafts purged")
	}
	// A second run finds nothing more.
	if purged, err := purge.PurgeExpired(ctx, time.Now().AddDate(0, 0, 31)); err != nil || purged.Submissions+purged.Drafts != 0 {
		t.Errorf("second run: %+v, %v", purged, err)
	}
}
