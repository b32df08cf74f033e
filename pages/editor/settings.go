package editor

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// dateTimeLocal is the layout of an <input type="datetime-local">.
const dateTimeLocal = "2006-01-02T15:04"

// checkRow is a consistency check as the settings page shows it.
type checkRow struct {
	Index               int
	Expr, Field, FR, EN string
}

// emptyChecks is how many empty checks the settings page offers to fill.
const emptyChecks = 2

type settingsPage struct {
	Form   schemas.Form
	Checks []checkRow
	// Origins are the sites that may embed the form, one a line; Embed is
	// the code that does, once it is published.
	Origins string
	Embed   string
	// Texts are the settings as the inputs hold them.
	OpensAt, ClosesAt, MaxSubmissions, DraftDays, RetentionDays string
	Errors                                                      []string
}

func (e *Pages) settingsForm(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	page := settingsPage{Origins: strings.Join(draft.EmbedOrigins, "\n"),
		OpensAt: localTime(draft.OpensAt), ClosesAt: localTime(draft.ClosesAt),
		MaxSubmissions: count(draft.MaxSubmissions), DraftDays: count(draft.DraftDays), RetentionDays: count(draft.RetentionDays)}
	e.renderSettings(w, r, http.StatusOK, draft, page)
}

func (e *Pages) renderSettings(w http.ResponseWriter, r *http.Request, status int, f schemas.Form, page settingsPage) {
	page.Form = f
	if page.Checks == nil {
		for i, c := range f.Checks {
			page.Checks = append(page.Checks, checkRow{Index: i, Expr: c.Expr, Field: c.Field, FR: c.MessageFR, EN: c.MessageEN})
		}
	}
	for range emptyChecks {
		page.Checks = append(page.Checks, checkRow{Index: len(page.Checks)})
	}
	if published, err := e.Forms.Latest(r.Context(), f.ID); err == nil && len(published.EmbedOrigins) > 0 {
		page.Embed = embedCode(web.SiteAddress(r, e.SiteURL), published.Form)
	}
	e.templates.Render(w, r, status, "settings.html", pageTitle(r, web.Say(r, "Paramètres", "Settings"), f.Title, len(page.Errors) > 0), page)
}

func (e *Pages) saveSettings(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	f := draft
	f.Title = strings.TrimSpace(r.PostFormValue("title"))
	f.Description = strings.TrimSpace(r.PostFormValue("description"))
	f.Audience = schemas.Audience(r.PostFormValue("audience"))
	f.Confirmation = strings.TrimSpace(r.PostFormValue("confirmation"))
	f.EmbedOrigins = strings.Fields(r.PostFormValue("embedOrigins"))
	for i, origin := range f.EmbedOrigins {
		f.EmbedOrigins[i] = strings.TrimRight(origin, "/")
	}
	page := settingsPage{
		Origins:        r.PostFormValue("embedOrigins"),
		OpensAt:        r.PostFormValue("opensAt"),
		ClosesAt:       r.PostFormValue("closesAt"),
		MaxSubmissions: r.PostFormValue("maxSubmissions"),
		DraftDays:      r.PostFormValue("draftDays"),
		RetentionDays:  r.PostFormValue("retentionDays"),
	}
	lang := langOf(r)
	bad := func(fr, en string) { page.Errors = append(page.Errors, locale.Text{FR: fr, EN: en}.In(lang)) }
	var ok1, ok2 bool
	if f.OpensAt, ok1 = parseLocalTime(page.OpensAt); !ok1 {
		bad("La date d'ouverture n'est pas une date et une heure.", "The opening date is not a date and time.")
	}
	if f.ClosesAt, ok2 = parseLocalTime(page.ClosesAt); !ok2 {
		bad("La date de fermeture n'est pas une date et une heure.", "The closing date is not a date and time.")
	}
	for _, c := range []struct {
		text   string
		into   *int
		fr, en string
	}{
		{
			page.MaxSubmissions,
			&f.MaxSubmissions,
			"Le nombre maximal de dépôts doit être un nombre entier positif.",
			"The maximum number of submissions must be a whole positive number.",
		},
		{
			page.DraftDays,
			&f.DraftDays,
			"La durée de conservation des brouillons doit être un nombre de jours.",
			"The draft expiry must be a number of days.",
		},
		{
			page.RetentionDays,
			&f.RetentionDays,
			"La durée de conservation des dépôts doit être un nombre de jours.",
			"The retention period must be a number of days.",
		},
	} {
		n, ok := parseCount(c.text)
		switch {
		case !ok:
			bad(c.fr, c.en)
		case n == nil:
			*c.into = 0
		default:
			*c.into = *n
		}
	}
	f.Checks, page.Checks = nil, []checkRow{}
	for i := 0; ; i++ {
		prefix := "check." + strconv.Itoa(i) + "."
		if _, posted := r.PostForm[prefix+"expr"]; !posted {
			break
		}
		row := checkRow{Index: len(page.Checks), Expr: strings.TrimSpace(r.PostFormValue(prefix + "expr")),
			Field: strings.TrimSpace(r.PostFormValue(prefix + "field")), FR: strings.TrimSpace(r.PostFormValue(prefix + "fr")),
			EN: strings.TrimSpace(r.PostFormValue(prefix + "en"))}
		if row.Expr == "" {
			continue
		}
		page.Checks = append(page.Checks, row)
		if row.FR == "" {
			bad("Le contrôle « "+row.Expr+" » a besoin de son message en français.", "The check “"+row.Expr+"” needs its message in French.")
		}
		f.Checks = append(f.Checks, schemas.CrossCheck{Expr: row.Expr, Field: row.Field, MessageFR: row.FR, MessageEN: row.EN})
	}
	e.commit(w, r, page.Errors, func() error { return e.Builder.SaveDraft(r.Context(), by(r), f) }, func(errs []string) {
		page.Errors = errs
		e.renderSettings(w, r, http.StatusUnprocessableEntity, f, page)
	}, f.ID, "")
}

func localTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(locale.Paris).Format(dateTimeLocal)
}

// parseLocalTime reads a date and time in Paris time; empty is none.
func parseLocalTime(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	t, err := time.ParseInLocation(dateTimeLocal, s, locale.Paris)
	if err != nil {
		return nil, false
	}
	t = t.UTC()
	return &t, true
}

func count(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// embedCode is the HTML that shows a published form in a page of another
// site: a frame that fits its content, through the script that sizes it.
func embedCode(site string, f schemas.Form) string {
	return fmt.Sprintf("<iframe src=\"%s/f/%s\" title=\"%s\" style=\"width: 100%%; border: 0; min-height: 40rem\" loading=\"lazy\">"+
		"</iframe>\n"+
		"<script src=\"%s/static/embed.js\" defer></script>", site, f.ID, html.EscapeString(f.Title), site)
}
