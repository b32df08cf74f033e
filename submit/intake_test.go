package submit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

func newKit(t *testing.T) *testkit.Kit {
	t.Helper()
	k := testkit.New(t, "accueil")
	publish(t, k, "contact", schemas.Public, nil)
	return k
}

func publish(t *testing.T, k *testkit.Kit, id string, audience schemas.Audience, closesAt *time.Time) {
	t.Helper()
	k.Publish(t, schemas.Form{
		ID: id, Title: "Contact", Audience: audience, ClosesAt: closesAt,
		Schema: json.RawMessage(`{"type":"object","required":["nom"],"properties":{"nom":{"type":"string","minLength":1},` +
			`"age":{"type":"integer"}}}`),
		Routing: schemas.Routing{Default: "accueil"},
	})
}

func TestSubmitPublishesCanonicalData(t *testing.T) {
	k := newKit(t)
	ctx := context.Background()
	receipt, err := k.Intake.Submit(ctx, submit.Request{
		FormID: "contact",
		Data:   json.RawMessage(`{ "nom" : "Şükrü Yılmaz-Lefèvre", "age": 40 }`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if receipt.FormVersion != 1 || receipt.Status != submit.Received || receipt.Token == "" {
		t.Errorf("receipt = %+v", receipt)
	}
	subs := k.StoredSubmissions(t)
	if len(subs) != 1 {
		t.Fatalf("%d messages in the stream, want 1", len(subs))
	}
	s := subs[0]
	if s.Reference != receipt.Reference || s.Form != "contact" || !submit.TokenMatches(receipt.Token, s.TokenHash) {
		t.Errorf("envelope = %+v", s)
	}
	if want := `{"age":40,"nom":"Şükrü Yılmaz-Lefèvre"}`; string(s.Data) != want {
		t.Errorf("data = %s, want the RFC 8785 form %s", s.Data, want)
	}
	sum := sha256.Sum256(s.Data)
	if s.DataSHA256 != hex.EncodeToString(sum[:]) {
		t.Error("dataSha256 is not the hash of the data")
	}
	rec, err := k.Tracker.Get(ctx, receipt.Reference)
	if err != nil || rec.Status != submit.Received {
		t.Errorf("state = %+v, %v", rec, err)
	}
}

func TestSubmitRefusesWithoutPublishing(t *testing.T) {
	k := newKit(t)
	closed := time.Now().Add(-time.Hour)
	publish(t, k, "ferme", schemas.Public, &closed)
	publish(t, k, "interne", schemas.Internal, nil)
	ctx := context.Background()
	cases := []struct {
		name string
		req  submit.Request
		want func(error) bool
	}{
		{
			"unknown form",
			submit.Request{FormID: "inconnu", Data: json.RawMessage(`{"nom":"x"}`)},
			func(err error) bool { return errors.Is(err, schemas.ErrNotFound) },
		},
		{"invalid data", submit.Request{FormID: "contact", Data: json.RawMessage(`{"age":"x"}`)}, func(err error) bool {
			var ve *schemas.ValidationError
			return errors.As(err, &ve) && len(ve.Fields) == 2
		}},
		{
			"closed form",
			submit.Request{FormID: "ferme", Data: json.RawMessage(`{"nom":"x"}`)},
			func(err error) bool { return errors.Is(err, submit.ErrFormClosed) },
		},
		{
			"internal form, anonymous",
			submit.Request{FormID: "interne", Data: json.RawMessage(`{"nom":"x"}`)},
			func(err error) bool { return errors.Is(err, submit.ErrSignInRequired) },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := k.Intake.Submit(ctx, c.req); !c.want(err) {
				t.Errorf("err = %v", err)
			}
		})
	}
	if n := len(k.StoredSubmissions(t)); n != 0 {
		t.Errorf("%d refused submissions were published", n)
	}
	agent := identity.Principal{AccountID: "m-weber", Role: identity.RoleAgent}
	r, err := k.Intake.Submit(ctx, submit.Request{FormID: "interne", Data: json.RawMessage(`{"nom":"x"}`), Principal: agent})
	if err != nil {
		t.Fatal(err)
	}
	if rec, _ := k.Tracker.Get(ctx, r.Reference); rec.AccountID != "m-weber" {
		t.Errorf("internal submission not attributed to its agent: %+v", rec)
	}
}

func TestIdempotencyKeyGivesOneSubmission(t *testing.T) {
	k := newKit(t)
	ctx := context.Background()
	req := submit.Request{FormID: "contact", Data: json.RawMessage(`{"nom":"Dupont"}`), IdempotencyKey: "cle-1"}
	first, err := k.Intake.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// The same data in another layout is the same submission.
	req.Data = json.RawMessage(`{ "nom":"Dupont" }`)
	second, err := k.Intake.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Errorf("retry gave %+v, first gave %+v", second, first)
	}
	req.Data = json.RawMessage(`{"nom":"Martin"}`)
	if _, err := k.Intake.Submit(ctx, req); !errors.Is(err, submit.ErrIdempotencyConflict) {
		t.Errorf("same key, other data: %v", err)
	}

	// Requests racing with one key all get the same receipt.
	race := submit.Request{FormID: "contact", Data: json.RawMessage(`{"nom":"Weber"}`), IdempotencyKey: "cle-2"}
	receipts := make([]submit.Acceptance, 16)
	var wg sync.WaitGroup
	for i := range receipts {
		wg.Go(func() {
			r, err := k.Intake.Submit(ctx, race)
			if err != nil {
				t.Error(err)
			}
			receipts[i] = r
		})
	}
	wg.Wait()
	for _, r := range receipts[1:] {
		if r != receipts[0] {
			t.Fatalf("racing requests got different receipts: %+v and %+v", r, receipts[0])
		}
	}
	if n := len(k.StoredSubmissions(t)); n != 2 {
		t.Errorf("%d submissions stored, want 2", n)
	}
}

// A form with a maximum number of submissions closes once it has them.
func TestMaxSubmissionsClosesTheForm(t *testing.T) {
	k := testkit.New(t, "accueil")
	k.Publish(t, schemas.Form{
		ID: "places", Title: "Places limitées", Audience: schemas.Public, MaxSubmissions: 2,
		Schema:  json.RawMessage(`{"type":"object","properties":{"nom":{"type":"string"}}}`),
		Routing: schemas.Routing{Default: "accueil"},
	})
	k.Submit(t, "places", `{"nom":"A"}`)
	k.Submit(t, "places", `{"nom":"B"}`)
	if _, err := k.Intake.Submit(context.Background(), submit.Request{
		FormID: "places",
		Data:   json.RawMessage(`{"nom":"C"}`),
	}); !errors.Is(err, submit.ErrFormClosed) {
		t.Errorf("third submission to a form of two places: %v", err)
	}
}

func TestOutcome(t *testing.T) {
	for err, want := range map[error]string{
		nil:                        "accepted",
		&schemas.ValidationError{}: "invalid",
		fmt.Errorf("form x: %w", schemas.ErrNotFound):    "unknown_form",
		submit.ErrRateLimited:                            "rate_limited",
		submit.ErrFormClosed:                             "refused",
		submit.ErrSignInRequired:                         "refused",
		submit.ErrIdempotencyConflict:                    "refused",
		fmt.Errorf("%w: timeout", submit.ErrUnavailable): "unavailable",
		errors.New("anything else"):                      "unavailable",
	} {
		if got := submit.Outcome(err); got != want {
			t.Errorf("Outcome(%v) = %q, want %q", err, got, want)
		}
	}
}
