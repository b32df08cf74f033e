package desk

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/internal/web"
)

// StatisticsMonths is how many months the statistics page shows.
const StatisticsMonths = 12

// bar is one month of the chart, in the SVG's units.
type bar struct {
	X, Width                         int
	OnlineY, OnlineH, PaperY, PaperH int
	Month                            string
	Online, Paper                    int
}

// chart is the SVG bar chart of the months' totals.
type chart struct {
	Width, Height, Base int
	Bars                []bar
	Max                 int
}

// chartOf draws each month's online and paper totals as stacked bars.
func chartOf(totals []backoffice.MonthCount) chart {
	c := chart{Width: 720, Height: 260, Base: 220}
	for _, m := range totals {
		c.Max = max(c.Max, m.Online+m.Paper)
	}
	scale := 200.0 / float64(max(c.Max, 1))
	step := (c.Width - 40) / max(len(totals), 1)
	for i, m := range totals {
		b := bar{X: 40 + i*step + step/6, Width: step * 2 / 3, Month: m.Month[5:] + "/" + m.Month[2:4], Online: m.Online, Paper: m.Paper}
		b.OnlineH = int(float64(m.Online) * scale)
		b.OnlineY = c.Base - b.OnlineH
		b.PaperH = int(float64(m.Paper) * scale)
		b.PaperY = b.OnlineY - b.PaperH
		c.Bars = append(c.Bars, b)
	}
	return c
}

type formRow struct {
	backoffice.FormStats
	Title string
}

type statisticsPage struct {
	Report backoffice.Report
	Forms  []formRow
	Chart  chart
	// Titles lists every form, for entering paper counts.
	Titles []formOption
	Admin  bool
	Errors []string
	Notice string
}

func (d *Pages) statistics(w http.ResponseWriter, r *http.Request) {
	notice := ""
	if r.URL.Query().Get("done") == "paper" {
		notice = web.Say(r, "Le nombre de formulaires papier est enregistré.", "The number of paper forms is recorded.")
	}
	d.renderStatistics(w, r, http.StatusOK, statisticsPage{Notice: notice})
}

func (d *Pages) renderStatistics(w http.ResponseWriter, r *http.Request, status int, page statisticsPage) {
	ctx := r.Context()
	report, err := d.Statistics.Compute(ctx, StatisticsMonths)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	titles, options, err := d.formTitles(ctx, "")
	if err != nil {
		d.fail(w, r, err)
		return
	}
	page.Titles = options
	page.Report, page.Chart = report, chartOf(report.Totals)
	for _, f := range report.Forms {
		page.Forms = append(page.Forms, formRow{FormStats: f, Title: cmp.Or(titles[f.Form], f.Form)})
	}
	page.Admin = principal(r).IsAdmin()
	d.templates.Render(w, r, status, "statistics.html", web.Say(r, "Statistiques", "Statistics"), page)
}

// setPaper records an admin's count of paper forms for a form and month.
func (d *Pages) setPaper(w http.ResponseWriter, r *http.Request) {
	count, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("count")))
	if err == nil {
		err = d.Statistics.SetPaper(r.Context(), r.PostFormValue("form"), r.PostFormValue("month"), count)
	}
	var numErr *strconv.NumError
	if errors.As(err, &numErr) || errors.Is(err, backoffice.ErrBadPaperCount) {
		d.renderStatistics(w, r, http.StatusUnprocessableEntity, statisticsPage{Errors: []string{web.Say(r,
			"Choisissez un formulaire et un mois, et indiquez un nombre entier positif de formulaires papier.",
			"Choose a form and a month, and give a whole positive number of paper forms.")}})
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/statistiques?done=paper", http.StatusSeeOther)
}
