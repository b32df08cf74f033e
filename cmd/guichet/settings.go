package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/dustin/go-humanize"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/web"
)

// usage and envHelp frame the options in guichet -help.
var (
	usage = locale.Text{FR: `Guichet — formulaires en ligne et dépôt de dossiers.

Utilisation : guichet [serve] [options]
              guichet config check [options]
                                       (vérifie une configuration avant le démarrage)
              guichet forms lint|export|import …
                                       (formulaires en fichiers : guichet forms -help)
              guichet nats [options]   (le NATS embarqué seul, pour la maintenance)
              guichet receipts verify|rotate …
                                       (récépissés signés : guichet receipts -help)
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

Chaque réglage se donne, du plus fort au plus faible : par une option, par
sa variable d'environnement GUICHET_…, ou dans un fichier de configuration
TOML (-config ou GUICHET_CONFIG) où il porte le nom de l'option, par exemple
  addr = "0.0.0.0:8080"
  replicas = 3
À défaut, la valeur par défaut s'applique. Les secrets (GUICHET_ADMIN_TOKEN,
GUICHET_SMTP_PASSWORD) ne se donnent que par l'environnement.

Les textes sont en anglais quand $GUICHET_LANG, ou à défaut $LANG, commence
par « en » ; en français sinon.

Options :
`, EN: `Guichet — online forms and the filing of applications.

Usage: guichet [serve] [options]
       guichet config check [options]
                                (checks a configuration before starting)
       guichet forms lint|export|import …
                                (forms as files: guichet forms -help)
       guichet nats [options]   (the embedded NATS server alone, for maintenance)
       guichet receipts verify|rotate …
                                (signed receipts: guichet receipts -help)
       guichet version          (version and revision of this binary)

Starts everything in one process: an embedded NATS server with JetStream
(data in GUICHET_DATA_DIR), the processing (PDF, routing) and the HTTP API:
the forms on /, the API on /api (documentation on /api/docs).

On the first start, demo departments and forms are created, and the
password of the first admin (with an API token if GUICHET_ADMIN_TOKEN is
not set) is shown once.

On a NATS cluster (GUICHET_NATS_URL, GUICHET_REPLICAS=3), each process may
hold one role only: "serve --role api" for the nodes behind the load
balancer, "serve --role processors" for the processing, which they share
(see docs/cluster.md).

Each setting is given, from the strongest to the weakest: by an option, by
its environment variable GUICHET_…, or in a TOML configuration file
(-config or GUICHET_CONFIG) where it bears the option's name, for example
  addr = "0.0.0.0:8080"
  replicas = 3
Otherwise its default applies. The secrets (GUICHET_ADMIN_TOKEN,
GUICHET_SMTP_PASSWORD) are given by the environment only.

The texts are in English when $GUICHET_LANG, or else $LANG, starts with
"en"; in French otherwise.

Options:
`}
	envHelp = locale.Text{FR: `
Autres réglages (variable d'environnement, ou clé du fichier de configuration) :
  GUICHET_NATS_CREDS    nats-creds : fichier .creds (JWT et graine NKey) pour
                        GUICHET_NATS_URL
  GUICHET_NATS_NKEY     nats-nkey : fichier de la graine NKey d'un utilisateur,
                        pour GUICHET_NATS_URL sans JWT
Secrets, par l'environnement seulement (jamais en option, jamais dans les journaux) :
  GUICHET_ADMIN_TOKEN   jeton « Bearer » de l'administrateur initial
                        (sinon, généré et affiché au premier démarrage)
  GUICHET_SMTP_PASSWORD mot de passe sur le relais SMTP

Ctrl-C ou SIGTERM arrête proprement : les requêtes et traitements en cours
se terminent, puis les données sont écrites sur disque.

Exemples :
  GUICHET_ADMIN_TOKEN=mon-jeton-secret guichet -addr 127.0.0.1:9090
  guichet -config /etc/guichet/guichet.toml
  GUICHET_NATS_URL=nats://n1:4222,nats://n2:4222,nats://n3:4222 \
    GUICHET_NATS_CREDS=/etc/guichet/guichet.creds GUICHET_REPLICAS=3 \
    guichet serve --role api
`, EN: `
Other settings (environment variable, or key of the configuration file):
  GUICHET_NATS_CREDS    nats-creds: .creds file (JWT and NKey seed) for
                        GUICHET_NATS_URL
  GUICHET_NATS_NKEY     nats-nkey: file of a user's NKey seed, for
                        GUICHET_NATS_URL without a JWT
Secrets, by the environment only (never an option, never in the logs):
  GUICHET_ADMIN_TOKEN   "Bearer" token of the first admin
                        (otherwise generated and shown on the first start)
  GUICHET_SMTP_PASSWORD password on the SMTP relay

Ctrl-C or SIGTERM stops cleanly: the requests and processing under way
finish, then the data is written to disk.

Examples:
  GUICHET_ADMIN_TOKEN=my-secret-token guichet -addr 127.0.0.1:9090
  guichet -config /etc/guichet/guichet.toml
  GUICHET_NATS_URL=nats://n1:4222,nats://n2:4222,nats://n3:4222 \
    GUICHET_NATS_CREDS=/etc/guichet/guichet.creds GUICHET_REPLICAS=3 \
    guichet serve --role api
`}
)

// secrets are the settings given only by the environment.
var secrets = []string{"GUICHET_ADMIN_TOKEN", "GUICHET_SMTP_PASSWORD"}

// fileOnlyKeys are the settings that have no option: file paths of NATS
// credentials, given by the environment or the configuration file.
var fileOnlyKeys = []string{"nats-creds", "nats-nkey"}

// settings are the command's options, from flags over environment
// variables over the configuration file over defaults.
type settings struct {
	addr, dataDir, natsURL, natsListen, organisation, logFormat string
	publicURL, natsCreds, natsNKey, metricsAddr, receiptKeys    string
	role                                                        app.Role
	maxStore                                                    int64
	submitRate, tokenDays                                       int
	drainDelay                                                  time.Duration
	// retryDelays are the delays between a processor's attempts at a
	// message; after the last, the message is dead-lettered.
	retryDelays    []time.Duration
	mail           mailer.Config
	cookies        web.CookiePolicy
	theme          web.Theme
	trustedProxies []netip.Prefix
	// webhookAllow are the internal networks webhooks may call.
	webhookAllow []netip.Prefix
	// clamdAddr is ClamAV's daemon; fileGrace, how long unheld files stay.
	clamdAddr string
	fileGrace time.Duration
	replicas  int
	demo      bool

	// values and origins are each setting's text and where it came from,
	// by option name: "option -addr", "GUICHET_ADDR", the configuration
	// file's path, or defaultOrigin.
	values, origins map[string]string
	// keys are the settings' names, in the order of the help.
	keys []string
}

// envName is the environment variable of a setting.
func envName(key string) string {
	return "GUICHET_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// defaultOrigin is the origin of a setting left at its default.
const defaultOrigin = "default"

// layers reads each setting from the environment, then the configuration
// file, then its default, and remembers where it was found.
type layers struct {
	getenv   func(string) string
	file     map[string]string
	filePath string
	s        *settings
}

func (l *layers) get(key, fallback string) string {
	l.s.keys = append(l.s.keys, key)
	value, origin := fallback, defaultOrigin
	if v := l.getenv(envName(key)); v != "" {
		value, origin = v, envName(key)
	} else if v, ok := l.file[key]; ok {
		value, origin = v, l.filePath
	}
	l.s.values[key], l.s.origins[key] = value, origin
	return value
}

// invalid explains a wrong setting, naming where it came from.
func (s *settings) invalid(key, expected string) error {
	return fmt.Errorf("%s = %q (%s): %s", key, s.values[key], s.origins[key], expected)
}

// boolText is a boolean option kept as text, so that its value is checked
// with the others: "-demo" alone means true.
type boolText struct{ s *string }

func (b boolText) String() string {
	if b.s == nil {
		return ""
	}
	return *b.s
}
func (b boolText) Set(v string) error { *b.s = v; return nil }
func (b boolText) IsBoolFlag() bool   { return true }

func parse(args []string, getenv func(string) string, stderr io.Writer) (settings, error) {
	// "serve" is the default command; the others are handled by run.
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	s := settings{values: map[string]string{}, origins: map[string]string{}}
	lang := locale.FromEnvironment(getenv)
	configPath := cmp.Or(optionValue(args, "config"), getenv("GUICHET_CONFIG"))
	file, err := readConfigFile(configPath)
	if err != nil {
		return s, err
	}
	l := &layers{getenv: getenv, file: file, filePath: configPath, s: &s}
	fs := flag.NewFlagSet("guichet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage.In(lang))
		fs.PrintDefaults()
		fmt.Fprint(stderr, envHelp.In(lang))
	}
	text := func(key, fallback string, help locale.Text) *string {
		v := l.get(key, fallback)
		fs.StringVar(&v, key, v, help.In(lang)+" ("+envName(key)+")")
		return &v
	}
	fs.String(
		"config",
		configPath,
		locale.Text{FR: "fichier de configuration TOML", EN: "TOML configuration file"}.In(lang)+" (GUICHET_CONFIG)",
	)
	addr := text("addr", "127.0.0.1:8080", locale.Text{
		FR: "adresse d'écoute HTTP",
		EN: "HTTP listen address",
	})
	dataDir := text("data-dir", "./data", locale.Text{
		FR: "dossier des données du NATS embarqué",
		EN: "directory of the embedded NATS server's data",
	})
	natsURL := text("nats-url", "", locale.Text{
		FR: "URL d'un cluster NATS existant, au lieu du serveur embarqué",
		EN: "URL of an existing NATS cluster, instead of the embedded server",
	})
	role := text("role", string(app.RoleAll), locale.Text{
		FR: "ce que fait ce processus : all (tout), api (API et pages) ou processors (traitements)",
		EN: "what this process does: all, api (API and pages) or processors (processing)",
	})
	maxStore := text("max-store", "", locale.Text{
		FR: "place que le NATS embarqué peut prendre sur disque, par exemple 50GB ; au-delà, les dépôts sont " +
			"refusés (503) jusqu'à ce que de la place se libère ; par défaut, les trois quarts de l'espace libre au démarrage",
		EN: "room the embedded NATS server may take on disk, for example 50GB; beyond it, submissions are refused (503) until room is freed; " +
			"by default, three quarters of the free space at start",
	})
	natsListen := text("nats-listen", "", locale.Text{
		FR: "ouvre le NATS embarqué au CLI nats sur cette adresse, par exemple 127.0.0.1:4222",
		EN: "opens the embedded NATS server to the nats CLI on this address, for example 127.0.0.1:4222",
	})
	organisation := text("organisation", "Département de la Moselle", locale.Text{
		FR: "nom de l'organisation sur les PDF",
		EN: "name of the organisation on the PDFs",
	})
	logFormat := text("log-format", "text", locale.Text{
		FR: "format des journaux : text ou json",
		EN: "format of the logs: text or json",
	})
	metricsAddr := text("metrics-addr", "", locale.Text{
		FR: "sert aussi /metrics sans authentification sur cette adresse, pour un Prometheus du réseau " +
			"interne, par exemple 10.0.0.5:9100 ; sinon /metrics demande le jeton d'un administrateur, et un nœud de traitements n'en sert pas",
		EN: "also serves /metrics without authentication on this address, for a Prometheus of the internal network, " +
			"for example 10.0.0.5:9100; otherwise /metrics asks for an admin's token, and a processing node serves none",
	})
	receiptKeys := text("receipt-keys", "", locale.Text{
		FR: "dossier des clés qui signent les récépissés, créé avec une première clé s'il est vide ; par " +
			"défaut, receipt-keys dans le dossier de données",
		EN: "directory of the keys that sign receipts, created with a first key if empty; by default, receipt-keys in the data directory",
	})
	replicas := text("replicas", "1", locale.Text{
		FR: "réplication des flux et des compartiments sur un cluster : 1 ou 3",
		EN: "replication of streams and buckets on a cluster: 1 or 3",
	})
	demo := l.get("demo", "1")
	fs.Var(boolText{&demo}, "demo", locale.Text{
		FR: "crée le contenu de démonstration dans un dossier de données vide ; 0 pour s'en passer",
		EN: "creates the demo content in an empty data directory; 0 to do without",
	}.In(lang)+" (GUICHET_DEMO)")
	cookies := text("secure-cookies", "auto", locale.Text{
		FR: "cookies « Secure » : auto (si la requête arrive en HTTPS, directement ou par un proxy qui " +
			"envoie X-Forwarded-Proto), always ou never",
		EN: "\"Secure\" cookies: auto (when the request comes over HTTPS, directly or through a proxy that sends " +
			"X-Forwarded-Proto), always or never",
	})
	colour := text("colour", "", locale.Text{
		FR: "couleur principale des pages, #rrggbb, lisible en texte blanc",
		EN: "main colour of the pages, #rrggbb, readable in white text",
	})
	logo := text("logo", "", locale.Text{
		FR: "fichier du logo (PNG, JPEG ou WebP, 512 Kio au plus) affiché en tête des pages",
		EN: "file of the logo (PNG, JPEG or WebP, 512 KiB at most) shown at the top of the pages",
	})
	trustedProxies := text("trusted-proxies", "", locale.Text{
		FR: "mandataires inverses devant Guichet (adresses ou réseaux, séparés par des virgules, par " +
			"exemple 127.0.0.1) : pour une requête venue d'eux, l'adresse du client est celle que donne leur X-Forwarded-For, " +
			"pour les limites par adresse",
		EN: "reverse proxies in front of Guichet (addresses or networks, separated by commas, for example 127.0.0.1): " +
			"for a request from them, the client's address is the one their X-Forwarded-For gives, for the limits by address",
	})
	webhookAllow := text("webhook-allow", "", locale.Text{
		FR: "réseaux internes que les webhooks peuvent appeler (adresses ou réseaux, séparés par des virgules, par exemple " +
			"10.20.0.0/16) ; par défaut, les webhooks ne vont qu'à des adresses publiques",
		EN: "internal networks the webhooks may call (addresses or networks, separated by commas, for example 10.20.0.0/16); " +
			"by default, webhooks go to public addresses only",
	})
	clamdAddr := text("clamd-addr", "", locale.Text{
		FR: "démon de ClamAV qui analyse chaque fichier reçu : chemin de sa socket unix (par exemple /run/clamav/clamd.ctl) ou " +
			"hôte:port ; sans lui, les fichiers sont gardés « non analysés »",
		EN: "ClamAV's daemon, which scans each file received: its unix socket's path (for example /run/clamav/clamd.ctl) or " +
			"host:port; without it, files are kept \"unscanned\"",
	})
	fileGrace := text("file-grace", "24h", locale.Text{
		FR: "durée de conservation d'un fichier qu'aucun dépôt ni brouillon ne contient, par exemple 24h",
		EN: "how long a file that no submission or draft holds is kept, for example 24h",
	})
	submitRate := text("submit-rate", "60", locale.Text{
		FR: "dépôts par minute permis à une même adresse, avec des pointes de 20 ; 0 : sans limite",
		EN: "submissions a minute allowed to one address, with bursts of 20; 0: no limit",
	})
	tokenDays := text("token-days", "90", locale.Text{
		FR: "durée de validité des jetons d'API quand leur créateur n'en donne pas, en jours (1 à 366)",
		EN: "lifetime of API tokens when their creator gives none, in days (1 to 366)",
	})
	drainDelay := text("drain-delay", "0s", locale.Text{
		FR: "à l'arrêt, durée pendant laquelle /readyz répond 503 tout en servant encore, pour que le " +
			"répartiteur de charge cesse d'envoyer des requêtes",
		EN: "on stopping, how long /readyz answers 503 while still serving, so that the load balancer stops sending requests",
	})
	retryDelays := text("retry-delays", "1s,5s,30s,2m,10m", locale.Text{
		FR: "délais entre les tentatives d'un traitement qui échoue (PDF, orientation, " +
			"courriel…), séparés par des virgules ; après la dernière, le message va aux lettres mortes, d'où l'on peut le rejouer",
		EN: "delays between the attempts of a failing processing (PDF, routing, email…), separated by commas; " +
			"after the last, the message goes to the dead letters, where it can be replayed",
	})
	publicURL := text("public-url", "", locale.Text{
		FR: "adresse publique du site, pour les liens des courriels, par exemple https://demarches.moselle.fr ; " +
			"par défaut, http:// et l'adresse d'écoute",
		EN: "public address of the site, for the links in emails, for example https://demarches.moselle.fr; " +
			"by default, http:// and the listen address",
	})
	smtpAddr := text("smtp-addr", "", locale.Text{
		FR: "relais SMTP hôte:port pour écrire aux usagers ; vide : aucun courriel",
		EN: "SMTP relay host:port to write to citizens; empty: no email",
	})
	smtpFrom := text("smtp-from", "Guichet <ne-pas-repondre@localhost>", locale.Text{
		FR: "expéditeur des courriels",
		EN: "sender of the emails",
	})
	smtpUser := text("smtp-user", "", locale.Text{
		FR: "identifiant sur le relais, s'il en demande un (le mot de passe dans GUICHET_SMTP_PASSWORD)",
		EN: "user name on the relay, if it asks for one (the password in GUICHET_SMTP_PASSWORD)",
	})
	smtpTLS := text("smtp-tls", mailer.StartTLS, locale.Text{
		FR: "chiffrement vers le relais : starttls, tls ou none",
		EN: "encryption to the relay: starttls, tls or none",
	})
	s.natsCreds, s.natsNKey = l.get("nats-creds", ""), l.get("nats-nkey", "")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected argument %q (see guichet -help)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "config" {
			s.values[f.Name], s.origins[f.Name] = f.Value.String(), "option -"+f.Name
		}
	})
	for key := range file {
		if fs.Lookup(key) == nil && !slices.Contains(fileOnlyKeys, key) {
			return s, fmt.Errorf(
				"configuration file %s: unknown setting %q; the settings are: %s",
				configPath,
				key,
				strings.Join(s.keys, ", "),
			)
		}
	}

	s.addr, s.dataDir, s.natsURL, s.natsListen = *addr, *dataDir, *natsURL, *natsListen
	s.organisation, s.logFormat, s.publicURL, s.metricsAddr, s.receiptKeys = *organisation, *logFormat, *publicURL, *metricsAddr, *receiptKeys
	s.mail = mailer.Config{Addr: *smtpAddr, From: *smtpFrom, Username: *smtpUser, TLS: *smtpTLS,
		// The password comes from the environment only: never on a command line.
		Password: getenv("GUICHET_SMTP_PASSWORD")}
	if s.mail.Enabled() {
		if _, err := mailer.New(s.mail); err != nil {
			return s, fmt.Errorf("smtp-…: %w", err)
		}
	}
	if s.replicas, err = strconv.Atoi(*replicas); err != nil || (s.replicas != 1 && s.replicas != 3) {
		return s, s.invalid("replicas", "want 1 or 3")
	}
	if s.demo, err = parseBool(demo); err != nil {
		return s, s.invalid("demo", "want 0 or 1")
	}
	if s.submitRate, err = strconv.Atoi(*submitRate); err != nil || s.submitRate < 0 {
		return s, s.invalid("submit-rate", "want a number of submissions a minute (0: no limit)")
	}
	if s.tokenDays, err = strconv.Atoi(*tokenDays); err != nil || s.tokenDays < 1 || s.tokenDays > 366 {
		return s, s.invalid("token-days", "want a number of days from 1 to 366")
	}
	s.clamdAddr = *clamdAddr
	if s.fileGrace, err = time.ParseDuration(*fileGrace); err != nil || s.fileGrace < time.Hour {
		return s, s.invalid("file-grace", "want a duration of an hour or more, for example 24h")
	}
	if s.drainDelay, err = time.ParseDuration(*drainDelay); err != nil || s.drainDelay < 0 {
		return s, s.invalid("drain-delay", "want a duration, for example 10s")
	}
	for d := range strings.SplitSeq(*retryDelays, ",") {
		delay, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil || delay <= 0 {
			return s, s.invalid("retry-delays", "want durations separated by commas, for example 1s,5s,30s,2m,10m")
		}
		s.retryDelays = append(s.retryDelays, delay)
	}
	if s.role, err = app.ParseRole(*role); err != nil {
		return s, s.invalid("role", "want api, processors or all")
	}
	if *maxStore != "" {
		n, err := humanize.ParseBytes(*maxStore)
		if err != nil || n == 0 || n > math.MaxInt64 {
			return s, s.invalid("max-store", "want a size, for example 50GB")
		}
		s.maxStore = int64(n)
	}
	if (s.natsCreds != "" || s.natsNKey != "") && s.natsURL == "" {
		return s, errors.New("GUICHET_NATS_CREDS and GUICHET_NATS_NKEY are for connecting to GUICHET_NATS_URL, which is not set")
	}
	if s.trustedProxies, err = web.ParseNetworks(*trustedProxies); err != nil {
		return s, fmt.Errorf("trusted-proxies: %w", err)
	}
	if s.webhookAllow, err = web.ParseNetworks(*webhookAllow); err != nil {
		return s, fmt.Errorf("webhook-allow: %w", err)
	}
	if s.cookies, err = web.ParseCookiePolicy(*cookies); err != nil {
		return s, fmt.Errorf("secure-cookies: %w", err)
	}
	if s.theme, err = web.LoadTheme(*colour, *logo); err != nil {
		return s, err
	}
	if s.logFormat != "text" && s.logFormat != "json" {
		return s, s.invalid("log-format", "text ou json attendu")
	}
	return s, nil
}

// optionValue finds an option's value on the command line before the
// options are parsed: the configuration file decides their defaults.
func optionValue(args []string, name string) string {
	for i, arg := range args {
		for _, prefix := range []string{"-" + name, "--" + name} {
			if arg == prefix && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(arg, prefix+"="); ok {
				return v
			}
		}
	}
	return ""
}

// readConfigFile reads a TOML configuration file into text values by key.
// No path means no file.
func readConfigFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	var raw map[string]any
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return nil, fmt.Errorf("configuration file %s: %w", path, err)
	}
	values := map[string]string{}
	for key, v := range raw {
		if slices.Contains(secrets, envName(key)) {
			return nil, fmt.Errorf(
				"configuration file %s: %s is a secret, given only by the environment variable %s",
				path,
				key,
				envName(key),
			)
		}
		switch v.(type) {
		case string, int64, bool, float64:
			values[key] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("configuration file %s: %s must be a string, a number or a boolean", path, key)
		}
	}
	return values, nil
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
