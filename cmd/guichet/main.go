// Command guichet runs Guichet: an embedded NATS server (or a connection to
// a cluster), the processors, and the HTTP API, in one process.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/mailer"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/web"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "guichet:", err)
		os.Exit(1)
	}
}

const usage = `Guichet — formulaires en ligne et dépôt de dossiers.

Utilisation : guichet [serve] [options]
              guichet forms lint|export|import …
                                       (formulaires en fichiers : guichet forms -help)
              guichet load [options]   (essai de charge : guichet load -help)
              guichet version          (version et révision de ce binaire)

Démarre tout dans un seul processus : un serveur NATS embarqué avec JetStream
(données dans GUICHET_DATA_DIR), les traitements (PDF, orientation) et l'API
HTTP : les démarches sur /, l'API sur /api (documentation sur /api/docs).

Au premier démarrage, des services et des formulaires de démonstration sont
créés, et le mot de passe de l'administrateur initial (avec un jeton d'API si
GUICHET_ADMIN_TOKEN n'est pas fixé) est affiché une fois.

Sur un cluster NATS (GUICHET_NATS_URL, GUICHET_REPLICAS=3), chaque processus
peut ne tenir qu'un rôle : « serve --role api » pour les nœuds derrière le
répartiteur de charge, « serve --role processors » pour les traitements, qui
se partagent le travail (voir docs/cluster.md).

Options (chacune a sa variable d'environnement ; l'option l'emporte) :
`

const envHelp = `
Autres variables d'environnement :
  GUICHET_ADMIN_TOKEN   jeton « Bearer » de l'administrateur initial
                        (sinon, généré et affiché au premier démarrage)
  GUICHET_SMTP_PASSWORD mot de passe sur le relais SMTP (jamais en option,
                        jamais dans les journaux)
  GUICHET_NATS_CREDS    fichier .creds (JWT et graine NKey) pour GUICHET_NATS_URL
  GUICHET_NATS_NKEY     fichier de la graine NKey d'un utilisateur, pour
                        GUICHET_NATS_URL sans JWT

Ctrl-C ou SIGTERM arrête proprement : les requêtes et traitements en cours
se terminent, puis les données sont écrites sur disque.

Exemples :
  GUICHET_ADMIN_TOKEN=mon-jeton-secret guichet -addr 127.0.0.1:9090
  GUICHET_NATS_URL=nats://n1:4222,nats://n2:4222,nats://n3:4222 \
    GUICHET_NATS_CREDS=/etc/guichet/guichet.creds GUICHET_REPLICAS=3 \
    guichet serve --role api
`

// settings are the command's options, read from flags over environment
// variables over defaults.
type settings struct {
	addr, dataDir, natsURL, natsListen, organisation, logFormat string
	publicURL, natsCreds, natsNKey                              string
	role                                                        app.Role
	maxStore                                                    int64
	submitRate                                                  int
	drainDelay                                                  time.Duration
	mail                                                        mailer.Config
	cookies                                                     web.CookiePolicy
	theme                                                       web.Theme
	replicas                                                    int
	demo                                                        bool
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (settings, error) {
	env := func(name, fallback string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return fallback
	}
	// "serve" is the default command; "load" is handled by run.
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	var s settings
	fs := flag.NewFlagSet("guichet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, envHelp)
	}
	fs.StringVar(&s.addr, "addr", env("GUICHET_ADDR", "127.0.0.1:8080"), "adresse d'écoute HTTP (GUICHET_ADDR)")
	fs.StringVar(&s.dataDir, "data-dir", env("GUICHET_DATA_DIR", "./data"), "dossier des données du NATS embarqué (GUICHET_DATA_DIR)")
	fs.StringVar(&s.natsURL, "nats-url", env("GUICHET_NATS_URL", ""), "URL d'un cluster NATS existant, au lieu du serveur embarqué (GUICHET_NATS_URL)")
	role := env("GUICHET_ROLE", string(app.RoleAll))
	fs.StringVar(&role, "role", role, "ce que fait ce processus : all (tout), api (API et pages) ou processors (traitements) (GUICHET_ROLE)")
	maxStore := env("GUICHET_MAX_STORE", "")
	fs.StringVar(&maxStore, "max-store", maxStore, "place que le NATS embarqué peut prendre sur disque, par exemple 50GB ; au-delà, les dépôts sont refusés (503) jusqu'à ce que de la place se libère ; par défaut, les trois quarts de l'espace libre au démarrage (GUICHET_MAX_STORE)")
	fs.StringVar(&s.natsListen, "nats-listen", env("GUICHET_NATS_LISTEN", ""), "ouvre le NATS embarqué au CLI nats sur cette adresse, par exemple 127.0.0.1:4222 (GUICHET_NATS_LISTEN)")
	fs.StringVar(&s.organisation, "organisation", env("GUICHET_ORGANISATION", "Département de la Moselle"), "nom de l'organisation sur les PDF (GUICHET_ORGANISATION)")
	fs.StringVar(&s.logFormat, "log-format", env("GUICHET_LOG_FORMAT", "text"), "format des journaux : text ou json (GUICHET_LOG_FORMAT)")
	replicas, err := strconv.Atoi(env("GUICHET_REPLICAS", "1"))
	if err != nil {
		return s, fmt.Errorf("GUICHET_REPLICAS=%q : un nombre est attendu (1 ou 3)", getenv("GUICHET_REPLICAS"))
	}
	fs.IntVar(&s.replicas, "replicas", replicas, "réplication des flux et des compartiments sur un cluster : 1 ou 3 (GUICHET_REPLICAS)")
	demo, err := parseBool(env("GUICHET_DEMO", "1"))
	if err != nil {
		return s, fmt.Errorf("GUICHET_DEMO=%q : 0 ou 1 attendu", getenv("GUICHET_DEMO"))
	}
	fs.BoolVar(&s.demo, "demo", demo, "crée le contenu de démonstration dans un dossier de données vide (GUICHET_DEMO=0 pour s'en passer)")
	cookies := env("GUICHET_SECURE_COOKIES", "auto")
	fs.StringVar(&cookies, "secure-cookies", cookies, "cookies « Secure » : auto (si la requête arrive en HTTPS, directement ou par un proxy qui envoie X-Forwarded-Proto), always ou never (GUICHET_SECURE_COOKIES)")
	colour := env("GUICHET_COLOUR", "")
	fs.StringVar(&colour, "colour", colour, "couleur principale des pages, #rrggbb, lisible en texte blanc (GUICHET_COLOUR)")
	logo := env("GUICHET_LOGO", "")
	fs.StringVar(&logo, "logo", logo, "fichier du logo (PNG, JPEG ou WebP, 512 Kio au plus) affiché en tête des pages (GUICHET_LOGO)")
	submitRate, err := strconv.Atoi(env("GUICHET_SUBMIT_RATE", "60"))
	if err != nil || submitRate < 0 {
		return s, fmt.Errorf("GUICHET_SUBMIT_RATE=%q : un nombre de dépôts par minute est attendu (0 : sans limite)", getenv("GUICHET_SUBMIT_RATE"))
	}
	fs.IntVar(&s.submitRate, "submit-rate", submitRate, "dépôts par minute permis à une même adresse, avec des pointes de 20 ; 0 : sans limite (GUICHET_SUBMIT_RATE)")
	drainDelay, err := time.ParseDuration(env("GUICHET_DRAIN_DELAY", "0s"))
	if err != nil || drainDelay < 0 {
		return s, fmt.Errorf("GUICHET_DRAIN_DELAY=%q : une durée est attendue, par exemple 10s", getenv("GUICHET_DRAIN_DELAY"))
	}
	fs.DurationVar(&s.drainDelay, "drain-delay", drainDelay, "à l'arrêt, durée pendant laquelle /readyz répond 503 tout en servant encore, pour que le répartiteur de charge cesse d'envoyer des requêtes (GUICHET_DRAIN_DELAY)")
	fs.StringVar(&s.publicURL, "public-url", env("GUICHET_PUBLIC_URL", ""), "adresse publique du site, pour les liens des courriels, par exemple https://demarches.moselle.fr (GUICHET_PUBLIC_URL ; par défaut, http:// et l'adresse d'écoute)")
	fs.StringVar(&s.mail.Addr, "smtp-addr", env("GUICHET_SMTP_ADDR", ""), "relais SMTP hôte:port pour écrire aux usagers ; vide : aucun courriel (GUICHET_SMTP_ADDR)")
	fs.StringVar(&s.mail.From, "smtp-from", env("GUICHET_SMTP_FROM", "Guichet <ne-pas-repondre@localhost>"), "expéditeur des courriels (GUICHET_SMTP_FROM)")
	fs.StringVar(&s.mail.Username, "smtp-user", env("GUICHET_SMTP_USER", ""), "identifiant sur le relais, s'il en demande un (GUICHET_SMTP_USER ; le mot de passe dans GUICHET_SMTP_PASSWORD)")
	fs.StringVar(&s.mail.TLS, "smtp-tls", env("GUICHET_SMTP_TLS", mailer.StartTLS), "chiffrement vers le relais : starttls, tls ou none (GUICHET_SMTP_TLS)")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	// The password comes from the environment only: never on a command line.
	s.mail.Password = getenv("GUICHET_SMTP_PASSWORD")
	if s.mail.Enabled() {
		if _, err := mailer.New(s.mail); err != nil {
			return s, fmt.Errorf("GUICHET_SMTP_* : %w", err)
		}
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("argument inattendu %q (voir guichet -help)", fs.Arg(0))
	}
	if s.role, err = app.ParseRole(role); err != nil {
		return s, err
	}
	if maxStore != "" {
		n, err := humanize.ParseBytes(maxStore)
		if err != nil || n == 0 || n > math.MaxInt64 {
			return s, fmt.Errorf("place sur disque %q : une taille est attendue, par exemple 50GB", maxStore)
		}
		s.maxStore = int64(n)
	}
	s.natsCreds, s.natsNKey = getenv("GUICHET_NATS_CREDS"), getenv("GUICHET_NATS_NKEY")
	if (s.natsCreds != "" || s.natsNKey != "") && s.natsURL == "" {
		return s, errors.New("GUICHET_NATS_CREDS et GUICHET_NATS_NKEY servent à se connecter à GUICHET_NATS_URL, qui n'est pas fixée")
	}
	if s.replicas != 1 && s.replicas != 3 {
		return s, fmt.Errorf("réplication %d : 1 ou 3 attendu", s.replicas)
	}
	if s.cookies, err = web.ParseCookiePolicy(cookies); err != nil {
		return s, fmt.Errorf("GUICHET_SECURE_COOKIES : %w", err)
	}
	if s.theme, err = web.LoadTheme(colour, logo); err != nil {
		return s, err
	}
	if s.logFormat != "text" && s.logFormat != "json" {
		return s, fmt.Errorf("format de journaux %q : text ou json attendu", s.logFormat)
	}
	return s, nil
}

func parseBool(v string) (bool, error) {
	switch v {
	case "1", "true", "yes", "oui":
		return true, nil
	case "0", "false", "no", "non":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "load" {
		return runLoad(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "forms" {
		return runForms(args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && (args[0] == "version" || args[0] == "-version" || args[0] == "--version") {
		printVersion(stdout)
		return nil
	}
	s, err := parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if s.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Take the port first, so that a busy port fails before anything starts.
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	log.Info("starting", "role", s.role, "data_dir", s.dataDir, "nats_url_set", s.natsURL != "", "addr", addr)
	a, err := app.Start(ctx, app.Config{
		DataDir: s.dataDir, NATSURL: s.natsURL, NATSCredentials: s.natsCreds, NATSNKeySeed: s.natsNKey, NATSListen: s.natsListen,
		MaxStore: s.maxStore, Role: s.role,
		Replicas: s.replicas, AdminToken: getenv("GUICHET_ADMIN_TOKEN"), Demo: s.demo,
		Organisation: s.organisation, Cookies: s.cookies, Theme: s.theme, Logger: log,
		Mail: s.mail, PublicURL: cmp.Or(s.publicURL, "http://"+addr),
		SubmitRate: submit.RateLimit{PerMinute: s.submitRate, Burst: 20}, DrainDelay: s.drainDelay,
	})
	if err != nil {
		ln.Close()
		return err
	}
	a.Serve(ln)
	if b := a.Bootstrap; b.FirstStart {
		// Shown on the terminal once, never logged.
		fmt.Fprintf(stdout, "\nAdministrateur initial (affiché une seule fois, à conserver) :\n"+
			"  connexion : http://%s/login\n  identifiant : %s\n  mot de passe : %s\n", addr, identity.BootstrapAdminID, b.Password)
		if b.Token != "" {
			fmt.Fprintf(stdout, "  jeton d'API : %s\n  exemple : curl -H 'Authorization: Bearer %s' http://%s/api/departments\n", b.Token, b.Token, addr)
		}
		fmt.Fprintln(stdout)
	}
	log.Info("guichet ready", "url", "http://"+addr, "docs", "http://"+addr+"/api/docs")

	<-ctx.Done()
	stop()
	log.Info("stopping: finishing requests and processing in progress")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second+s.drainDelay)
	defer cancel()
	if err := a.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
