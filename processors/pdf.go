package processors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Versions finds the form version a submission was made against.
type Versions interface {
	Version(ctx context.Context, id string, n int) (*schemas.Compiled, error)
}

// PDF renders the record of each submission and stores it in the documents
// object store, then moves the submission to Documented.
type PDF struct {
	Organisation string
	Forms        Versions
	Tracker      *submit.Tracker
	Documents    jetstream.ObjectStore
	// Receipts, when set, gives each record its signed receipt, and
	// SiteURL the address of the page that checks it.
	Receipts ReceiptWaiter
	SiteURL  string
}

// ReceiptWaiter waits for a submission's receipt to be signed.
type ReceiptWaiter interface {
	Wait(ctx context.Context, reference string, revision int) (receipts.Receipt, error)
}

// receiptWait bounds the wait for a receipt: the receipt processor signs
// in order, and may have a backlog; past it, the record is tried again.
const receiptWait = 30 * time.Second

// Consumer is the PDF processor's durable consumer on SUBMISSIONS. Each
// message is another submission, so many are handled at once: most of the
// time goes to waiting for storage, and rendering takes turns on the cores
// (see renderSlots).
func (p *PDF) Consumer() Consumer {
	return Consumer{Stream: bus.StreamSubmissions, Durable: bus.ConsumerPDF, FilterSubjects: []string{bus.SubmissionSubjects}, Handler: p.Handle,
		Workers: ioWorkers}
}

// renderSlots lets one PDF be rendered per core at a time, which bounds the
// memory that renderings in progress hold.
var renderSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// render renders doc's record while holding a render slot.
func render(ctx context.Context, buf *bytes.Buffer, doc RecordDocument) error {
	select {
	case renderSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-renderSlots }()
	return RenderRecord(buf, doc)
}

// Handle processes one submission message.
func (p *PDF) Handle(ctx context.Context, msg jetstream.Msg) error {
	sub, seq, err := decodeSubmission(msg)
	if err != nil {
		return err
	}
	if sub.Version() == 1 {
		err = p.Tracker.Receive(ctx, sub, seq)
	} else {
		_, err = p.Tracker.Revise(ctx, submit.Stored{Submission: sub, Sequence: seq}, false)
	}
	if err != nil {
		return err
	}
	name := bus.DocumentRecordName(sub.Reference, sub.Version())
	_, err = p.Documents.GetInfo(ctx, name)
	switch {
	case err == nil:
		// Stored by an earlier delivery: never a second PDF.
	case errors.Is(err, jetstream.ErrObjectNotFound):
		form, err := p.Forms.Version(ctx, sub.Form, sub.FormVersion)
		if errors.Is(err, schemas.ErrNotFound) {
			return Permanent(fmt.Errorf("submission %s: form %s version %d not found", sub.Reference, sub.Form, sub.FormVersion))
		}
		if err != nil {
			return err
		}
		doc := RecordDocument{
			Organisation: p.Organisation,
			FormTitle:    form.Title,
			FormVersion:  sub.FormVersion,
			Reference:    sub.Reference,
			Revision:     sub.Version(),
			SubmittedAt:  sub.SubmittedAt,
			Answers:      namedAttachments(form.Answers(sub.Data), sub.Attachments),
			DataSHA256:   sub.DataSHA256,
			Attachments:  sub.Attachments,
		}
		if p.Receipts != nil {
			if err := p.withReceipt(ctx, &doc); err != nil {
				return err
			}
		}
		var buf bytes.Buffer
		err = render(ctx, &buf, doc)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return Permanent(fmt.Errorf("submission %s: render PDF: %w", sub.Reference, err))
		}
		_, err = p.Documents.Put(ctx, jetstream.ObjectMeta{
			Name:        name,
			Description: "PDF record of " + sub.Reference,
			Headers:     map[string][]string{"Content-Type": {"application/pdf"}},
		}, &buf)
		if err != nil {
			return fmt.Errorf("store PDF: %w", err)
		}
	default:
		return err
	}
	if sub.Version() > 1 {
		// A correction's record: the dossier was documented and routed with its first version.
		_, err := p.Tracker.Revise(ctx, submit.Stored{Submission: sub, Sequence: seq}, true)
		return err
	}
	return p.Tracker.Advance(ctx, sub.Reference, submit.Documented, seq)
}

// withReceipt adds the submission's signed receipt to its record.
func (p *PDF) withReceipt(ctx context.Context, doc *RecordDocument) error {
	wait, cancel := context.WithTimeout(ctx, receiptWait)
	defer cancel()
	r, err := p.Receipts.Wait(wait, doc.Reference, doc.Revision)
	if err != nil {
		return fmt.Errorf("receipt of %s: %w", doc.Reference, err)
	}
	doc.Receipt, doc.SiteURL = &r, p.SiteURL
	return nil
}

func decodeSubmission(msg jetstream.Msg) (submit.Submission, uint64, error) {
	var sub submit.Submission
	md, err := msg.Metadata()
	if err != nil {
		return sub, 0, Permanent(err)
	}
	if err := json.Unmarshal(msg.Data(), &sub); err != nil || sub.Reference == "" {
		return sub, 0, Permanent(fmt.Errorf("malformed submission at sequence %d", md.Sequence.Stream))
	}
	return sub, md.Sequence.Stream, nil
}

var attachmentRef = regexp.MustCompile(`attachment:[0-9]+`)

// namedAttachments shows each attached file by its name where the data
// holds its reference.
func namedAttachments(answers []schemas.Answer, files []submit.Attachment) []schemas.Answer {
	for i, a := range answers {
		answers[i].Value = attachmentRef.ReplaceAllStringFunc(a.Value, func(ref string) string {
			if n, ok := submit.AttachmentIndex(ref); ok && n < len(files) {
				return files[n].Name
			}
			return ref
		})
	}
	return answers
}
