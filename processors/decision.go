package processors

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/letters"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// DecisionDocument is what a decision letter shows.
type DecisionDocument struct {
	Organisation string
	FormTitle    string
	Reference    string
	SubmittedAt  time.Time
	Decision     submit.Event
	Lang         locale.Lang
	// Service is the department that decided, with its postal address;
	// Signatory, the agent who did, by name.
	Service, ServiceAddress, Signatory string
	// Addressee is the person the letter is for, as the answers say it.
	Addressee schemas.Applicant
	// Letter is the template of the letter, completed by the default's
	// text where it has none.
	Letter letters.Template
}

// RenderDecision writes the decision letter of a submission, in the
// submitter's language, from its template: the service, the addressee,
// the reference and the date, the text with the decision as a sentence
// and its reason, the signature of the delegate the template names or of
// the agent who decided, and the means and time limits of appeal.
func RenderDecision(w io.Writer, doc DecisionDocument) error {
	letter := doc.Letter.Completed()
	fields := letters.Fields{
		Addressee: doc.Addressee.Name, AddresseeAddress: strings.Join(doc.Addressee.Address, "\n"),
		Organisation: doc.Organisation, Service: doc.Service, ServiceAddress: doc.ServiceAddress,
		Signatory: cmp.Or(letter.Signatory, doc.Signatory), Decision: doc.Decision.Status.Sentence().In(doc.Lang),
		Reason: doc.Decision.Reason, Reference: doc.Reference, Form: doc.FormTitle,
		Submitted: locale.Date(doc.SubmittedAt, doc.Lang), Decided: locale.Date(doc.Decision.At, doc.Lang),
	}
	pdf, text := newDocument(doc.Organisation, doc.FormTitle, doc.Reference, doc.Decision.At)
	t := func(fr, en string) string { return locale.Text{FR: fr, EN: en}.In(doc.Lang) }
	pdf.SetFont("go", "B", 11)
	pdf.MultiCell(text, 6, doc.Organisation, "", "L", false)
	pdf.SetFont("go", "", 10)
	for _, line := range slices.Concat([]string{doc.Service}, strings.Split(doc.ServiceAddress, "\n")) {
		if line = strings.TrimSpace(line); line != "" {
			pdf.MultiCell(text, 5, line, "", "L", false)
		}
	}
	if to := doc.Addressee; to.Name != "" || len(to.Address) > 0 {
		left, _, _, _ := pdf.GetMargins()
		indent := text / 2
		pdf.Ln(4)
		for i, line := range append([]string{to.Name}, to.Address...) {
			if line == "" {
				continue
			}
			pdf.SetX(left + indent)
			pdf.SetFont("go", map[bool]string{true: "B", false: ""}[i == 0], 10)
			pdf.MultiCell(text-indent, 5, line, "", "L", false)
		}
	}
	pdf.Ln(4)
	pdf.SetFont("go", "B", 16)
	pdf.MultiCell(text, 8, t("Décision", "Decision")+" — "+doc.FormTitle, "", "L", false)
	pdf.Ln(4)
	for _, m := range [][2]string{
		{t("Référence", "Reference"), doc.Reference},
		{t("Date", "Date"), locale.DateTime(doc.Decision.At, doc.Lang)},
	} {
		labelValue(pdf, text, m[0], m[1], 0)
	}
	pdf.Ln(4)
	pdf.SetFont("go", "", 10)
	pdf.MultiCell(text, 5, fields.Merge(letter.Body.In(doc.Lang)), "", "L", false)
	if fields.Signatory != "" {
		signature := t("Pour l'administration, ", "For the administration, ") + fields.Signatory
		switch {
		case letter.Signatory != "":
			signature = t("Pour l'administration et par délégation, ", "For the administration and by delegation, ") + letter.Signatory
			if letter.SignatoryTitle != "" {
				signature += ", " + letter.SignatoryTitle
			}
		case doc.Service != "":
			signature += ", " + doc.Service
		}
		pdf.Ln(6)
		pdf.MultiCell(text, 5, signature, "", "L", false)
	}
	pdf.Ln(6)
	pdf.SetFont("go", "", 8)
	pdf.MultiCell(text, 4, fields.Merge(letter.Appeal.In(doc.Lang)), "", "L", false)
	return pdf.Output(w)
}

// Decision writes the letter of each decision into the documents object
// store, once, in the submitter's language.
type Decision struct {
	Organisation string
	Forms        Versions
	Submissions  jetstream.Stream
	Documents    jetstream.ObjectStore
	// Accounts and Departments name the agent and the service that
	// decided.
	Accounts    *identity.Accounts
	Departments *identity.Departments
	// Letters are the templates of the letters; without them, the
	// default's.
	Letters *letters.Store
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
	form, lang := form.In(string(sub.Lang)), sub.Lang.Own()
	doc := DecisionDocument{Organisation: d.Organisation, FormTitle: form.Title, Reference: e.Reference, SubmittedAt: sub.SubmittedAt,
		Decision: e, Lang: lang, Addressee: form.Applicant(sub.Data)}
	if d.Letters != nil {
		if doc.Letter, err = d.Letters.For(ctx, form.ID, e.Department); err != nil {
			return nil, err
		}
	}
	if d.Accounts != nil && sub.AccountID != "" {
		if a, err := d.Accounts.Get(ctx, sub.AccountID); err == nil {
			doc.Addressee = schemas.Applicant{Name: a.Name, Email: a.Email}
		}
	}
	if d.Departments != nil {
		if dep, err := d.Departments.Get(ctx, e.Department); err == nil {
			doc.Service, doc.ServiceAddress = dep.Name, dep.Address
		}
	}
	if d.Accounts != nil && e.By != "" {
		if a, err := d.Accounts.Get(ctx, e.By); err == nil {
			doc.Signatory = a.Name
		}
	}
	if err := RenderDecision(&buf, doc); err != nil {
		return nil, Permanent(err)
	}
	letter := buf.Bytes()
	_, err = d.Documents.Put(ctx, jetstream.ObjectMeta{Name: name, Description: "Decision on " + e.Reference,
		Headers: map[string][]string{"Content-Type": {"application/pdf"}}}, bytes.NewReader(letter))
	return letter, err
}
