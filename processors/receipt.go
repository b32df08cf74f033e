package processors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/tracing"
)

// Receipt signs the acknowledgement of receipt of each submission, in the
// order SUBMISSIONS holds them, each naming the previous receipt of its
// form. Its time is JetStream's for the message, its sequence the
// message's.
//
// Signing must follow the stream's order, so one process signs at a time;
// to keep up, it takes the submissions in batches, signs each batch in
// order, and stores its receipts with the forms' new chain heads in one
// atomic batch: one disk sync for the whole batch, and never a receipt
// without its chain. A failed batch is taken again whole.
type Receipt struct {
	Signer *receipts.Signer
	Bus    *bus.Bus
	Log    *slog.Logger
}

// ChainHead is a form's last receipt: what its next receipt names.
type ChainHead struct {
	Hash     string `json:"hash"`
	Sequence uint64 `json:"sequence"`
}

// receiptSigners is the priority group of the receipt consumer.
const receiptSigners = "signers"

// receiptBatch bounds a batch: the receipts and the chain heads it
// writes stay under JetStream's limit of 1,000 messages per atomic batch.
const receiptBatch = 400

// Start creates the receipt consumer and signs until the returned
// function is called; it returns once the batch in hand is stored.
func (p *Receipt) Start(ctx context.Context) (stop func(), err error) {
	cons, err := p.Bus.JS.CreateOrUpdateConsumer(ctx, bus.StreamSubmissions, jetstream.ConsumerConfig{
		Durable:        bus.ConsumerReceipt,
		FilterSubjects: []string{bus.SubmissionSubjects},
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        time.Minute,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		MaxAckPending:  receiptBatch,
		// One processor node signs at a time, the one the server pinned;
		// another takes over when it stops asking.
		PriorityPolicy: jetstream.PriorityPolicyPinned,
		PriorityGroups: []string{receiptSigners},
		PinnedTTL:      10 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("processors: consumer %s: %w", bus.ConsumerReceipt, err)
	}
	kv, err := p.Bus.KV(ctx, bus.BucketReceipts)
	if err != nil {
		return nil, err
	}
	loop, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for loop.Err() == nil {
			msgs, err := fetchBatch(cons)
			if err != nil {
				p.pause(loop, "fetch", err)
				continue
			}
			if len(msgs) == 0 {
				continue
			}
			if err := p.sign(context.WithoutCancel(loop), kv, msgs); err != nil {
				for _, msg := range msgs {
					_ = msg.NakWithDelay(time.Second)
				}
				p.pause(loop, "batch", err)
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}

// fetchBatch waits up to a second for a first submission, then takes
// those that wait behind it, up to a batch.
func fetchBatch(cons jetstream.Consumer) ([]jetstream.Msg, error) {
	first, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second), jetstream.FetchPriorityGroup(receiptSigners))
	if err != nil {
		return nil, err
	}
	var msgs []jetstream.Msg
	for msg := range first.Messages() {
		msgs = append(msgs, msg)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	rest, err := cons.Fetch(receiptBatch-1, jetstream.FetchMaxWait(10*time.Millisecond), jetstream.FetchPriorityGroup(receiptSigners))
	if err != nil {
		return msgs, nil
	}
	for msg := range rest.Messages() {
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// pause logs a failure and waits a moment before the next try.
func (p *Receipt) pause(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	p.Log.Warn("receipts: "+what+" failed; will retry", "error", err)
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}

// sign signs a batch in order, stores it, and acknowledges it.
func (p *Receipt) sign(ctx context.Context, kv jetstream.KeyValue, msgs []jetstream.Msg) error {
	heads := map[string]ChainHead{}
	revisions := map[string]uint64{}
	signedHashes := map[string]string{} // this batch's receipts, by key
	var writes []*nats.Msg
	var done []jetstream.Msg
	for _, msg := range msgs {
		md, err := msg.Metadata()
		if err != nil {
			return err
		}
		sub, err := submit.Unmarshal(md.Sequence.Stream, msg.Data())
		if err != nil {
			p.Log.Error("receipts: not a submission", "sequence", md.Sequence.Stream)
			_ = msg.TermWithReason("not a submission")
			continue
		}
		head, seen := heads[sub.Form]
		if !seen {
			var revision uint64
			head, revision, err = bus.GetJSON[ChainHead](ctx, kv, bus.ChainKey(sub.Form), errNoChain)
			if err != nil && !errors.Is(err, errNoChain) {
				return err
			}
			revisions[sub.Form] = revision
		}
		key := bus.ReceiptKey(sub.Reference, sub.Revision)
		if head.Sequence >= md.Sequence.Stream {
			_, _, err := bus.GetJSON[receipts.Receipt](ctx, kv, key, errNoReceipt)
			if err == nil {
				// Signed by an earlier batch whose acknowledgement was lost.
				done = append(done, msg)
				continue
			}
			if !errors.Is(err, errNoReceipt) {
				return err
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
					p.Log.Warn("receipts: a correction waits for the receipt of the version it corrects", "reference", sub.Reference, "revision", sub.Version())
					_ = msg.NakWithDelay(time.Second)
					continue
				}
				if err != nil {
					return err
				}
				if hash, err = before.Hash(); err != nil {
					return err
				}
			}
			r.Revision, r.Corrects = sub.Version(), hash
		}
		for _, a := range sub.Attachments {
			r.Attachments = append(r.Attachments, a.SHA256)
		}
		signed, err := receipts.Sign(r, p.Signer.Key())
		if err != nil {
			return err
		}
		raw, err := json.Marshal(signed)
		if err != nil {
			return err
		}
		hash, err := signed.Hash()
		if err != nil {
			return err
		}
		write := kvWrite(bus.BucketReceipts, key, raw, 0)
		// The PDF processor, which the receipt sets off, carries on the
		// submission's request and trace.
		tracing.Inject(tracing.Extract(ctx, msg.Headers()), write.Header)
		writes = append(writes, write)
		signedHashes[key] = hash
		heads[sub.Form] = ChainHead{Hash: hash, Sequence: max(head.Sequence, md.Sequence.Stream)}
		done = append(done, msg)
	}
	for form, head := range heads {
		raw, err := json.Marshal(head)
		if err != nil {
			return err
		}
		// The head must not have moved since it was read: one signer at a time.
		writes = append(writes, kvWrite(bus.BucketReceipts, bus.ChainKey(form), raw, revisions[form]))
	}
	if len(writes) > len(heads) {
		if err := p.Bus.PublishBatch(ctx, writes); err != nil {
			return fmt.Errorf("store %d receipts: %w", len(writes)-len(heads), err)
		}
	}
	for _, msg := range done {
		_ = msg.Ack()
	}
	return nil
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
)
