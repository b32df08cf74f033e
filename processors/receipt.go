package processors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/tracing"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/submit"
)

// Signing signs the acknowledgement of receipt of each submission, in the
// order SUBMISSIONS holds them, each naming the previous receipt of its
// form. Its time is JetStream's for the message, its sequence the
// message's.
//
// Signing must follow the stream's order, so one process signs at a time;
// to keep up, it takes the submissions in batches, signs each batch in
// order, and stores its receipts with the forms' new chain heads in one
// atomic batch: one disk sync for the whole batch, and never a receipt
// without its chain. A failed batch is taken again whole.
type Signing struct {
	Signer *receipts.Signer
	Bus    *bus.Bus
	Log    *slog.Logger
}

// receiptSigners is the priority group of the receipt consumer.
const receiptSigners = "signers"

// receiptBatch bounds a batch: the receipts and the chain heads it
// writes stay under JetStream's limit of 1,000 messages per atomic batch.
const receiptBatch = 400

// Consumer is the receipt consumer: on SUBMISSIONS, in batches, on one
// node at a time. It retries without limit, as storage comes back; only a
// message that holds no submission goes to the dead letters.
func (p *Signing) Consumer() Consumer {
	return Consumer{Stream: bus.StreamSubmissions, Durable: bus.ConsumerReceipt, FilterSubjects: []string{bus.SubmissionSubjects},
		Batch: p.Sign, BatchSize: receiptBatch, Pinned: receiptSigners, Patient: true}
}

// Sign signs a batch of submissions in order and stores their receipts,
// with the forms' chain heads, in one atomic batch: a BatchHandler.
func (p *Signing) Sign(ctx context.Context, msgs []jetstream.Msg) ([]error, error) {
	kv, err := p.Bus.KV(ctx, bus.BucketReceipts)
	if err != nil {
		return nil, err
	}
	heads := map[string]receipts.ChainHead{}
	revisions := map[string]uint64{}
	signedHashes := map[string]string{} // this batch's receipts, by key
	var writes []*nats.Msg
	outcomes := make([]error, len(msgs))
	for i, msg := range msgs {
		md, err := msg.Metadata()
		if err != nil {
			return nil, err
		}
		sub, err := submit.Unmarshal(md.Sequence.Stream, msg.Data())
		if err != nil {
			outcomes[i] = Permanent(err)
			continue
		}
		head, seen := heads[sub.Form]
		if !seen {
			var revision uint64
			head, revision, err = bus.GetJSON[receipts.ChainHead](ctx, kv, bus.ChainKey(sub.Form), errNoChain)
			if err != nil && !errors.Is(err, errNoChain) {
				return nil, err
			}
			revisions[sub.Form] = revision
		}
		key := bus.ReceiptKey(sub.Reference, sub.Revision)
		if head.Sequence >= md.Sequence.Stream {
			_, _, err := bus.GetJSON[receipts.Receipt](ctx, kv, key, errNoReceipt)
			if err == nil {
				// Signed by an earlier batch whose acknowledgement was lost.
				continue
			}
			if !errors.Is(err, errNoReceipt) {
				return nil, err
			}
			// Passed over when a node stopped in the middle of a batch: it
			// is signed now, after receipts of later submissions, which
			// guichet receipts verify reports.
			p.Log.Warn("receipts: signing a submission out of order", "reference", sub.Reference, "sequence", md.Sequence.Stream)
		}
		r := receipts.Receipt{
			Reference: sub.Reference, Form: sub.Form, FormVersion: sub.FormVersion,
			AcceptedAt: md.Timestamp.UTC(), Sequence: md.Sequence.Stream,
			DataSHA256: sub.DataSHA256, Attachments: []string{}, Previous: head.Hash,
		}
		if sub.Version() > 1 {
			corrected := bus.ReceiptKey(sub.Reference, sub.Version()-1)
			hash, signed := signedHashes[corrected]
			if !signed {
				before, _, err := bus.GetJSON[receipts.Receipt](ctx, kv, corrected, errNoReceipt)
				if errors.Is(err, errNoReceipt) {
					// The version it corrects is not signed yet: this one
					// comes again, to be signed after it.
					outcomes[i] = fmt.Errorf("%s: %w", sub.Reference, errCorrectedUnsigned)
					continue
				}
				if err != nil {
					return nil, err
				}
				if hash, err = before.Hash(); err != nil {
					return nil, err
				}
			}
			r.Revision, r.Corrects = sub.Version(), hash
		}
		for _, a := range sub.Attachments {
			r.Attachments = append(r.Attachments, a.SHA256)
		}
		signed, err := receipts.Sign(r, p.Signer.Key())
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(signed)
		if err != nil {
			return nil, err
		}
		hash, err := signed.Hash()
		if err != nil {
			return nil, err
		}
		write := kvWrite(bus.BucketReceipts, key, raw, 0)
		// The PDF processor, which the receipt sets off, carries on the
		// submission's request and trace.
		tracing.Inject(tracing.Extract(ctx, msg.Headers()), write.Header)
		writes = append(writes, write)
		signedHashes[key] = hash
		heads[sub.Form] = receipts.ChainHead{Hash: hash, Sequence: max(head.Sequence, md.Sequence.Stream)}
	}
	for form, head := range heads {
		raw, err := json.Marshal(head)
		if err != nil {
			return nil, err
		}
		// The head must not have moved since it was read: one signer at a time.
		writes = append(writes, kvWrite(bus.BucketReceipts, bus.ChainKey(form), raw, revisions[form]))
	}
	if len(writes) > len(heads) {
		if err := p.Bus.PublishBatch(ctx, writes); err != nil {
			return nil, fmt.Errorf("processors: store %d receipts: %w", len(writes)-len(heads), err)
		}
	}
	return outcomes, nil
}

// kvWrite is the message that sets key in bucket, provided the key's last
// revision is revision (0: the key has none).
func kvWrite(bucket, key string, value []byte, revision uint64) *nats.Msg {
	return &nats.Msg{Subject: bus.KeySubject(bucket, key), Data: value, Header: nats.Header{
		jetstream.ExpectedLastSubjSeqHeader: []string{strconv.FormatUint(revision, 10)},
	}}
}

var (
	errNoChain   = errors.New("processors: no receipt yet for this form")
	errNoReceipt = errors.New("processors: no receipt yet for this submission")
	// errCorrectedUnsigned means a correction came before the receipt of
	// the version it corrects: it is signed at a retry, after it.
	errCorrectedUnsigned = errors.New("processors: the corrected version has no receipt yet")
)
