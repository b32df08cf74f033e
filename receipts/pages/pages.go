// Package pages serves the public page that checks a receipt: the
// address its QR code opens. It says, in plain words, whether the receipt
// is authentic and intact, shows only what the receipt itself carries,
// and checks the data the citizen kept against the receipt's fingerprint.
//
// It imports receipts and web; the API mounts its routes.
package pages

import (
	"embed"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/locale"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/web"
)

//go:embed templates
var files embed.FS

// Pages serves the verification page.
type Pages struct {
	Receipts *receipts.Store
	Log      *slog.Logger

	templates *web.Templates
}

// MaxDataBytes bounds the data a citizen uploads to compare.
const MaxDataBytes = 8 << 20

// Routes returns the verification page's routes, open to anyone.
func (p *Pages) Routes(site web.Site) []web.Route {
	p.templates = web.Parse(site, files, "templates/*.html", p.Log)
	return []web.Route{
		{Method: http.MethodGet, Pattern: "/verify", Access: identity.Anyone, Handler: p.page},
		{Method: http.MethodPost, Pattern: "/verify", Access: identity.Anyone, Handler: p.compare},
	}
}

type pageData struct {
	Encoded string
	Receipt *receipts.Receipt
	Verdict string
	// Checked is set once a receipt was checked, Compared once data was.
	Checked, Authentic    bool
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
	if data.Receipt != nil && len(submitted) > 0 {
		matches, message := receipts.DataVerdict(*data.Receipt, submitted)
		data.Compared, data.DataMatches, data.DataMessage = true, matches, message.In(lang(r))
	}
	p.render(w, r, data)
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, data pageData) {
	w.Header().Set("Cache-Control", "no-store")
	p.templates.Render(w, r, http.StatusOK, "verify.html", locale.Text{FR: "Vérifier un récépissé", EN: "Check a receipt"}.In(lang(r)), data)
}

func lang(r *http.Request) locale.Lang { return web.RequestOf(r.Context()).Lang }
