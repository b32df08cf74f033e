// Package testkit assembles the real services on an embedded NATS server
// for tests: departments, the form registry, the status tracker and intake.
//
// A tool (internal/test/layering).
package testkit

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Kit is a set of services on one embedded NATS server.
type Kit struct {
	Bus         *bus.Bus
	Departments *identity.Departments
	Forms       *schemas.Registry
	Tracker     *submit.Tracker
	Intake      *submit.Intake
}

// New starts an embedded NATS server in a temporary directory and opens
// the services on it, with the given departments.
func New(t testing.TB, departments ...string) *Kit {
	t.Helper()
	ctx := context.Background()
	k := &Kit{Bus: bus.StartTest(t)}
	var err error
	if k.Departments, err = identity.NewDepartments(ctx, k.Bus); err != nil {
		t.Fatal(err)
	}
	for _, id := range departments {
		if err := k.Departments.Put(ctx, identity.Department{ID: id, Name: "Service " + id}); err != nil {
			t.Fatal(err)
		}
	}
	if k.Forms, err = schemas.NewRegistry(ctx, k.Bus, k.Departments); err != nil {
		t.Fatal(err)
	}
	if k.Tracker, err = submit.NewTracker(ctx, k.Bus); err != nil {
		t.Fatal(err)
	}
	if k.Intake, err = submit.NewIntake(ctx, k.Bus, k.Forms, k.Tracker, submit.IntakeConfig{}); err != nil {
		t.Fatal(err)
	}
	return k
}

// Publish saves a form as a draft and publishes it.
func (k *Kit) Publish(t testing.TB, f schemas.Form) *schemas.Compiled {
	t.Helper()
	ctx := context.Background()
	if err := k.Forms.SaveDraft(ctx, f); err != nil {
		t.Fatal(err)
	}
	c, err := k.Forms.Publish(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Submit submits data to a form and fails the test if it is refused.
func (k *Kit) Submit(t testing.TB, formID, data string) submit.Acceptance {
	t.Helper()
	r, err := k.Intake.Submit(context.Background(), submit.Request{FormID: formID, Data: json.RawMessage(data)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Stored reads a submission as SUBMISSIONS holds it, as the processors
// get it.
func (k *Kit) Stored(t testing.TB, reference string) submit.Stored {
	t.Helper()
	seq, _ := submit.SequenceOf(reference)
	s, err := submit.Load(context.Background(), k.submissions(t), reference, seq)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// submissions is the SUBMISSIONS stream.
func (k *Kit) submissions(t testing.TB) jetstream.Stream {
	t.Helper()
	stream, err := k.Bus.JS.Stream(context.Background(), bus.StreamSubmissions)
	if err != nil {
		t.Fatal(err)
	}
	return stream
}

// StoredSubmissions returns every submission of the SUBMISSIONS stream,
// every version, with its reference.
func (k *Kit) StoredSubmissions(t testing.TB) []submit.Submission {
	t.Helper()
	ctx := context.Background()
	stream := k.submissions(t)
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var subs []submit.Submission
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(msg.Subject, "submissions.") {
			continue // an idempotency mark
		}
		s, err := submit.Unmarshal(seq, msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s.Submission)
	}
	return subs
}

// SubjectCount counts the messages of a stream on one subject.
func (k *Kit) SubjectCount(t testing.TB, streamName, subject string) uint64 {
	t.Helper()
	ctx := context.Background()
	stream, err := k.Bus.JS.Stream(ctx, streamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Subjects[subject]
}

// StageCounts counts, by stage, the events of a submission's stages
// subject.
func (k *Kit) StageCounts(t testing.TB, reference string) map[submit.Status]int {
	t.Helper()
	return StageCounts(t, k.Bus.JS, reference)
}

// StageCounts counts, by stage, the events of a submission's stages
// subject.
func StageCounts(t testing.TB, js jetstream.JetStream, reference string) map[submit.Status]int {
	t.Helper()
	ctx := context.Background()
	events, err := js.Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[submit.Status]int{}
	if err := bus.Scan(ctx, events, bus.StagesSubject(reference), func(msg jetstream.Msg) { counts[submit.StageOf(msg)]++ }); err != nil {
		t.Fatal(err)
	}
	return counts
}
