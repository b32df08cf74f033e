package processors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

// Versions finds the form version a submission was made against.
type Versions = submit.FormVersions

// PDF renders the record of each submission, with its signed receipt, and
// stores it in the documents object store; the first version's record
// then gets its "documented" event.
type PDF struct {
	Organisation string
	Forms        Versions
	Tracker      *submit.Tracker
	Bus          *bus.Bus
	Submissions  jetstream.Stream
	Documents    jetstream.ObjectStore
	// Uploads is told that the submission holds its files, which are then
	// kept with it, and gives their scan results.
	Uploads *uploads.Service
	// SiteURL is the address of the page that checks receipts.
	SiteURL string
}

// Consumer is the PDF processor's durable consumer on the receipts
// bucket: each receipt stored is the event that its submission's record
// can be made. Each receipt is another submission's, so many are handled
// at once: most of the time goes to waiting for storage, and rendering
// takes turns on the cores (see renderSlots).
func (p *PDF) Consumer() Consumer {
	return Consumer{
		Stream:         bus.BucketStream(bus.BucketReceipts),
		Durable:        bus.ConsumerPDF,
		FilterSubjects: bus.ReceiptSubjects,
		Handler:        p.Handle,
		Workers:        ioWorkers,
	}
}

// renderSlots lets one PDF be rendered per core at a time, which bounds the
// memory that renderings in progress hold.
var renderSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// recordBuffers holds the buffers records are rendered into, for the
// next records once stored: about 40 KB a record, a record a millisecond.
var recordBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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

// Handle makes the record of the submission whose receipt one message of
// the receipts bucket stores; the chain heads stored there are passed over.
func (p *PDF) Handle(ctx context.Context, msg jetstream.Msg) error {
	key := bus.ReceiptKeyOf(msg.Subject())
	if bus.IsChainKey(key) || msg.Headers().Get(kvOperation) != "" {
		return nil
	}
	var r receipts.Receipt
	if err := json.Unmarshal(msg.Data(), &r); err != nil || r.Reference == "" {
		return Permanent(fmt.Errorf("malformed receipt under %s", key))
	}
	stored, form, err := submit.LoadAnswered(ctx, p.Submissions, p.Forms, r.Reference, r.Sequence)
	if err != nil {
		return err
	}
	sub := stored.Submission
	scans, err := p.holdFiles(ctx, sub)
	if err != nil {
		return err
	}
	name := bus.DocumentRecordName(sub.Reference, sub.Version())
	info, err := p.Documents.GetInfo(ctx, name)
	var storedAt time.Time
	switch {
	case err == nil:
		// Stored by an earlier delivery: never a second PDF.
		storedAt = info.ModTime
	case errors.Is(err, jetstream.ErrObjectNotFound):
		// In the language the request was made in.
		form := form.In(string(sub.Lang))
		doc := RecordDocument{
			Organisation: p.Organisation,
			Lang:         sub.Lang.Own(),
			FormTitle:    form.Title,
			FormVersion:  sub.FormVersion,
			Reference:    sub.Reference,
			Revision:     sub.Version(),
			SubmittedAt:  sub.SubmittedAt,
			Answers:      submit.NameFiles(form.Answers(sub.Data), sub.Attachments),
			DataSHA256:   sub.DataSHA256,
			Attachments:  sub.Attachments,
			Scans:        scans,
			Receipt:      &r,
			SiteURL:      p.SiteURL,
		}
		buf := recordBuffers.Get().(*bytes.Buffer)
		buf.Reset()
		err = render(ctx, buf, doc)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return Permanent(fmt.Errorf("submission %s: render PDF: %w", sub.Reference, err))
		}
		err = p.Bus.StoreDocument(ctx, jetstream.ObjectMeta{
			Name:        name,
			Description: "PDF record of " + sub.Reference,
			Headers:     map[string][]string{"Content-Type": {"application/pdf"}},
		}, buf.Bytes())
		if err != nil {
			// Not reused: a write given up on may still be stored from it.
			return fmt.Errorf("store PDF: %w", err)
		}
		recordBuffers.Put(buf)
		storedAt = time.Now()
	default:
		return err
	}
	if sub.Version() > 1 {
		// A correction's record: the dossier was documented with its first version.
		return nil
	}
	return p.Tracker.Documented(ctx, stored, storedAt)
}

// holdFiles records that the submission holds its files, so that they
// are never deleted as orphans, and returns their scan results; a file of
// before the scans has none.
func (p *PDF) holdFiles(ctx context.Context, sub submit.Submission) ([]uploads.Scan, error) {
	scans := make([]uploads.Scan, 0, len(sub.Attachments))
	for _, a := range sub.Attachments {
		id, uploaded := bus.UploadID(a.Object)
		if !uploaded || p.Uploads == nil {
			return nil, nil
		}
		f, err := p.Uploads.Hold(ctx, id, sub.Reference)
		if errors.Is(err, uploads.ErrNotFound) {
			return nil, nil // stored before the files had records
		}
		if err != nil {
			return nil, err
		}
		scans = append(scans, f.Scan)
	}
	return scans, nil
}

// kvOperation is the header that marks a deletion or a purge of a key.
const kvOperation = "KV-Operation"
