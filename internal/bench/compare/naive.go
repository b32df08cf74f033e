package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/go-pdf/fpdf"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/xeipuuv/gojsonschema"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// naiveServer is the plainest way to build Guichet's ingestion: Huma,
// gojsonschema, and one synchronous JetStream publish per request, with no
// batching. It serves the two routes the load generator uses, on the same
// payloads as Guichet.
type naiveServer struct {
	URL    string
	server *http.Server
}

type naiveInput struct {
	ID   string `path:"id"`
	Body struct {
		Data json.RawMessage `json:"data"`
	}
}

type naiveOutput struct {
	Body struct {
		Reference string `json:"reference"`
	}
}

func startNaive(js jetstream.JetStream, form *schemas.Compiled) (*naiveServer, error) {
	formJSON, err := json.Marshal(form.Form)
	if err != nil {
		return nil, err
	}
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(form.Schema))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/forms/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(formJSON)
	})
	api := humago.New(mux, huma.DefaultConfig("naive", "1"))
	huma.Register(api, huma.Operation{Method: http.MethodPost, Path: "/api/forms/{id}/submissions", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *naiveInput) (*naiveOutput, error) {
			result, err := schema.Validate(gojsonschema.NewBytesLoader(in.Body.Data))
			if err != nil || !result.Valid() {
				return nil, huma.Error422UnprocessableEntity("invalid data")
			}
			sub := submit.Submission{Form: in.ID, FormVersion: 1, SubmittedAt: time.Now().UTC(), Data: in.Body.Data}
			payload, err := json.Marshal(sub)
			if err != nil {
				return nil, err
			}
			ack, err := js.Publish(ctx, bus.SubmissionSubject(in.ID), payload)
			if err != nil {
				return nil, huma.Error503ServiceUnavailable("publish failed", err)
			}
			out := &naiveOutput{}
			out.Body.Reference = submit.ReferenceOf(ack.Sequence, sub.SubmittedAt)
			return out, nil
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &naiveServer{URL: "http://" + ln.Addr().String(), server: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.server.Serve(ln) }() // ends with ErrServerClosed
	return s, nil
}

func (s *naiveServer) close() { s.server.Close() }

// naiveRecord renders a submission's record as fpdf is plainly used: a new
// document, the UTF-8 fonts parsed and embedded afresh, the whole output
// each time. It draws the same answers in the same fonts as
// processors.RenderRecord, with less around them (no footer, no
// metadata), so the comparison favours it.
func naiveRecord(w io.Writer, doc processors.RecordDocument) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetMargins(20, 20, 20)
	pdf.AddPage()
	pdf.SetFont("go", "B", 16)
	pdf.MultiCell(0, 8, doc.FormTitle, "", "L", false)
	pdf.SetFont("go", "", 10)
	pdf.MultiCell(0, 5, fmt.Sprintf("%s — %s — version %d", doc.Organisation, doc.Reference, doc.FormVersion), "", "L", false)
	for _, a := range doc.Answers {
		y := pdf.GetY()
		pdf.SetFont("go", "B", 10)
		pdf.MultiCell(60, 5, a.Label, "", "L", false)
		pdf.SetXY(80, y)
		pdf.SetFont("go", "", 10)
		pdf.MultiCell(0, 5, a.Value, "", "L", false)
		pdf.Ln(1)
	}
	pdf.MultiCell(0, 4, doc.DataSHA256, "", "L", false)
	return pdf.Output(w)
}
