package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/clamd"
	"github.com/guichet/guichet/internal/platform/locale"
)

var configUsage = locale.Text{FR: `Utilisation : guichet config check [options de guichet serve]

Vérifie une configuration avant le démarrage, avec les mêmes options,
variables d'environnement et fichier de configuration que « guichet serve » :
chaque réglage est lu et validé, puis affiché avec son origine (option,
variable, fichier ou défaut ; les secrets ne sont jamais affichés), et la
commande essaie ce que le démarrage demandera : le dossier de données
(accessible en écriture, libre), l'adresse d'écoute, le cluster NATS et ses
identifiants, le relais SMTP.

Code de sortie 0 si tout va bien, 1 sinon : à placer avant un redémarrage,
par exemple en ExecStartPre d'une unité systemd.

Exemples :
  guichet config check -config /etc/guichet/guichet.toml
  GUICHET_NATS_URL=nats://n1:4222 GUICHET_NATS_CREDS=guichet.creds guichet config check --role api
`, EN: `Usage: guichet config check [options of guichet serve]

Checks a configuration before starting, with the same options,
environment variables and configuration file as "guichet serve": each
setting is read and validated, then shown with where it came from
(option, variable, file or default; secrets are never shown), and the
command tries what the start will need: the data directory (writable,
free), the listen address, the NATS cluster and its credentials, the
SMTP relay.

Exit code 0 if all is well, 1 otherwise: to run before a restart, for
example as ExecStartPre of a systemd unit.

Examples:
  guichet config check -config /etc/guichet/guichet.toml
  GUICHET_NATS_URL=nats://n1:4222 GUICHET_NATS_CREDS=guichet.creds guichet config check --role api
`}

// checkTimeout bounds each check that reaches the network.
const checkTimeout = 5 * time.Second

func runConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	lang := locale.FromEnvironment(getenv)
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, configUsage.In(lang))
		if len(args) > 0 && isHelp(args[0]) {
			return flag.ErrHelp
		}
		return errors.New("config: want check")
	}
	s, err := parse(args[1:], getenv, io.Discard)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, configUsage.In(lang))
		return err
	}
	if err != nil {
		fmt.Fprintf(stdout, locale.Say(lang, "ERREUR  réglages : %v\n", "ERROR   settings: %v\n"), err)
		return errors.New("invalid configuration")
	}
	printSettings(stdout, s, getenv, lang)
	fmt.Fprintln(stdout)
	c := checker{out: stdout, lang: lang}
	if s.natsURL == "" {
		c.check(locale.Say(lang, "dossier de données ", "data directory ")+s.dataDir, bus.CheckDataDir(s.dataDir),
			locale.Say(lang, "accessible en écriture, libre", "writable, free"))
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		account, err := bus.CheckCluster(ctx, bus.Config{URL: s.natsURL, Credentials: s.natsCreds, NKeySeed: s.natsNKey})
		cancel()
		c.check(locale.Say(lang, "cluster NATS", "NATS cluster"), err,
			fmt.Sprintf(locale.Say(lang, "JetStream joignable, %s stockés sur disque", "JetStream reachable, %s stored on disk"),
				humanize.IBytes(account.Store)))
	}
	if s.role.Serves() {
		ln, err := net.Listen("tcp", s.addr)
		if err == nil {
			ln.Close()
		}
		c.check(locale.Say(lang, "adresse d'écoute ", "listen address ")+s.addr, err, locale.Say(lang, "libre", "free"))
	}
	if s.mail.Enabled() {
		conn, err := net.DialTimeout("tcp", s.mail.Addr, checkTimeout)
		if err == nil {
			conn.Close()
		}
		c.check(locale.Say(lang, "relais SMTP ", "SMTP relay ")+s.mail.Addr, err, locale.Say(lang, "joignable", "reachable"))
	} else {
		c.warn(locale.Say(lang, "relais SMTP", "SMTP relay"), locale.Say(lang,
			"aucun (smtp-addr) : ni accusé de réception ni décision ne seront envoyés par courriel",
			"none (smtp-addr): neither acknowledgements nor decisions will be emailed"))
	}
	if s.clamdAddr != "" {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		err := clamd.New(s.clamdAddr).Ping(ctx)
		cancel()
		c.check("ClamAV "+s.clamdAddr, err, locale.Say(lang, "répond", "answers"))
	} else {
		c.warn("ClamAV", locale.Say(lang,
			"aucun (clamd-addr) : les fichiers reçus ne seront pas analysés",
			"none (clamd-addr): the files received will not be scanned"))
	}
	if s.publicURL != "" {
		u, err := url.Parse(s.publicURL)
		if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
			err = errors.New("want a full http:// or https:// address")
		}
		c.check(locale.Say(lang, "adresse publique ", "public address ")+s.publicURL, err, locale.Say(lang, "valide", "valid"))
		if err == nil && u.Scheme == "http" {
			c.warn(
				locale.Say(lang, "adresse publique", "public address"),
				locale.Say(
					lang,
					"en http:// : les liens des courriels ne seront pas chiffrés",
					"over http://: the links in emails will not be encrypted",
				),
			)
		}
	} else {
		c.warn(locale.Say(lang, "adresse publique", "public address"), locale.Say(lang,
			"aucune (public-url) : les liens des courriels pointeront vers http://",
			"none (public-url): the links in emails will point to http://")+s.addr)
	}
	if c.failed > 0 {
		return fmt.Errorf("%d check(s) failed", c.failed)
	}
	fmt.Fprintln(stdout, "\n"+locale.Say(lang, "Configuration prête.", "Configuration ready."))
	return nil
}

// printSettings writes each setting's value and origin; secrets are only
// said to be set or not.
func printSettings(w io.Writer, s settings, getenv func(string) string, lang locale.Lang) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, locale.Say(lang, "réglage\tvaleur\torigine", "setting\tvalue\torigin"))
	for _, key := range s.keys {
		value := s.values[key]
		if value == "" {
			value = locale.Say(lang, "(vide)", "(empty)")
		}
		origin := s.origins[key]
		if origin == defaultOrigin {
			origin = locale.Say(lang, "défaut", "default")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", key, value, origin)
	}
	for _, name := range secrets {
		state := locale.Say(lang, "absent", "unset")
		if getenv(name) != "" {
			state = locale.Say(lang, "défini", "set")
		}
		fmt.Fprintf(
			tw,
			locale.Say(lang, "%s\t%s\t%s (environnement seulement)\n", "%s\t%s\t%s (environment only)\n"),
			strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, "GUICHET_")), "_", "-"),
			state,
			name,
		)
	}
	tw.Flush()
}

// checker prints the result of each check and counts the failures.
type checker struct {
	out    io.Writer
	lang   locale.Lang
	failed int
}

func (c *checker) check(what string, err error, ok string) {
	if err != nil {
		c.failed++
		fmt.Fprintf(c.out, locale.Say(c.lang, "ERREUR     %s : %v\n", "ERROR      %s: %v\n"), what, err)
		return
	}
	fmt.Fprintf(c.out, locale.Say(c.lang, "ok         %s : %s\n", "ok         %s: %s\n"), what, ok)
}

func (c *checker) warn(what, why string) {
	fmt.Fprintf(c.out, locale.Say(c.lang, "attention  %s : %s\n", "warning    %s: %s\n"), what, why)
}
