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
)

const loadUsage = `Utilisation : guichet-bench load [options]

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

Options :
`

const loadExamples = `
Exemples :
  guichet-bench load -duration 30s -clients 64
  guichet-bench load -form aide-transport-scolaire -rate 500 -duration 1m -invalid 0.05
  guichet-bench load -count 100000 -clients 256 -json > charge.json
  guichet-bench load -compare
`

func runLoad(args []string, stdout, stderr io.Writer) error {
	var cfg loadgen.Config
	var asJSON bool
	fs := flag.NewFlagSet("guichet-bench load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, loadUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, loadExamples)
	}
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "adresse du Guichet à charger")
	fs.StringVar(&cfg.Form, "form", "", "identifiant d'un formulaire public publié (par défaut, le premier de la liste)")
	fs.IntVar(&cfg.Clients, "clients", 32, "nombre de clients en parallèle")
	fs.Float64Var(&cfg.Rate, "rate", 0, "débit visé en dépôts par seconde, tous clients ensemble (0 : au plus vite)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "durée de la charge (0 : jusqu'à -count)")
	fs.IntVar(&cfg.Count, "count", 0, "nombre de dépôts à envoyer (0 : pendant -duration)")
	fs.Float64Var(&cfg.Invalid, "invalid", 0, "part des dépôts aux réponses invalides, de 0 à 1")
	fs.BoolVar(&cfg.IdempotencyKeys, "idempotency", false, "envoie chaque dépôt avec sa clé d'idempotence")
	var seed uint
	fs.UintVar(&seed, "seed", 1, "graine des réponses aléatoires")
	fs.IntVar(&cfg.LagSample, "lag-sample", 1000, "nombre de dépôts suivis jusqu'à leur orientation et leur PDF (0 : aucun)")
	fs.DurationVar(&cfg.LagTimeout, "lag-timeout", 3*time.Minute, "attente maximale du traitement des dépôts suivis")
	fs.StringVar(&cfg.MetricsToken, "token", "", "jeton d'API d'un administrateur : le rapport dit alors ce que le serveur a écrit, par "+
		"flux et par dépôt, d'après /metrics (par défaut $GUICHET_ADMIN_TOKEN)")
	fs.BoolVar(&asJSON, "json", false, "écrit le rapport en JSON sur la sortie standard")
	var compareMode bool
	var step time.Duration
	fs.BoolVar(&compareMode, "compare", false, "mesure Guichet côte à côte avec les plafonds bruts de la machine (voir plus haut)")
	fs.DurationVar(&step, "step", 6*time.Second, "avec -compare, durée de chaque mesure")
	var profile string
	fs.StringVar(&profile, "cpuprofile", "", "avec -compare, écrit dans ce fichier le profil CPU (pprof) de la mesure de Guichet")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see guichet-bench load -help)", fs.Arg(0))
	}
	// The token is read here, not as the flag's default, so that -help
	// never prints it.
	cfg.MetricsToken = cmp.Or(cfg.MetricsToken, os.Getenv("GUICHET_ADMIN_TOKEN"))
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
		ccfg := compare.Config{Step: step, Clients: clients, Form: cfg.Form, Progress: stderr}
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
