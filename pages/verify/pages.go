// Package verify serves the public page that checks a receipt: the
// address its QR code opens. It says, in plain words, whether the receipt
// is authentic and intact, shows only what the receipt itself carries,
// and checks the data the citizen kept against the receipt's fingerprint.
//
// Front door (internal/test/layering); the API mounts its routes.
package verify

import (
	"bytes"
	"embed"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/receipts"
)

//go:embed templates
var files embed.FS

// Config is what the pages need.
type Config struct {
	Receipts *receipts.Store
	// Site is what every page shows of the organisation.
	Site web.Site
	Log  *slog.Logger
}

// Pages serves the verification page.
type Pages struct {
	Config
	templates *web.Templates
}

// MaxDataBytes bounds the data a citizen uploads to compare.
const MaxDataBytes = 8 << 20

// New returns the pages, their templates parsed.
func New(cfg Config) *Pages {
	p := &Pages{Config: cfg}
	p.templates = web.Parse(cfg.Site, files, "templates/*.html", p.Log)
	return p
}

// Routes returns the verification page's routes, open to anyone.
func (p *Pages) Routes() []web.Route {
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/verify", Access: identity.Anyone, Handler: p.page},
		{Method: http.MethodPost, Pattern: "/verify", Access: identity.Anyone, Handler: p.compare},
	}
}

type pageData struct {
	Encoded string
	Receipt *receipts.Receipt
	Verdict string
	// Checked is set once a text was checked, NotReceipt when it was no
	// receipt at all, Compared once data was.
	Checked, Authentic    bool
	NotReceipt            bool
	Compared, DataMatches bool
	DataMessage           string
}

func (p *Pages) page(w http.ResponseWriter, r *http.Request) {
	encoded := strings.TrimSpace(r.URL.Query().Get("r"))
	// A pasted link works as well as the receipt it carries.
	if _, after, ok := strings.Cut(encoded, "r="); ok {
		encoded = after
	}
	data, err := p.check(r, encoded)
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	p.render(w, r, data)
}

// check verifies an encoded receipt, if there is one.
func (p *Pages) check(r *http.Request, encoded string) (pageData, error) {
	data := pageData{Encoded: encoded}
	if encoded == "" {
		return data, nil
	}
	ring, err := p.Receipts.Keyring(r.Context())
	if err != nil {
		return data, err
	}
	receipt, verdict, err := receipts.Check(encoded, ring)
	if err != nil {
		return data, err
	}
	data.Receipt, data.Verdict, data.Checked, data.Authentic = receipt, verdict.Message.In(lang(r)), true, verdict.Authentic()
	data.NotReceipt = !verdict.Receipt()
	return data, nil
}

// compare checks the receipt, then the uploaded data against it.
func (p *Pages) compare(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(MaxDataBytes); err != nil && err != http.ErrNotMultipart {
		http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
		return
	}
	data, err := p.check(r, strings.TrimSpace(r.PostFormValue("r")))
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	submitted := []byte(strings.TrimSpace(r.PostFormValue("data")))
	if file, _, err := r.FormFile("file"); err == nil {
		submitted, err = io.ReadAll(io.LimitReader(file, MaxDataBytes))
		file.Close()
		if err != nil {
			web.Fail(w, r, p.Log, err)
			return
		}
	}
	switch {
	case bytes.HasPrefix(submitted, []byte("%PDF")):
		// A PDF record: its receipt is checked, and compared with the
		// one of the link, if any.
		if data, err = p.comparePDF(r, data, submitted); err != nil {
			web.Fail(w, r, p.Log, err)
			return
		}
	case data.Receipt != nil && len(submitted) > 0:
		matches, message := receipts.DataVerdict(*data.Receipt, submitted)
		data.Compared, data.DataMatches, data.DataMessage = true, matches, message.In(lang(r))
	}
	p.render(w, r, data)
}

// comparePDF checks the receipt a PDF record carries, then the PDF
// itself against the record the administration stored: a PDF's text is
// not signed, and a forgery can carry a genuine receipt.
func (p *Pages) comparePDF(r *http.Request, data pageData, pdf []byte) (pageData, error) {
	carried := receipts.FromPDF(pdf)
	switch {
	case carried == "":
		data.Compared, data.DataMatches = true, false
		data.DataMessage = locale.Text{
			FR: "Ce PDF ne porte pas de récépissé signé : ce n'est pas un récapitulatif de dépôt de l'administration, ou il a été modifié.",
			EN: "This PDF carries no signed receipt: it is not one of the administration's submission records, or it was altered.",
		}.In(lang(r))
		return data, nil
	case data.Encoded == "":
		var err error
		if data, err = p.check(r, carried); err != nil {
			return data, err
		}
	default:
		own, err := receipts.Decode(carried)
		if err != nil || data.Receipt == nil || !sameReceipt(own, *data.Receipt) {
			data.Compared, data.DataMatches = true, false
			data.DataMessage = locale.Text{
				FR: "Ce PDF porte un autre récépissé que celui-ci.",
				EN: "This PDF carries another receipt than this one.",
			}.In(lang(r))
			return data, nil
		}
	}
	if !data.Authentic || data.Receipt == nil {
		return data, nil
	}
	check, err := p.Receipts.CompareRecord(r.Context(), *data.Receipt, pdf)
	if err != nil {
		return data, err
	}
	matches, message := receipts.RecordVerdict(check)
	data.Compared, data.DataMatches, data.DataMessage = true, matches, message.In(lang(r))
	return data, nil
}

// sameReceipt reports whether two receipts are the same, signature included.
func sameReceipt(a, b receipts.Receipt) bool {
	x, errA := receipts.Encode(a)
	y, errB := receipts.Encode(b)
	return errA == nil && errB == nil && x == y
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, data pageData) {
	w.Header().Set("Cache-Control", "no-store")
	p.templates.Render(w, r, http.StatusOK, "verify.html", locale.Text{FR: "Vérifier un récépissé", EN: "Check a receipt"}.In(lang(r)), data)
}

func lang(r *http.Request) locale.Lang { return web.RequestOf(r.Context()).Lang }
