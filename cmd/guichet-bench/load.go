package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/guichet/guichet/internal/bench/compare"
	"github.com/guichet/guichet/internal/bench/loadgen"
	"github.com/guichet/guichet/internal/platform/locale"
)

var loadUsage = locale.Text{FR: `Utilisation : guichet-bench load [options]

Envoie des dépôts à un Guichet en marche, avec des réponses aléatoires
réalistes que le formulaire accepte (et une part de réponses refusées si
demandé), par plusieurs clients en parallèle, au plus vite ou à un débit
cible. Affiche ensuite le débit, les percentiles de latence, les réponses par
statut HTTP, et le délai de traitement (du dépôt à l'orientation) d'un
échantillon de dépôts suivis jusqu'au bout : orientés, récépissé signé et
PDF prêt. Il en tire le débit de bout en bout, que toutes les étapes
tiennent ensemble. Avec le jeton d'API d'un
administrateur (-token ou $GUICHET_ADMIN_TOKEN), il dit aussi ce que le
serveur a écrit : écritures et synchronisations sur disque par dépôt, lots
atomiques par seconde, et le détail par flux.

Le serveur limite les dépôts par adresse : pour un essai de charge, lancez-le
avec --submit-rate 0.

Avec -compare, aucun serveur n'est nécessaire : la commande démarre elle-même
Guichet (API seule, dans un dossier temporaire) et mesure côte à côte, sur les
mêmes réponses, les plafonds bruts de la machine (publication JetStream avec
et sans synchronisation sur disque, lots atomiques, gojsonschema seul, fpdf
tel quel, chemin HTTP simple) et Guichet, puis affiche les rapports et les
objectifs. Elle mesure enfin Guichet tout en un, de bout en bout (accueil,
récépissé, PDF, orientation), et le compare au plafond de la machine tiré des
coûts mesurés de l'accueil et du PDF. Elle dure environ 17 fois -step.

Les textes sont en anglais quand $GUICHET_LANG, ou à défaut $LANG, commence
par « en » ; en français sinon.

Options :
`, EN: `Usage: guichet-bench load [options]

Sends submissions to a running Guichet, with realistic random answers the
form accepts (and a share of refused answers if asked), from several
clients in parallel, as fast as possible or at a target rate. Then prints
the throughput, the latency percentiles, the answers by HTTP status, and
the processing delay (from submission to routing) of a sample of
submissions followed to the end: routed, receipt signed and PDF ready. It
draws from them the end-to-end throughput, that every stage sustains
together. With an admin's API token (-token or $GUICHET_ADMIN_TOKEN), it
also says what the server wrote: writes and disk syncs per submission,
atomic batches a second, and each stream's share.

The server bounds the submissions of each address: for a load test, start
it with --submit-rate 0.

With -compare, no server is needed: the command starts Guichet itself (API
only, in a temporary directory) and measures side by side, on the same
answers, the machine's raw ceilings (JetStream publishing with and without
a disk sync, atomic batches, gojsonschema alone, fpdf as it is, a plain
HTTP path) and Guichet, then prints the ratios and the goals. It last
measures Guichet all in one, end to end (intake, receipt, PDF, routing),
and compares it with the machine's ceiling drawn from the measured costs
of intake and of the PDF. It lasts about 17 times -step.

The texts are in English when $GUICHET_LANG, or else $LANG, starts with
"en"; in French otherwise.

Options:
`}

var loadExamples = locale.Text{FR: `
Exemples :
  guichet-bench load -duration 30s -clients 64
  guichet-bench load -form aide-transport-scolaire -rate 500 -duration 1m -invalid 0.05
  guichet-bench load -count 100000 -clients 256 -json > charge.json
  guichet-bench load -compare
`, EN: `
Examples:
  guichet-bench load -duration 30s -clients 64
  guichet-bench load -form aide-transport-scolaire -rate 500 -duration 1m -invalid 0.05
  guichet-bench load -count 100000 -clients 256 -json > load.json
  guichet-bench load -compare
`}

func runLoad(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	lang := locale.FromEnvironment(getenv)
	cfg := loadgen.Config{Lang: lang}
	var asJSON bool
	fs := flag.NewFlagSet("guichet-bench load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, loadUsage.In(lang))
		fs.PrintDefaults()
		fmt.Fprint(stderr, loadExamples.In(lang))
	}
	fs.StringVar(
		&cfg.URL,
		"url",
		"http://127.0.0.1:8080",
		locale.Say(lang, "adresse du Guichet à charger", "address of the Guichet to load"),
	)
	fs.StringVar(
		&cfg.Form,
		"form",
		"",
		locale.Say(lang, "identifiant d'un formulaire public publié (par défaut, le premier de la liste)", "id of a published "+
			"public form (by default, the first of the list)"),
	)
	fs.IntVar(&cfg.Clients, "clients", 32, locale.Say(lang, "nombre de clients en parallèle", "number of clients in parallel"))
	fs.Float64Var(
		&cfg.Rate,
		"rate",
		0,
		locale.Say(lang, "débit visé en dépôts par seconde, tous clients ensemble (0 : au plus vite)", "target rate in "+
			"submissions a second, every client together (0: as fast as possible)"),
	)
	fs.DurationVar(
		&cfg.Duration,
		"duration",
		10*time.Second,
		locale.Say(lang, "durée de la charge (0 : jusqu'à -count)", "duration of the "+
			"load (0: until -count)"),
	)
	fs.IntVar(
		&cfg.Count,
		"count",
		0,
		locale.Say(lang, "nombre de dépôts à envoyer (0 : pendant -duration)", "number of submissions to send "+
			"(0: during -duration)"),
	)
	fs.Float64Var(&cfg.Invalid, "invalid", 0, locale.Say(lang, "part des dépôts aux réponses invalides, de 0 à 1", "share of submissions "+
		"with invalid answers, from 0 to 1"))
	fs.BoolVar(&cfg.IdempotencyKeys, "idempotency", false, locale.Say(lang, "envoie chaque dépôt avec sa clé d'idempotence", "sends each "+
		"submission with its idempotency key"))
	var seed uint
	fs.UintVar(&seed, "seed", 1, locale.Say(lang, "graine des réponses aléatoires", "seed of the random answers"))
	fs.IntVar(
		&cfg.LagSample,
		"lag-sample",
		1000,
		locale.Say(lang, "nombre de dépôts suivis jusqu'à leur orientation et leur PDF (0 : aucun)", "number of "+
			"submissions followed to their routing and their PDF (0: none)"),
	)
	fs.DurationVar(
		&cfg.LagTimeout,
		"lag-timeout",
		3*time.Minute,
		locale.Say(lang, "attente maximale du traitement des dépôts suivis", "longest wait for "+
			"the processing of the followed submissions"),
	)
	fs.StringVar(&cfg.MetricsToken, "token", "", locale.Say(lang,
		"jeton d'API d'un administrateur : le rapport dit alors ce que le serveur a écrit, par flux et par dépôt, d'après /metrics "+
			"(par défaut $GUICHET_ADMIN_TOKEN)",
		"an admin's API token: the report then says what the server wrote, by stream and per submission, from /metrics "+
			"(by default $GUICHET_ADMIN_TOKEN)"))
	fs.BoolVar(&asJSON, "json", false, locale.Say(lang, "écrit le rapport en JSON sur la sortie standard", "writes the report as JSON to "+
		"the standard output"))
	var compareMode bool
	var step time.Duration
	fs.BoolVar(&compareMode, "compare", false, locale.Say(lang, "mesure Guichet côte à côte avec les plafonds bruts de la machine (voir "+
		"plus haut)", "measures Guichet "+
		"side by side with the machine's raw ceilings (see above)"))
	fs.DurationVar(
		&step,
		"step",
		6*time.Second,
		locale.Say(lang, "avec -compare, durée de chaque mesure", "with -compare, duration of each "+
			"measure"),
	)
	var profile string
	fs.StringVar(&profile, "cpuprofile", "", locale.Say(lang, "avec -compare, écrit dans ce fichier le profil CPU (pprof) de la mesure de "+
		"Guichet", "with -compare, "+
		"writes the CPU profile (pprof) of Guichet's measure to this file"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see guichet-bench load -help)", fs.Arg(0))
	}
	// The token is read here, not as the flag's default, so that -help
	// never prints it.
	cfg.MetricsToken = cmp.Or(cfg.MetricsToken, getenv("GUICHET_ADMIN_TOKEN"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if compareMode {
		if step < time.Second {
			return fmt.Errorf("-step %v: one second at least", step)
		}
		clients := 0 // the comparison's own default
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "clients" {
				clients = cfg.Clients
			}
		})
		ccfg := compare.Config{Step: step, Clients: clients, Form: cfg.Form, Progress: stderr, Lang: lang}
		if profile != "" {
			f, err := os.Create(profile)
			if err != nil {
				return err
			}
			defer f.Close()
			ccfg.Profile = f
		}
		report, err := compare.Run(ctx, ccfg)
		if err != nil {
			return err
		}
		return printReport(stdout, report, asJSON)
	}
	if cfg.Invalid < 0 || cfg.Invalid > 1 {
		return fmt.Errorf("-invalid %v: want a share from 0 to 1", cfg.Invalid)
	}
	if cfg.Duration <= 0 && cfg.Count <= 0 {
		return errors.New("-duration or -count is needed")
	}
	cfg.Seed = uint64(seed)
	cfg.Progress = stderr
	report, err := loadgen.Run(ctx, cfg)
	if report == nil {
		return err
	}
	if err := printReport(stdout, report, asJSON); err != nil {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return nil // interrupted: the report covers what was sent
	}
	return err
}

// printReport writes a report as indented JSON, or as its own text.
func printReport(w io.Writer, report interface{ Print(io.Writer) }, asJSON bool) error {
	if !asJSON {
		report.Print(w)
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}
