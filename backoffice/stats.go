package backoffice

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/submit"
)

// ErrBadPaperCount means a paper count names no month ("2026-03") or is negative.
var ErrBadPaperCount = errors.New("backoffice: a paper count needs a month (YYYY-MM) and a number from 0")

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// Statistics counts what the forms received, online from the streams and
// on paper as admins enter it, and how long decisions take. They hold no
// personal data.
type Statistics struct {
	submissions jetstream.Stream
	events      jetstream.Stream
	paper       jetstream.KeyValue
	now         func() time.Time
}

// NewStatistics opens what the statistics read.
func NewStatistics(ctx context.Context, b *bus.Bus) (*Statistics, error) {
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	events, err := b.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		return nil, err
	}
	paper, err := b.KV(ctx, bus.BucketPaper)
	if err != nil {
		return nil, err
	}
	return &Statistics{submissions: submissions, events: events, paper: paper, now: time.Now}, nil
}

// MonthCount is what a form received in one month.
type MonthCount struct {
	Month         string
	Online, Paper int
}

// FormStats are one form's figures over the months asked for.
type FormStats struct {
	Form          string
	Months        []MonthCount
	Online, Paper int
	// Decided counts the submissions decided; MedianDays and MeanDays are
	// how long, from receipt to first decision.
	Decided              int
	MedianDays, MeanDays float64
}

// OnlineShare is the share of the form's submissions made online, in
// percent: 100 when none came on paper; -1 when none came at all.
func (f FormStats) OnlineShare() float64 {
	if f.Online+f.Paper == 0 {
		return -1
	}
	return 100 * float64(f.Online) / float64(f.Online+f.Paper)
}

// Report is the statistics of every form over the last months.
type Report struct {
	Months []string
	Forms  []FormStats
	// Totals are all forms' counts per month.
	Totals []MonthCount
}

// months lists the n months up to now's, oldest first, as "2026-03".
func months(now time.Time, n int) []string {
	now = now.In(locale.Paris)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, locale.Paris)
	out := make([]string, n)
	for i := range n {
		out[i] = first.AddDate(0, i-n+1, 0).Format("2006-01")
	}
	return out
}

// Compute reads the counts of the last n months and the decision times.
func (s *Statistics) Compute(ctx context.Context, n int) (Report, error) {
	report := Report{Months: months(s.now(), n)}
	byForm := map[string]*FormStats{}
	stats := func(form string) *FormStats {
		f, ok := byForm[form]
		if !ok {
			f = &FormStats{Form: form, Months: make([]MonthCount, n)}
			for i, m := range report.Months {
				f.Months[i].Month = m
			}
			byForm[form] = f
		}
		return f
	}
	received := map[string]receipt{} // by reference
	err := bus.Scan(ctx, s.submissions, bus.FirstVersions, func(msg jetstream.Msg) {
		meta, err := msg.Metadata()
		if err != nil {
			return
		}
		s, err := submit.Decode(msg)
		if err != nil {
			return
		}
		form := s.Form
		received[s.Reference] = receipt{form: form, at: meta.Timestamp}
		if i := slices.Index(report.Months, meta.Timestamp.In(locale.Paris).Format("2006-01")); i >= 0 {
			f := stats(form)
			f.Months[i].Online++
			f.Online++
		}
	})
	if err != nil {
		return report, err
	}
	if err := s.addPaper(ctx, report.Months, stats); err != nil {
		return report, err
	}
	if err := s.addDecisionTimes(ctx, received, stats); err != nil {
		return report, err
	}
	report.Totals = make([]MonthCount, n)
	for i, m := range report.Months {
		report.Totals[i].Month = m
	}
	for _, form := range slices.Sorted(func(yield func(string) bool) {
		for form := range byForm {
			if !yield(form) {
				return
			}
		}
	}) {
		f := byForm[form]
		for i, m := range f.Months {
			report.Totals[i].Online += m.Online
			report.Totals[i].Paper += m.Paper
		}
		report.Forms = append(report.Forms, *f)
	}
	return report, nil
}

func (s *Statistics) addPaper(ctx context.Context, monthList []string, stats func(string) *FormStats) error {
	lister, err := s.paper.ListKeys(ctx)
	if err != nil {
		return err
	}
	for key := range lister.Keys() {
		dot := strings.LastIndexByte(key, '.')
		i := slices.Index(monthList, key[dot+1:])
		if dot < 0 || i < 0 {
			continue
		}
		entry, err := s.paper.Get(ctx, key)
		if err != nil {
			return err
		}
		count, _ := strconv.Atoi(string(entry.Value()))
		f := stats(key[:dot])
		f.Months[i].Paper += count
		f.Paper += count
	}
	return nil
}

// receipt is when a submission was stored, and for which form.
type receipt struct {
	form string
	at   time.Time
}

// addDecisionTimes measures, per form, the time from receipt to the first
// decision of each decided submission.
func (s *Statistics) addDecisionTimes(ctx context.Context, received map[string]receipt, stats func(string) *FormStats) error {
	days := map[string][]float64{}
	err := bus.Scan(ctx, s.events, bus.StatusEvents, func(msg jetstream.Msg) {
		var e submit.Event
		if json.Unmarshal(msg.Data(), &e) != nil || !e.Status.Decided() {
			return
		}
		if r, ok := received[e.Reference]; ok {
			days[r.form] = append(days[r.form], e.At.Sub(r.at).Hours()/24)
			delete(received, e.Reference) // the first decision only
		}
	})
	for form, list := range days {
		f := stats(form)
		slices.Sort(list)
		f.Decided = len(list)
		f.MedianDays = list[len(list)/2]
		if len(list)%2 == 0 {
			f.MedianDays = (list[len(list)/2-1] + list[len(list)/2]) / 2
		}
		sum := 0.0
		for _, d := range list {
			sum += d
		}
		f.MeanDays = sum / float64(len(list))
	}
	return err
}

// SetPaper records how many paper forms a form received in a month.
func (s *Statistics) SetPaper(ctx context.Context, form, month string, count int) error {
	if !monthPattern.MatchString(month) || count < 0 || form == "" || strings.ContainsAny(form, ".*> ") {
		return ErrBadPaperCount
	}
	_, err := s.paper.Put(ctx, bus.PaperKey(form, month), []byte(strconv.Itoa(count)))
	return err
}
