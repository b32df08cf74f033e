// Package migrate brings stored data up to the layout the code expects,
// once per data directory or cluster: each migration has a number, the
// meta bucket remembers the last one applied, and each is safe to run
// again if a crash interrupts it.
//
// Business layer (internal/test/layering); the wiring runs it at start,
// before the processors.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/submit"
)

// Migration changes stored data from one layout version to the next.
type Migration struct {
	Version     int
	Description string
	Run         func(ctx context.Context, b *bus.Bus, tracker *submit.Tracker) error
}

// Migrations are every layout change, in order.
var Migrations = []Migration{
	{Version: 1, Description: "states learn their submission's stream sequence", Run: backfillSequences},
	{
		Version:     2,
		Description: "stages side by side: routing on SUBMISSIONS, PDF records on the receipts, chain heads apart",
		Run:         stagesSideBySide,
	},
	{Version: 3, Description: "one write at intake: references from the stream, Idempotency-Key marks in SUBMISSIONS", Run: oneWriteAtIntake},
}

// versionKey is the meta-bucket key of the last migration applied.
const versionKey = "schema"

// Run applies the migrations the data has not had yet, in order,
// recording each once it is done, and returns the data's version.
func Run(ctx context.Context, b *bus.Bus, tracker *submit.Tracker, log *slog.Logger) (int, error) {
	meta, err := b.KV(ctx, bus.BucketMeta)
	if err != nil {
		return 0, err
	}
	current := 0
	entry, err := meta.Get(ctx, versionKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return 0, err
	default:
		if current, err = strconv.Atoi(string(entry.Value())); err != nil {
			return 0, fmt.Errorf("migrate: stored version %q: %w", entry.Value(), err)
		}
	}
	for _, m := range Migrations {
		if m.Version <= current {
			continue
		}
		if err := m.Run(ctx, b, tracker); err != nil {
			return current, fmt.Errorf("migrate: %d (%s): %w", m.Version, m.Description, err)
		}
		if _, err := meta.Put(ctx, versionKey, []byte(strconv.Itoa(m.Version))); err != nil {
			return current, err
		}
		current = m.Version
		if log != nil {
			log.Info("data migrated", "version", m.Version, "migration", m.Description)
		}
	}
	return current, nil
}

// backfillSequences gives the states made before they kept it
// the sequence of their submission in the SUBMISSIONS stream, which the
// dossier pages read the answers by.
func backfillSequences(ctx context.Context, b *bus.Bus, tracker *submit.Tracker) error {
	stream, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return err
	}
	var failure error
	err = bus.Scan(ctx, stream, bus.SubmissionSubjects, func(msg jetstream.Msg) {
		if failure != nil {
			return
		}
		meta, err := msg.Metadata()
		if err != nil {
			failure = err
			return
		}
		sub, err := submit.Unmarshal(meta.Sequence.Stream, msg.Data())
		if err != nil {
			return
		}
		_, err = tracker.Update(ctx, sub.Reference, func(rec *submit.State) error {
			if rec.Sequence != 0 {
				return errAlready
			}
			rec.Sequence = meta.Sequence.Stream
			return nil
		})
		if err != nil && !errors.Is(err, errAlready) && !errors.Is(err, submit.ErrUnknownSubmission) {
			failure = err
		}
	})
	return errors.Join(err, failure)
}

// errAlready means a record needs no change.
var errAlready = errors.New("migrate: already done")

// stagesSideBySide moves to the pipeline where each stage depends only on
// what it needs: routing reads SUBMISSIONS instead of waiting for the
// "documented" event, and the PDF processor reads the receipts instead of
// waiting for them. The consumers of before are removed; those of now are
// created by the processors at start, from the first message, and pass
// over what was done before without writing it again. The forms' chain
// heads move to keys that the PDF processor's filter leaves out.
func stagesSideBySide(ctx context.Context, b *bus.Bus, _ *submit.Tracker) error {
	for _, old := range []struct{ stream, durable string }{
		{bus.StreamEvents, bus.ConsumerRoute},
		{bus.StreamSubmissions, bus.ConsumerPDF},
	} {
		err := b.JS.DeleteConsumer(ctx, old.stream, old.durable)
		if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return fmt.Errorf("consumer %s on %s: %w", old.durable, old.stream, err)
		}
	}
	kv, err := b.KV(ctx, bus.BucketReceipts)
	if err != nil {
		return err
	}
	lister, err := kv.ListKeysFiltered(ctx, "chain.*")
	if err != nil {
		return err
	}
	var heads []string
	for key := range lister.Keys() {
		heads = append(heads, key)
	}
	for _, key := range heads {
		entry, err := kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		form := strings.TrimPrefix(key, "chain.")
		if _, err := kv.Create(ctx, bus.ChainKey(form), entry.Value()); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return err
		}
		if err := kv.Purge(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// idempotencyBucket is the bucket that held the Idempotency-Keys, with a
// copy of their submission, before layout 3.
const idempotencyBucket = "idempotency"

// oneWriteAtIntake moves to the intake that stores a submission in one
// write: a new submission's reference comes from its sequence, routing
// stores its state, and an Idempotency-Key is a mark stored with
// the submission. What was stored before keeps working as it is: records
// keep their references and files their names. The bucket of keys goes:
// a key of before, retried after the upgrade, files a new submission.
func oneWriteAtIntake(ctx context.Context, b *bus.Bus, _ *submit.Tracker) error {
	err := b.JS.DeleteKeyValue(ctx, idempotencyBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	return err
}
