package processors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/submit"
)

// DecisionDocument is what a decision letter shows.
type DecisionDocument struct {
	Organisation string
	FormTitle    string
	Reference    string
	Decision     submit.Event
	Lang         locale.Lang
}

// RenderDecision writes the decision letter of a submission, in the
// submitter's language: the decision, its date and its reason.
func RenderDecision(w io.Writer, doc DecisionDocument) error {
	pdf, text := newDocument(doc.Organisation, doc.FormTitle, doc.Reference, doc.Decision.At)
	t := func(fr, en string) string { return locale.Text{FR: fr, EN: en}.In(doc.Lang) }
	pdf.SetFont("go", "B", 11)
	pdf.MultiCell(text, 6, doc.Organisation, "", "L", false)
	pdf.Ln(4)
	pdf.SetFont("go", "B", 16)
	pdf.MultiCell(text, 8, t("Décision", "Decision")+" — "+doc.FormTitle, "", "L", false)
	pdf.Ln(4)
	for _, m := range [][2]string{
		{t("Référence", "Reference"), doc.Reference},
		{t("Décision", "Decision"), doc.Decision.Status.Label().In(doc.Lang)},
		{t("Date", "Date"), locale.DateTime(doc.Decision.At, doc.Lang)},
	} {
		labelValue(pdf, text, m[0], m[1], 0)
	}
	if doc.Decision.Reason != "" {
		pdf.Ln(4)
		pdf.SetFont("go", "B", 12)
		pdf.MultiCell(text, 7, t("Motif", "Reason"), "B", "L", false)
		pdf.Ln(2)
		pdf.SetFont("go", "", 10)
		pdf.MultiCell(text, 5, doc.Decision.Reason, "", "L", false)
	}
	return pdf.Output(w)
}

// Decision writes the letter of each decision into the documents object
// store, once, in the submitter's language.
type Decision struct {
	Organisation string
	Forms        Versions
	Submissions  jetstream.Stream
	Documents    jetstream.ObjectStore
}

// decisionSubjects are the events of decisions.
func decisionSubjects() []string {
	var out []string
	for _, s := range []submit.Status{submit.Accepted, submit.Rejected, submit.Closed} {
		out = append(out, bus.EventsWithStatus(string(s)))
	}
	return out
}

// Consumer is the decision letters' durable consumer.
func (d *Decision) Consumer() Consumer {
	return Consumer{Stream: bus.StreamEvents, Durable: bus.ConsumerDecision, FilterSubjects: decisionSubjects(), Handler: d.Handle}
}

// Handle writes the letter of one decision.
func (d *Decision) Handle(ctx context.Context, msg jetstream.Msg) error {
	var e submit.Event
	if err := json.Unmarshal(msg.Data(), &e); err != nil || e.Sequence == 0 || !e.Status.Decided() {
		return Permanent(fmt.Errorf("malformed decision on %s", msg.Subject()))
	}
	_, err := d.Letter(ctx, e)
	return err
}

// Letter returns the letter of a decision, writing it first if it is not
// stored yet; the same decision always gives the same letter.
func (d *Decision) Letter(ctx context.Context, e submit.Event) ([]byte, error) {
	name := bus.DecisionName(e.Reference, e.Index)
	stored, err := d.Documents.GetBytes(ctx, name)
	if err == nil {
		return stored, nil
	}
	if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, err
	}
	sub, form, err := submit.LoadAnswered(ctx, d.Submissions, d.Forms, e.Reference, e.Sequence)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	lang := sub.Lang
	if lang != locale.English {
		lang = locale.French
	}
	if err := RenderDecision(&buf, DecisionDocument{
		Organisation: d.Organisation,
		FormTitle:    form.Title,
		Reference:    e.Reference,
		Decision:     e,
		Lang:         lang,
	}); err != nil {
		return nil, Permanent(err)
	}
	letter := buf.Bytes()
	_, err = d.Documents.Put(ctx, jetstream.ObjectMeta{Name: name, Description: "Decision on " + e.Reference,
		Headers: map[string][]string{"Content-Type": {"application/pdf"}}}, bytes.NewReader(letter))
	return letter, err
}
