// Package privacy carries out the organisation's duties under the GDPR on
// submissions: each form's retention period, the right of access (what is
// held about one email address) and the right of erasure.
//
// A submission's personal data is in several stores, all listed here:
// its message in SUBMISSIONS, its state, its inbox entry, its
// approval state, the agents' "seen" marks, its events in EVENTS (status
// changes, messages to the submitter, notes, decisions, audit trail), its
// documents (PDF record, decision letters, attachments), and the mark of
// its Idempotency-Key, which holds only hashes. Erasing a submission removes it from each, and
// leaves a record in the AUDIT stream that holds no personal data.
//
// Business layer (internal/test/layering).
package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

// Privacy erases, finds and purges submissions across every store.
type Privacy struct {
	submissions, events, documentChunks             jetstream.Stream
	status, inbox, seen, workflows, drafts, uploads jetstream.KeyValue
	documents                                       jetstream.ObjectStore
	forms                                           *schemas.Registry
	audit                                           *identity.Audit
}

// New opens the stores of b.
func New(ctx context.Context, b *bus.Bus, forms *schemas.Registry, audit *identity.Audit) (*Privacy, error) {
	p := &Privacy{forms: forms, audit: audit}
	var err error
	if p.submissions, err = b.JS.Stream(ctx, bus.StreamSubmissions); err != nil {
		return nil, err
	}
	if p.events, err = b.JS.Stream(ctx, bus.StreamEvents); err != nil {
		return nil, err
	}
	if p.documentChunks, err = b.JS.Stream(ctx, bus.DocumentsStream); err != nil {
		return nil, err
	}
	for bucket, kv := range map[string]*jetstream.KeyValue{
		bus.BucketStatus: &p.status, bus.BucketInbox: &p.inbox, bus.BucketSeen: &p.seen, bus.BucketWorkflows: &p.workflows,
		bus.BucketDrafts: &p.drafts, bus.BucketUploads: &p.uploads,
	} {
		if *kv, err = b.KV(ctx, bucket); err != nil {
			return nil, err
		}
	}
	if p.documents, err = b.Documents(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Erasure says why a submission is erased and by whom, for the audit
// record.
type Erasure struct {
	// By is the admin's account, or "retention" for the scheduled purge.
	By string
	// Why is the reason, in words: the retention period, a request.
	Why string
}

// Erase removes a submission from every store, then records the erasure
// in AUDIT. The messages of streams (the submission, its events, its
// documents) are overwritten before they are removed; the entries of
// buckets are purged with their history, and NATS reclaims their space on
// disk when it compacts its blocks. What is already gone is skipped, so an
// erasure interrupted halfway can be run again.
func (p *Privacy) Erase(ctx context.Context, s submit.Stored, e Erasure) error {
	ref := s.Reference
	rec, err := p.record(ctx, ref)
	if err != nil {
		return err
	}
	// Documents first: their names come from the state and the messages.
	// A file received on its own has a record too, which goes with it.
	files, err := p.messageFiles(ctx, ref)
	if err != nil {
		return err
	}
	for _, name := range append(documentNames(s, rec), files...) {
		if err := p.eraseDocument(ctx, name); err != nil {
			return fmt.Errorf("privacy: document %s: %w", name, err)
		}
		if id, uploaded := bus.UploadID(name); uploaded {
			if err := purgeKeys(ctx, p.uploads, uploads.RecordKeys(id), nil); err != nil {
				return fmt.Errorf("privacy: record of %s: %w", name, err)
			}
		}
	}
	if _, err := bus.SecureDelete(ctx, p.events, bus.EventsOf(ref), nil); err != nil {
		return fmt.Errorf("privacy: events of %s: %w", ref, err)
	}
	for _, keys := range []struct {
		kv     jetstream.KeyValue
		filter string
		match  func(jetstream.KeyValueEntry) bool
	}{
		{p.inbox, "*.*." + ref, nil},
		{p.seen, "*." + ref, nil},
		{p.workflows, ref, nil},
	} {
		if err := purgeKeys(ctx, keys.kv, keys.filter, keys.match); err != nil {
			return fmt.Errorf("privacy: keys %s of %s: %w", keys.filter, ref, err)
		}
	}
	if err := p.eraseIdempotencyMark(ctx, s); err != nil {
		return fmt.Errorf("privacy: idempotency mark of %s: %w", ref, err)
	}
	// Every version: the first, and the corrections the record lists.
	sequences := map[uint64]bool{s.Sequence: true}
	for _, v := range rec.Versions {
		sequences[v.Sequence] = true
	}
	for _, subject := range []string{bus.SubmissionSubject(s.Form), bus.RevisionSubject(s.Form)} {
		_, err = bus.SecureDelete(ctx, p.submissions, subject, func(msg jetstream.Msg) bool {
			meta, err := msg.Metadata()
			return err == nil && sequences[meta.Sequence.Stream]
		})
		if err != nil {
			return fmt.Errorf("privacy: messages of %s: %w", ref, err)
		}
	}
	// The state goes last: while it is there, the erasure can be
	// found and finished.
	if err := purgeKeys(ctx, p.status, ref, nil); err != nil {
		return fmt.Errorf("privacy: status of %s: %w", ref, err)
	}
	return p.audit.Record(ctx, identity.AuditEvent{
		Kind: "submission.erased", By: e.By,
		Detail: fmt.Sprintf("%s (%s v%d, déposé le %s) : %s", ref, s.Form, s.FormVersion, s.SubmittedAt.UTC().Format(time.DateOnly), e.Why),
	})
}

// keysOf lists the keys of a bucket that match filter.
func keysOf(ctx context.Context, kv jetstream.KeyValue, filter string) ([]string, error) {
	lister, err := kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, err
	}
	var keys []string
	for key := range lister.Keys() {
		keys = append(keys, key)
	}
	return keys, nil
}

// purgeKeys purges, with their history, the keys matching filter whose
// entry match accepts (nil accepts all).
func purgeKeys(ctx context.Context, kv jetstream.KeyValue, filter string, match func(jetstream.KeyValueEntry) bool) error {
	keys, err := keysOf(ctx, kv, filter)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if match != nil {
			entry, err := kv.Get(ctx, key)
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !match(entry) {
				continue
			}
		}
		if err := kv.Purge(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return err
		}
	}
	return nil
}

// eraseIdempotencyMark removes the mark of the Idempotency-Key that s
// was sent with, if any: the message right before it, in one batch with it.
func (p *Privacy) eraseIdempotencyMark(ctx context.Context, s submit.Stored) error {
	if s.Version() > 1 || s.Sequence < 2 {
		return nil
	}
	before, err := p.submissions.GetMsg(ctx, s.Sequence-1)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !strings.HasPrefix(before.Subject, bus.IdempotencySubject(s.Form, "")) {
		return nil
	}
	_, err = bus.SecureDelete(ctx, p.submissions, before.Subject, nil)
	return err
}

// eraseDocument overwrites a document's chunks, then deletes it.
func (p *Privacy) eraseDocument(ctx context.Context, name string) error {
	info, err := p.documents.GetInfo(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := bus.SecureDelete(ctx, p.documentChunks, bus.DocumentChunks(info.NUID), nil); err != nil {
		return err
	}
	return p.documents.Delete(ctx, name)
}

// record is a submission's state, or an empty one when it is
// already gone.
func (p *Privacy) record(ctx context.Context, ref string) (submit.State, error) {
	var rec submit.State
	entry, err := p.status.Get(ctx, ref)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return rec, nil
	}
	if err != nil {
		return rec, err
	}
	return rec, json.Unmarshal(entry.Value(), &rec)
}

// scan hands each stored submission of filter to visit, oldest first,
// until visit returns false.
func (p *Privacy) scan(ctx context.Context, filter string, visit func(submit.Stored) bool) error {
	var decodeErr error
	err := bus.ScanWhile(ctx, p.submissions, filter, func(msg jetstream.Msg) bool {
		s, err := submit.Decode(msg)
		var notStored *submit.NotStoredError
		switch {
		case errors.As(err, &notStored):
			return true // not a submission: nothing personal to find
		case err != nil:
			decodeErr = err
			return false
		}
		return visit(s)
	})
	return errors.Join(err, decodeErr)
}
