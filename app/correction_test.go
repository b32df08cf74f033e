package app_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/privacy"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/submit"
)

// waitVersion polls a submission, as the admin, until its version n has
// its PDF record, and returns the submission.
func (o *organisation) waitVersion(ref string, n int) map[string]any {
	o.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		sub := o.must(200, "GET", "/api/submissions/"+ref, adminToken, "")
		if versions, _ := sub["versions"].([]any); len(versions) >= n && versions[n-1].(map[string]any)["documented"] == true {
			return sub
		}
		if time.Now().After(deadline) {
			o.t.Fatalf("version %d of %s never documented: %v", n, ref, sub["versions"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A travel claim of 5,000 € needs the finance step; sent back and resent
// at 100 €, it needs the manager only. What is then approved is what is
// on record: the corrected claim is a second version on SUBMISSIONS, with
// its own receipt chained to the first and its own PDF record, and the
// dossier, the export and the PDF show it, while the first stays in the
// history.
func TestCorrectionIsANewVersionOnRecord(t *testing.T) {
	for _, through := range []string{"api", "pages"} {
		t.Run(through, func(t *testing.T) {
			o := startOrganisation(t, t.TempDir())
			o.Must(200, "PUT", "/api/forms/frais/draft", adminToken, expenseWorkflow)
			o.Must(200, "POST", "/api/forms/frais/publish", adminToken, "")
			ref := o.must(201, "POST", "/api/forms/frais/submissions", o.tokens["m-weber"], `{"data":{"total":5000}}`)["reference"].(string)
			if steps := o.approval("m-weber", ref, 1, 0, "pending")["steps"].([]any); len(steps) != 2 {
				t.Fatalf("the claim's steps: %v", steps)
			}
			o.decide(202, "j-muller", ref, 1, 0, "return", "Le montant est-il juste ?")
			o.approval("m-weber", ref, 1, 0, "returned")
			switch through {
			case "api":
				o.Must(202, "POST", "/api/approvals/"+ref, o.tokens["m-weber"], `{"round":1,"verdict":"resend","data":{"total":100}}`)
				o.Must(
					202,
					"POST",
					"/api/approvals/"+ref,
					o.tokens["m-weber"],
					`{"round":1,"verdict":"resend","data":{"total":100}}`,
				) // twice
			case "pages":
				requester := o.signIn("m-weber")
				if page := requester.get("/approbations/" + ref + "/corriger"); !strings.Contains(page, "5\u00a0000") {
					t.Fatalf("the correction page lost the answer")
				}
				if page := requester.post(200, "/approbations/"+ref+"/corriger", url.Values{"total": {"100"}}); !strings.Contains(
					page,
					"renvoyée",
				) {
					t.Fatalf("the correction was not sent again")
				}
			}
			if steps := o.approval("m-weber", ref, 2, 0, "pending")["steps"].([]any); len(steps) != 1 {
				t.Fatalf("the corrected claim's steps: %v", steps)
			}
			o.decide(202, "j-muller", ref, 2, 0, "approve", "")
			o.waitStatus(ref, "accepted")

			sub := o.waitVersion(ref, 2)
			if sub["revision"] != 2.0 || len(sub["versions"].([]any)) != 2 {
				t.Fatalf("the submission's versions: %v", sub)
			}
			if n := o.subjectMessages("SUBMISSIONS", "submissions.frais.revision"); n != 1 {
				t.Errorf("%d corrected versions on SUBMISSIONS, want 1", n)
			}
			dossier := o.must(200, "GET", "/api/dossiers/"+ref, adminToken, "")
			if answers := dossier["answers"].([]any); len(answers) != 1 || answers[0].(map[string]any)["value"] != "100" {
				t.Errorf("the dossier's answers: %v", answers)
			}
			csv := string(o.Must(200, "GET", "/api/forms/frais/submissions/export?format=csv", adminToken, "").Body)
			if !strings.Contains(csv, "100") || strings.Contains(csv, "5\u00a0000") {
				t.Errorf("the export shows another version than the one decided:\n%s", csv)
			}
			current := strings.Join(
				strings.Fields(pdftest.Text(t, o.Must(200, "GET", "/api/submissions/"+ref+"/pdf", adminToken, "").Body)),
				" ",
			)
			if !strings.Contains(current, "100") || strings.Contains(current, "5 000") ||
				!strings.Contains(current, "Version de la demande") {
				t.Errorf("the current PDF record:\n%s", current)
			}
			first := strings.Join(
				strings.Fields(pdftest.Text(t, o.Must(200, "GET", "/api/submissions/"+ref+"/pdf?revision=1", adminToken, "").Body)),
				" ",
			)
			if !strings.Contains(first, "5 000") {
				t.Errorf("the first version's PDF record:\n%s", first)
			}
			o.Must(404, "GET", "/api/submissions/"+ref+"/pdf?revision=3", adminToken, "")

			r1 := o.must(200, "GET", "/api/submissions/"+ref+"/receipt?revision=1", adminToken, "")["receipt"].(map[string]any)
			r2 := o.must(200, "GET", "/api/submissions/"+ref+"/receipt", adminToken, "")["receipt"].(map[string]any)
			encoded := o.must(200, "GET", "/api/submissions/"+ref+"/receipt?revision=1", adminToken, "")["encoded"].(string)
			decoded, err := receipts.Decode(encoded)
			if err != nil {
				t.Fatal(err)
			}
			hash, _ := decoded.Hash()
			if r2["revision"] != 2.0 || r2["corrects"] != hash || r2["dataSha256"] == r1["dataSha256"] {
				t.Errorf("the corrected version's receipt %v does not chain to the first %v", r2, r1)
			}
			check, err := receipts.CheckForm(t.Context(), o.app.Bus, "frais")
			if err != nil || check.Break != nil || check.Receipts != 2 {
				t.Errorf("the form's chain: %+v, %v", check, err)
			}

			page := o.signIn("bootstrap-admin").get("/dossiers/" + ref)
			if !strings.Contains(page, `id="versions"`) || !strings.Contains(page, `id="pdf-1"`) ||
				!strings.Contains(page, "<dd>100</dd>") {
				t.Errorf("the dossier page does not show the version decided and the history of versions")
			}

			// Erasing the submission erases every version.
			submissions, err := o.app.Bus.JS.Stream(t.Context(), bus.StreamSubmissions)
			if err != nil {
				t.Fatal(err)
			}
			firstVersion, err := submit.Load(t.Context(), submissions, ref, uint64(r1["sequence"].(float64)))
			if err != nil {
				t.Fatal(err)
			}
			if err := o.app.Services.Privacy.Erase(t.Context(), firstVersion, privacy.Erasure{By: "bootstrap-admin", Why: "test"}); err != nil {
				t.Fatal(err)
			}
			for _, subject := range []string{"submissions.frais", "submissions.frais.revision"} {
				if n := o.subjectMessages("SUBMISSIONS", subject); n != 0 {
					t.Errorf("%d messages left on %s after the erasure", n, subject)
				}
			}
			documents, err := o.app.Bus.Documents(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, revision := range []int{1, 2} {
				if _, err := documents.GetInfo(t.Context(), bus.DocumentRecordName(ref, revision)); err == nil {
					t.Errorf("the PDF record of version %d outlives the erasure", revision)
				}
			}
		})
	}
}
