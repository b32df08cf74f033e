// Package compare measures, in one run on one machine and on the same
// payloads, Guichet's ingestion and PDF records side by side with the raw
// parts they are built on: JetStream publishing with and without a disk
// sync per write, JetStream atomic batches, gojsonschema alone, fpdf used
// plainly, and a plain HTTP path (Huma, gojsonschema, one synchronous
// publish per request). It reports each figure and their ratios, so that
// the machine's noise cancels out of the comparison.
//
// A tool (internal/test/layering).
package compare

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/xeipuuv/gojsonschema"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/bench/loadgen"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Config tunes a comparison.
type Config struct {
	// Step is how long each HTTP and publishing figure is measured; the
	// figures of a single core take half of it (6 s by default).
	Step time.Duration
	// Clients is the number of concurrent HTTP clients and of parallel
	// publishers (128 by default).
	Clients int
	// Form is the demo form whose answers are sent; empty: the first
	// public one.
	Form string
	// Progress, when set, receives a line as each figure is measured.
	Progress io.Writer
	// Profile, when set, receives the CPU profile (pprof) of the process
	// while Guichet's HTTP path is measured: the server and the load
	// generator.
	Profile io.Writer
	// Lang is the language of the progress, the labels and the report.
	Lang locale.Lang
}

// Report is a comparison's figures, ratios and goals.
type Report struct {
	// Lang is the language of the labels, which Print writes in.
	Lang    locale.Lang `json:"-"`
	Machine Machine     `json:"machine"`
	Form    string      `json:"form"`
	// PayloadBytes is the mean size of a submission's data.
	PayloadBytes int       `json:"payloadBytes"`
	Measures     []Measure `json:"measures"`
	Ratios       []Ratio   `json:"ratios"`
	Goals        []Goal    `json:"goals"`
	Seconds      float64   `json:"seconds"`
}

// Machine is where the figures come from.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	Go         string `json:"go"`
	NATSServer string `json:"natsServer"`
}

// Ratio compares two figures: Of's rate divided by To's.
type Ratio struct {
	Label string  `json:"label"`
	Of    string  `json:"of"`
	To    string  `json:"to"`
	Value float64 `json:"value"`
}

// Goal is one of the performance goals, against what was measured.
type Goal struct {
	Label    string  `json:"label"`
	Target   float64 `json:"target"`
	Measured float64 `json:"measured"`
	// AtMost is set for a goal that is a ceiling, such as a latency.
	AtMost bool `json:"atMost,omitempty"`
	Met    bool `json:"met"`
}

// comparison is a run in progress.
type comparison struct {
	cfg      Config
	dir      string
	form     *schemas.Compiled
	data     []json.RawMessage
	messages [][]byte
	report   *Report
}

// Run measures every figure in turn and computes the ratios.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.Step = cmp.Or(cfg.Step, 6*time.Second)
	cfg.Clients = cmp.Or(cfg.Clients, 128)
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	dir, err := os.MkdirTemp("", "guichet-compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	c := &comparison{cfg: cfg, dir: dir, report: &Report{Lang: cfg.Lang, Machine: machine()}}

	fmt.Fprintln(cfg.Progress, c.say("Démarrage de Guichet (API seule, NATS embarqué, écriture synchronisée sur disque)…",
		"Starting Guichet (API only, embedded NATS, writes synced to disk)…"))
	guichet, base, err := startGuichet(ctx, filepath.Join(dir, "guichet"), app.RoleAPI)
	if err != nil {
		return nil, err
	}
	defer func() { _ = guichet.Shutdown(context.Background()) }() // a measure, its directory removed after
	if err := c.prepare(ctx, base); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{
		c.validation,
		c.pdf,
		c.rawPublish,
		c.naiveHTTP,
		func(ctx context.Context) error { return c.guichetHTTP(ctx, base) },
		c.endToEnd,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return c.report, err
		}
	}
	c.report.Ratios = c.ratios()
	c.report.Goals = c.goals()
	c.report.Seconds = time.Since(start).Seconds()
	return c.report, nil
}

// startGuichet starts Guichet in role with the demo forms, without a
// limit per address, on a loopback listener.
func startGuichet(ctx context.Context, dir string, role app.Role) (*app.App, string, error) {
	a, err := app.Start(ctx, app.Config{DataDir: dir, Demo: true, Role: role})
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = a.Shutdown(context.Background())
		return nil, "", err
	}
	a.Serve(ln)
	return a, "http://" + ln.Addr().String(), nil
}

// prepare reads the form from Guichet and draws the answers that every
// figure uses.
func (c *comparison) prepare(ctx context.Context, base string) error {
	form, err := loadgen.FetchForm(ctx, http.DefaultClient, base, c.cfg.Form)
	if err != nil {
		return err
	}
	answers, err := loadgen.NewAnswers(form, 1)
	if err != nil {
		return err
	}
	c.form = form
	c.report.Form = form.ID
	size := 0
	for range 256 {
		data, err := answers.Valid()
		if err != nil {
			return err
		}
		message, err := json.Marshal(submit.Submission{Form: form.ID, FormVersion: form.Version.Version,
			SubmittedAt: time.Now().UTC(), TokenHash: submit.HashToken(submit.NewToken()), Data: data})
		if err != nil {
			return err
		}
		c.data = append(c.data, data)
		c.messages = append(c.messages, message)
		size += len(data)
	}
	c.report.PayloadBytes = size / len(c.data)
	return nil
}

// add records a figure and shows it.
func (c *comparison) add(m Measure) {
	c.report.Measures = append(c.report.Measures, m)
	line := fmt.Sprintf("  %-62s %10s /s", m.Label, thousands(m.PerSecond))
	if m.Micros > 0 {
		line += fmt.Sprintf("  %9.1f µs", m.Micros)
	}
	if m.P99Ms > 0 {
		line += fmt.Sprintf("  p99 %.0f ms", m.P99Ms)
	}
	fmt.Fprintln(c.cfg.Progress, line)
}

func (c *comparison) measure(key string) Measure {
	for _, m := range c.report.Measures {
		if m.Key == key {
			return m
		}
	}
	return Measure{}
}

// validation measures gojsonschema alone, then Guichet's validation (the
// same with its limits and formats), each on one core.
func (c *comparison) validation(ctx context.Context) error {
	fmt.Fprintln(c.cfg.Progress, c.say("Validation des réponses (un cœur) :", "Validating the answers (one core):"))
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(c.form.Schema))
	if err != nil {
		return err
	}
	rate, micros, err := throughput(ctx, c.cfg.Step/2, 1, func(_ context.Context, _ int) (int, error) {
		_, err := schema.Validate(gojsonschema.NewBytesLoader(c.data[0]))
		return 1, err
	})
	if err != nil {
		return err
	}
	c.add(Measure{
		Key:       "gojsonschema",
		Label:     c.say("gojsonschema seul, schéma compilé", "gojsonschema alone, compiled schema"),
		Callers:   1,
		PerSecond: rate,
		Micros:    micros,
	})
	i := 0
	rate, micros, err = throughput(ctx, c.cfg.Step/2, 1, func(_ context.Context, _ int) (int, error) {
		i++
		return 1, c.form.Validate(c.data[i%len(c.data)])
	})
	if err != nil {
		return err
	}
	c.add(Measure{
		Key:       "validate",
		Label:     c.say("validation de Guichet (limites, formats, gojsonschema)", "Guichet's validation (limits, formats, gojsonschema)"),
		Callers:   1,
		PerSecond: rate,
		Micros:    micros,
	})
	return nil
}

// pdf measures fpdf used plainly and Guichet's record, on one core, then
// Guichet's record on every core.
func (c *comparison) pdf(ctx context.Context) error {
	fmt.Fprintln(c.cfg.Progress, c.say("Récapitulatifs PDF :", "PDF records:"))
	doc := func(i int) processors.RecordDocument {
		return processors.RecordDocument{
			Organisation: "Département de la Moselle",
			FormTitle:    c.form.Title,
			FormVersion:  c.form.Version.Version,
			Reference:    submit.ReferenceOf(uint64(i+1), time.Now()),
			SubmittedAt:  time.Now(),
			Answers:      c.form.Answers(c.data[i%len(c.data)]),
			DataSHA256:   "9f2c5d8e4b7a1c3f6e0d2b9a8c7f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f",
		}
	}
	cores := runtime.GOMAXPROCS(0)
	figures := []struct {
		key, label string
		callers    int
		render     func(io.Writer, processors.RecordDocument) error
	}{
		{
			"pdf-naive",
			c.say(
				"fpdf tel quel (police UTF-8 chargée à chaque document), un cœur",
				"fpdf as it is (UTF-8 font loaded for each document), one "+
					"core",
			),
			1,
			naiveRecord,
		},
		{"pdf", c.say("récapitulatif de Guichet, un cœur", "Guichet's record, one core"), 1, processors.RenderRecord},
		{
			"pdf-cores",
			fmt.Sprintf(c.say("récapitulatif de Guichet, %d cœurs", "Guichet's record, %d cores"), cores),
			cores,
			processors.RenderRecord,
		},
	}
	for _, f := range figures {
		var rendered atomic.Int64
		rate, micros, err := throughput(ctx, c.cfg.Step/2, f.callers, func(context.Context, int) (int, error) {
			var buf bytes.Buffer
			return 1, f.render(&buf, doc(int(rendered.Add(1))))
		})
		if err != nil {
			return err
		}
		c.add(Measure{Key: f.key, Label: f.label, Callers: f.callers, PerSecond: rate, Micros: micros})
	}
	return nil
}

// rawPublish measures JetStream alone, on a bare server, with the
// submissions as Guichet stores them.
func (c *comparison) rawPublish(ctx context.Context) error {
	fmt.Fprintln(c.cfg.Progress, c.say("Publication JetStream brute (serveur nu, même flux, mêmes messages) :", "Raw JetStream publishing "+
		"(bare server, same stream, same messages):"))
	synced, err := startRawStream(ctx, c.dir, true)
	if err != nil {
		return err
	}
	defer synced.close()
	rate, micros, err := synced.publish(ctx, c.cfg.Step, 1, c.form.ID, c.messages)
	if err != nil {
		return err
	}
	c.add(Measure{
		Key:       "publish-sync-1",
		Label:     c.say("publication synchronisée sur disque, 1 éditeur", "publish synced to disk, 1 publisher"),
		Callers:   1,
		PerSecond: rate,
		Micros:    micros,
	})
	rate, micros, err = synced.publish(ctx, c.cfg.Step, c.cfg.Clients, c.form.ID, c.messages)
	if err != nil {
		return err
	}
	c.add(Measure{
		Key: "publish-sync-n",
		Label: fmt.Sprintf(
			c.say("publication synchronisée sur disque, %d éditeurs", "publish synced to disk, %d publishers"),
			c.cfg.Clients,
		),
		Callers:   c.cfg.Clients,
		PerSecond: rate,
		Micros:    micros,
	})
	rate, micros, err = synced.publishBatches(ctx, c.cfg.Step, c.form.ID, c.messages)
	if err != nil {
		return err
	}
	c.add(Measure{
		Key: "batch-sync",
		Label: fmt.Sprintf(
			c.say("lots atomiques de %d, synchronisés, 1 éditeur", "atomic batches of %d, synced, 1 publisher"),
			rawBatch,
		),
		Callers:   1,
		PerSecond: rate,
		Micros:    micros,
	})
	unsynced, err := startRawStream(ctx, c.dir, false)
	if err != nil {
		return err
	}
	defer unsynced.close()
	rate, micros, err = unsynced.publish(ctx, c.cfg.Step, c.cfg.Clients, c.form.ID, c.messages)
	if err != nil {
		return err
	}
	c.add(Measure{
		Key: "publish-nosync-n",
		Label: fmt.Sprintf(
			c.say("publication sans synchronisation, %d éditeurs", "publish without sync, %d publishers"),
			c.cfg.Clients,
		),
		Callers:   c.cfg.Clients,
		PerSecond: rate,
		Micros:    micros,
	})
	return nil
}

// naiveHTTP measures the plain HTTP path, with and without a disk sync
// per write.
func (c *comparison) naiveHTTP(ctx context.Context) error {
	fmt.Fprintf(
		c.cfg.Progress,
		c.say("Chemin HTTP simple (Huma, gojsonschema, une publication par requête), %d clients :\n", "Plain HTTP path "+
			"(Huma, gojsonschema, one publish per request), %d clients:\n"),
		c.cfg.Clients,
	)
	for _, syncAlways := range []bool{true, false} {
		raw, err := startRawStream(ctx, filepath.Join(c.dir, "naive"), syncAlways)
		if err != nil {
			return err
		}
		naive, err := startNaive(raw.server.JS, c.form)
		if err != nil {
			raw.close()
			return err
		}
		key, label := "naive-sync", c.say("chemin simple, synchronisé sur disque", "plain path, synced to disk")
		if !syncAlways {
			key, label = "naive-nosync", c.say("chemin simple, sans synchronisation", "plain path, without sync")
		}
		err = c.load(ctx, naive.URL, key, label)
		naive.close()
		raw.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// guichetHTTP measures Guichet's own path: every 201 is on disk.
func (c *comparison) guichetHTTP(ctx context.Context, base string) error {
	fmt.Fprintf(c.cfg.Progress, c.say("Guichet (HTTP, validation, lot atomique synchronisé), %d clients :\n", "Guichet (HTTP, validation, "+
		"synced atomic batch), %d clients:\n"), c.cfg.Clients)
	if c.cfg.Profile != nil {
		if err := pprof.StartCPUProfile(c.cfg.Profile); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return c.load(ctx, base, "guichet", c.say("dépôts Guichet, chaque 201 écrit sur disque", "Guichet submissions, each 201 on disk"))
}

// endToEnd measures the whole pipeline in one process, as a newcomer
// starts it: intake, the receipt signed, the PDF record, routing, every
// write synced. The load lasts one step; the figure is the submissions
// accepted a second, from its start until the last of a sample spread
// over it has been through every stage.
func (c *comparison) endToEnd(ctx context.Context) error {
	fmt.Fprintf(
		c.cfg.Progress,
		c.say("Guichet de bout en bout (tout en un : accueil, récépissé, PDF, orientation), %d clients :\n", "Guichet end to end "+
			"(all in one: intake, receipt, PDF, routing), %d clients:\n"),
		c.cfg.Clients,
	)
	a, base, err := startGuichet(ctx, filepath.Join(c.dir, "all-in-one"), app.RoleAll)
	if err != nil {
		return err
	}
	defer func() { _ = a.Shutdown(context.Background()) }() // a measure, its directory removed after
	r, err := loadgen.Run(ctx, loadgen.Config{URL: base, Form: c.form.ID, Clients: c.cfg.Clients, Duration: c.cfg.Step, Seed: 1,
		LagSample: 500, LagTimeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	if r.Lag == nil || r.Lag.Done != r.Lag.Followed {
		return fmt.Errorf("end to end: followed submissions did not get to the end (%+v)", r.Lag)
	}
	c.add(Measure{
		Key:       "end-to-end",
		Label:     c.say("dépôts traités de bout en bout, tout en un", "submissions processed end to end, all in one"),
		Callers:   c.cfg.Clients,
		PerSecond: r.Lag.EndToEnd,
		Micros:    r.Lag.Lag.P50 * 1000,
		P99Ms:     r.Lag.Lag.P99,
	})
	// Each submission costs the machine its intake and its PDF record at
	// least, on every core: the ceiling leaves out the lighter stages.
	intake, pdf := c.measure("guichet").PerSecond, c.measure("pdf-cores").PerSecond
	if intake > 0 && pdf > 0 {
		ceiling := 1 / (1/intake + 1/pdf)
		c.add(Measure{
			Key: "end-to-end-ceiling",
			Label: c.say(
				"plafond de bout en bout : coût de l'accueil + coût du PDF",
				"end-to-end ceiling: intake's cost + the PDF's cost",
			),
			Callers:   runtime.GOMAXPROCS(0),
			PerSecond: ceiling,
			Micros:    1e6 / ceiling,
		})
	}
	return nil
}

// load drives an HTTP path with the load generator, the same answers as
// every other figure.
func (c *comparison) load(ctx context.Context, base, key, label string) error {
	r, err := loadgen.Run(ctx, loadgen.Config{URL: base, Form: c.form.ID, Clients: c.cfg.Clients, Duration: c.cfg.Step, Seed: 1})
	if err != nil {
		return err
	}
	if r.Accepted != r.Sent {
		return fmt.Errorf("%s: %d submissions sent, %d accepted (%v, %v)", label, r.Sent, r.Accepted, r.ByStatus, r.FirstErrors)
	}
	c.add(
		Measure{Key: key, Label: label, Callers: c.cfg.Clients, PerSecond: r.PerSecond, Micros: r.Latency.P50 * 1000, P99Ms: r.Latency.P99},
	)
	return nil
}

// ratios are the comparisons the figures exist for.
func (c *comparison) ratios() []Ratio {
	pairs := []Ratio{
		{Label: c.say("PDF : Guichet / fpdf tel quel, un cœur", "PDF: Guichet / fpdf as it is, one core"), Of: "pdf", To: "pdf-naive"},
		{
			Label: c.say("dépôts Guichet / chemin simple synchronisé", "Guichet submissions / plain path synced"),
			Of:    "guichet",
			To:    "naive-sync",
		},
		{
			Label: c.say("dépôts Guichet / chemin simple sans synchronisation", "Guichet submissions / plain path without sync"),
			Of:    "guichet",
			To:    "naive-nosync",
		},
		{
			Label: c.say(
				"dépôts Guichet / publication brute synchronisée, 1 éditeur",
				"Guichet submissions / raw publish synced, 1 publisher",
			),
			Of: "guichet",
			To: "publish-sync-1",
		},
		{
			Label: c.say(
				"dépôts Guichet / publication brute synchronisée, en parallèle",
				"Guichet submissions / raw publish synced, in parallel",
			),
			Of: "guichet",
			To: "publish-sync-n",
		},
		{
			Label: c.say("dépôts Guichet / lots atomiques bruts", "Guichet submissions / raw atomic batches"),
			Of:    "guichet",
			To:    "batch-sync",
		},
		{
			Label: c.say("publication synchronisée / sans synchronisation, en parallèle", "publish synced / without sync, in parallel"),
			Of:    "publish-sync-n",
			To:    "publish-nosync-n",
		},
		{
			Label: c.say("lots atomiques / publication synchronisée en parallèle", "atomic batches / publish synced in parallel"),
			Of:    "batch-sync",
			To:    "publish-sync-n",
		},
		{
			Label: c.say("validation de Guichet / gojsonschema seul", "Guichet's validation / gojsonschema alone"),
			Of:    "validate",
			To:    "gojsonschema",
		},
		{
			Label: c.say("de bout en bout / plafond de la machine (accueil + PDF)", "end to end / the machine's ceiling (intake + PDF)"),
			Of:    "end-to-end",
			To:    "end-to-end-ceiling",
		},
	}
	var out []Ratio
	for _, p := range pairs {
		of, to := c.measure(p.Of), c.measure(p.To)
		if of.PerSecond > 0 && to.PerSecond > 0 {
			p.Value = of.PerSecond / to.PerSecond
			out = append(out, p)
		}
	}
	return out
}

// goals are the performance goals, against the figures.
func (c *comparison) goals() []Goal {
	guichet := c.measure("guichet")
	goals := []Goal{
		{
			Label: c.say(
				"dépôts traités de bout en bout par seconde, tout en un",
				"submissions processed end to end a second, all in one",
			),
			Target:   1000,
			Measured: c.measure("end-to-end").PerSecond,
		},
		{
			Label: c.say(
				"dépôts durables par seconde (HTTP, 201 après écriture sur disque)",
				"durable submissions a second (HTTP, 201 after "+
					"the write on disk)",
			),
			Target:   8000,
			Measured: guichet.PerSecond,
		},
		{
			Label:    c.say("latence p99 des dépôts, en ms", "p99 latency of submissions, in ms"),
			Target:   50,
			Measured: guichet.P99Ms,
			AtMost:   true,
		},
		{
			Label:    c.say("récapitulatifs PDF par seconde, tous cœurs", "PDF records a second, every core"),
			Target:   1000,
			Measured: c.measure("pdf-cores").PerSecond,
		},
		{
			Label:    c.say("PDF : facteur sur fpdf tel quel", "PDF: factor over fpdf as it is"),
			Target:   7,
			Measured: c.measure("pdf").PerSecond / max(c.measure("pdf-naive").PerSecond, 1e-9),
		},
	}
	for i, g := range goals {
		goals[i].Met = g.Measured >= g.Target
		if g.AtMost {
			goals[i].Met = g.Measured > 0 && g.Measured <= g.Target
		}
	}
	return goals
}

// Print writes the report as text, in the report's language.
func (r *Report) Print(w io.Writer) {
	l := r.Lang
	fmt.Fprintf(w, locale.Say(l, "\nMachine : %s, %d cœurs, %s, nats-server %s\n", "\nMachine: %s, %d cores, %s, nats-server %s\n"),
		r.Machine.CPU, r.Machine.Cores, r.Machine.Go, r.Machine.NATSServer)
	fmt.Fprintf(w, locale.Say(l, "Formulaire : %s (réponses de %d octets en moyenne), durée totale %.0f s\n\n",
		"Form: %s (answers of %d bytes on average), %.0f s in all\n\n"), r.Form, r.PayloadBytes, r.Seconds)
	fmt.Fprintf(
		w,
		"%-66s %12s %12s %10s\n",
		locale.Say(l, "Mesure", "Measure"),
		locale.Say(l, "par seconde", "a second"),
		locale.Say(l, "µs par op.", "µs an op."),
		"p99",
	)
	for _, m := range r.Measures {
		p99 := ""
		if m.P99Ms > 0 {
			p99 = fmt.Sprintf("%.0f ms", m.P99Ms)
		}
		fmt.Fprintf(w, "%-66s %12s %12.1f %10s\n", m.Label, thousands(m.PerSecond), m.Micros, p99)
	}
	fmt.Fprintln(w, locale.Say(l, "\nRapports (débit de l'un sur débit de l'autre) :", "\nRatios (the one's throughput over the other's):"))
	for _, ratio := range r.Ratios {
		fmt.Fprintf(w, "  %-66s ×%.2f\n", ratio.Label, ratio.Value)
	}
	fmt.Fprintln(w, locale.Say(l, "\nObjectifs :", "\nGoals:"))
	for _, g := range r.Goals {
		mark, sign := locale.Say(l, "atteint", "met"), "≥"
		if !g.Met {
			mark = locale.Say(l, "NON ATTEINT", "MISSED")
		}
		if g.AtMost {
			sign = "≤"
		}
		fmt.Fprintf(
			w,
			locale.Say(l, "  %-66s %s %s : %s (%s)\n", "  %-66s %s %s: %s (%s)\n"),
			g.Label,
			sign,
			thousands(g.Target),
			thousands(g.Measured),
			mark,
		)
	}
}

// say is, of a French and an English text, the one in the comparison's
// language.
func (c *comparison) say(fr, en string) string { return locale.Say(c.cfg.Lang, fr, en) }

// thousands writes a figure with a narrow space between thousands, as
// French does, and a decimal only for small ones.
func thousands(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "\u202f" + s[i:]
	}
	return s
}

func machine() Machine {
	m := Machine{CPU: "inconnu", Cores: runtime.NumCPU(), Go: runtime.Version(), NATSServer: server.VERSION}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range bytes.Lines(raw) {
			if name, ok := bytes.CutPrefix(line, []byte("model name")); ok {
				_, value, _ := bytes.Cut(name, []byte(":"))
				m.CPU = string(bytes.TrimSpace(value))
				break
			}
		}
	}
	return m
}
