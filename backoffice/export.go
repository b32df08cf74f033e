package backoffice

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Format is the file format of an export.
type Format string

// The export formats.
const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// ErrUnknownForm means an export names a form that was never published.
var ErrUnknownForm = errors.New("backoffice: form never published")

// FormVersions finds a form's published versions.
type FormVersions interface {
	Versions
	Versions(ctx context.Context, id string) ([]int, error)
}

// Exporter writes the submissions of a form over a period as CSV or JSON,
// streamed, with the labels of the versions they were made with, for
// those entitled to them: the agents of the departments they were routed
// to, and admins. Each export is recorded in the security log.
type Exporter struct {
	submissions jetstream.Stream
	tracker     *submit.Tracker
	forms       FormVersions
	audit       *identity.Audit
}

// NewExporter opens what exports need.
func NewExporter(ctx context.Context, b *bus.Bus, tracker *submit.Tracker, forms FormVersions, audit *identity.Audit) (*Exporter, error) {
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	return &Exporter{submissions: submissions, tracker: tracker, forms: forms, audit: audit}, nil
}

// Export is what to export.
type Export struct {
	Form   string
	Format Format
	// From and To bound the submission time; zero is no bound.
	From, To time.Time
}

// column is one field of the form, across its versions.
type column struct{ name, label string }

// columns lists the fields of every version of a form, newest versions'
// labels first, in the order a person sees them.
func (e *Exporter) columns(ctx context.Context, form string) ([]column, map[int]*schemas.Compiled, error) {
	numbers, err := e.forms.Versions(ctx, form)
	if err != nil || len(numbers) == 0 {
		return nil, nil, cmp.Or(err, ErrUnknownForm)
	}
	versions := map[int]*schemas.Compiled{}
	var cols []column
	for _, n := range slices.Backward(numbers) {
		v, err := e.forms.Version(ctx, form, n)
		if err != nil {
			return nil, nil, err
		}
		versions[n] = v
		props := schemas.AllProperties(v.Schema)
		order := schemas.FieldOrder(v.Schema, v.UISchema)
		// The fields the uiSchema does not order come after, by name.
		var unordered []string
		for name := range props {
			if !slices.Contains(order, name) {
				unordered = append(unordered, name)
			}
		}
		slices.Sort(unordered)
		order = append(order, unordered...)
		for _, name := range order {
			var field struct {
				Type  any    `json:"type"`
				Title string `json:"title"`
			}
			_ = json.Unmarshal(props[name], &field)
			if field.Type == "null" || slices.ContainsFunc(cols, func(c column) bool { return c.name == name }) {
				continue
			}
			cols = append(cols, column{name: name, label: cmp.Or(field.Title, name)})
		}
	}
	return cols, versions, nil
}

// row is one exported submission.
type row struct {
	Reference   string            `json:"reference"`
	SubmittedAt time.Time         `json:"submittedAt"`
	FormVersion int               `json:"formVersion"`
	Revision    int               `json:"revision"`
	Status      submit.Status     `json:"status"`
	Department  string            `json:"department"`
	Answers     []exportedAnswer  `json:"answers"`
	Data        json.RawMessage   `json:"data"`
	cells       map[string]string `json:"-"`
}

type exportedAnswer struct {
	Label string `json:"label"`
	Value string `json:"value,omitempty"`
	Depth int    `json:"depth,omitempty"`
}

// Prepared is an export whose form and columns are known, ready to write.
type Prepared struct {
	exporter *Exporter
	export   Export
	cols     []column
	versions map[int]*schemas.Compiled
}

// Prepare checks that the form was published and reads its versions, so
// that an unknown form is refused before anything is written.
func (e *Exporter) Prepare(ctx context.Context, x Export) (*Prepared, error) {
	cols, versions, err := e.columns(ctx, x.Form)
	if err != nil {
		return nil, err
	}
	return &Prepared{exporter: e, export: x, cols: cols, versions: versions}, nil
}

// WriteTo streams the export, of what p is entitled to, to w and returns
// how many submissions it holds.
func (prep *Prepared) WriteTo(ctx context.Context, p identity.Principal, w io.Writer) (int, error) {
	e, x, versions := prep.exporter, prep.export, prep.versions
	out := newExportWriter(x.Format, prep.cols, w)
	count := 0
	var failure error
	err := bus.Scan(ctx, e.submissions, bus.SubmissionSubject(x.Form), func(msg jetstream.Msg) {
		if failure != nil {
			return
		}
		sub, err := submit.Decode(msg)
		if err != nil || (!x.From.IsZero() && sub.SubmittedAt.Before(x.From)) || (!x.To.IsZero() && !sub.SubmittedAt.Before(x.To)) {
			return
		}
		rec, err := e.tracker.Get(ctx, sub.Reference)
		if errors.Is(err, submit.ErrUnknownSubmission) || (err == nil && !p.ServesDepartment(rec.Department)) {
			return
		}
		if err != nil {
			failure = err
			return
		}
		if meta, err := msg.Metadata(); err == nil && rec.Sequence > meta.Sequence.Stream {
			// Corrected since: the version on record is the one decided.
			current, err := submit.Load(ctx, e.submissions, sub.Reference, rec.Sequence)
			if err != nil {
				failure = err
				return
			}
			sub = current
		}
		r := row{
			Reference:   sub.Reference,
			SubmittedAt: sub.SubmittedAt,
			FormVersion: sub.FormVersion,
			Revision:    sub.Version(),
			Status:      rec.Status,
			Department:  rec.Department,
			Data:        sub.Data,
			cells:       map[string]string{},
		}
		if v := versions[sub.FormVersion]; v != nil {
			for _, a := range submit.NameFiles(v.Answers(sub.Data), sub.Attachments) {
				r.Answers = append(r.Answers, exportedAnswer{Label: a.Label, Value: a.Value, Depth: a.Depth})
				r.cells[a.Field] = joinCell(r.cells[a.Field], a)
			}
		}
		if failure = out.write(r); failure == nil {
			count++
		}
	})
	if err := errors.Join(err, failure, out.close()); err != nil {
		return count, err
	}
	if e.audit != nil {
		_ = e.audit.Record(ctx, identity.AuditEvent{Kind: "dossiers.exported", By: p.AccountID,
			Detail: x.Form + " " + string(x.Format) + " " + strconv.Itoa(count)})
	}
	return count, nil
}

// joinCell adds an answer to its top-level field's cell: a plain value as
// it is; the parts of a group or of repeated items as "label: value",
// separated by semicolons.
func joinCell(cell string, a schemas.Answer) string {
	part := a.Value
	switch {
	case a.Depth == 0 && !a.Heading:
	case a.Heading && a.Depth == 0:
		return cell
	case a.Heading:
		part = a.Label
	default:
		part = a.Label + " : " + a.Value
	}
	if cell == "" {
		return part
	}
	return cell + " ; " + part
}

// exportWriter writes rows in one format.
type exportWriter struct {
	format Format
	cols   []column
	w      io.Writer
	csv    *bufio.Writer
	rows   int
	err    error
}

// CSVSeparator separates the cells of a CSV export: the semicolon that
// French spreadsheets read, with a byte order mark so that they read
// UTF-8.
const CSVSeparator = ';'

func newExportWriter(format Format, cols []column, w io.Writer) *exportWriter {
	x := &exportWriter{format: format, cols: cols, w: w}
	if format == CSV {
		x.csv = bufio.NewWriter(w)
		header := []string{"Référence", "Déposé le", "Version", "État", "Service"}
		for _, c := range cols {
			header = append(header, c.label)
		}
		_, x.err = x.csv.WriteString("\ufeff")
		x.writeRecord(header)
	} else {
		_, x.err = io.WriteString(w, "[")
	}
	return x
}

// writeRecord writes one CSV line, every cell quoted and made safe.
func (x *exportWriter) writeRecord(cells []string) {
	// A bufio.Writer keeps its first error, which the line's end returns.
	for i, cell := range cells {
		if i > 0 {
			_ = x.csv.WriteByte(CSVSeparator)
		}
		_, _ = x.csv.WriteString(`"` + strings.ReplaceAll(SafeCell(cell), `"`, `""`) + `"`)
	}
	_, x.err = x.csv.WriteString("\r\n")
}

func (x *exportWriter) write(r row) error {
	if x.err != nil {
		return x.err
	}
	if x.format == CSV {
		record := []string{r.Reference, r.SubmittedAt.Format(time.RFC3339), strconv.Itoa(r.FormVersion), string(r.Status), r.Department}
		for _, c := range x.cols {
			record = append(record, r.cells[c.name])
		}
		x.writeRecord(record)
		x.rows++
		if x.rows%100 == 0 && x.err == nil {
			x.err = x.csv.Flush()
		}
		return x.err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if x.rows > 0 {
		raw = append([]byte(",\n"), raw...)
	}
	x.rows++
	_, x.err = x.w.Write(raw)
	return x.err
}

func (x *exportWriter) close() error {
	if x.err != nil {
		return x.err
	}
	if x.format == CSV {
		return x.csv.Flush()
	}
	_, err := io.WriteString(x.w, "]\n")
	return err
}

// SafeCell keeps a spreadsheet from reading a cell, or any part of it, as
// a formula (OWASP's advice on CSV injection): an apostrophe goes before
// each =, +, -, @, tab or carriage return that starts the cell, and before
// each =, +, - or @ that follows a separator a spreadsheet may split on
// (comma, semicolon, tab) or a line break, spaces between them included.
func SafeCell(s string) string {
	var b strings.Builder
	start := true // at the start of the cell, or of a part a spreadsheet may split off
	for _, r := range s {
		if (start && strings.ContainsRune("=+-@", r)) || (b.Len() == 0 && (r == '\t' || r == '\r')) {
			b.WriteByte('\'')
		}
		switch {
		case strings.ContainsRune(",;\t\r\n", r):
			start = true
		case r != ' ':
			start = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
