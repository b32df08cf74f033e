package processors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/submit"
)

// Receipt signs the acknowledgement of receipt of each submission, in the
// order SUBMISSIONS holds them, each naming the previous receipt of its
// form. Its time is JetStream's for the message, its sequence the
// message's. A redelivered submission keeps its first receipt.
type Receipt struct {
	Signer *receipts.Signer
	// Receipts holds the receipts by reference, Chains each form's last.
	Receipts, Chains jetstream.KeyValue
}

// Consumer is the receipt processor's durable consumer on SUBMISSIONS,
// one message at a time so that each form's receipts chain in order.
func (p *Receipt) Consumer() Consumer {
	return Consumer{Stream: bus.StreamSubmissions, Durable: bus.ConsumerReceipt, FilterSubjects: []string{bus.SubmissionSubjects},
		Handler: p.Handle, Ordered: true}
}

// ChainHead is a form's last receipt: what its next receipt names.
type ChainHead struct {
	Hash     string `json:"hash"`
	Sequence uint64 `json:"sequence"`
}

// Handle signs and stores the receipt of one submission.
func (p *Receipt) Handle(ctx context.Context, msg jetstream.Msg) error {
	md, err := msg.Metadata()
	if err != nil {
		return Permanent(err)
	}
	var sub submit.Submission
	if err := json.Unmarshal(msg.Data(), &sub); err != nil || sub.Reference == "" {
		return Permanent(fmt.Errorf("not a submission: %v", err))
	}
	head, revision, err := bus.GetJSON[ChainHead](ctx, p.Chains, sub.Form, errNoChain)
	if err != nil && !errors.Is(err, errNoChain) {
		return err
	}
	existing, _, err := bus.GetJSON[receipts.Receipt](ctx, p.Receipts, sub.Reference, errNoReceipt)
	switch {
	case err == nil:
		// Stored before a crash: the chain must still name it.
		return p.advance(ctx, sub.Form, head, revision, existing)
	case !errors.Is(err, errNoReceipt):
		return err
	}
	if head.Sequence >= md.Sequence.Stream {
		return Permanent(fmt.Errorf("submission %s at %d comes before the last receipt of %s, at %d", sub.Reference, md.Sequence.Stream, sub.Form, head.Sequence))
	}
	r := receipts.Receipt{
		Reference: sub.Reference, Form: sub.Form, FormVersion: sub.FormVersion,
		AcceptedAt: md.Timestamp.UTC(), Sequence: md.Sequence.Stream,
		DataSHA256: sub.DataSHA256, Attachments: []string{}, Previous: head.Hash,
	}
	for _, a := range sub.Attachments {
		r.Attachments = append(r.Attachments, a.SHA256)
	}
	signed, err := receipts.Sign(r, p.Signer.Key())
	if err != nil {
		return Permanent(err)
	}
	raw, err := json.Marshal(signed)
	if err != nil {
		return Permanent(err)
	}
	if _, err := p.Receipts.Create(ctx, sub.Reference, raw); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return err
	}
	return p.advance(ctx, sub.Form, head, revision, signed)
}

// advance makes r the last receipt of form, unless the chain is past it.
func (p *Receipt) advance(ctx context.Context, form string, head ChainHead, revision uint64, r receipts.Receipt) error {
	if head.Sequence >= r.Sequence {
		return nil
	}
	hash, err := r.Hash()
	if err != nil {
		return Permanent(err)
	}
	raw, err := json.Marshal(ChainHead{Hash: hash, Sequence: r.Sequence})
	if err != nil {
		return err
	}
	if revision == 0 {
		_, err = p.Chains.Create(ctx, form, raw)
	} else {
		_, err = p.Chains.Update(ctx, form, raw, revision)
	}
	return err
}

var (
	errNoChain   = errors.New("processors: no receipt yet for this form")
	errNoReceipt = errors.New("processors: no receipt yet for this submission")
)
