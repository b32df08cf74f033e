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
)

const configUsage = `Utilisation : guichet config check [options de guichet serve]

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
`

// checkTimeout bounds each check that reaches the network.
const checkTimeout = 5 * time.Second

func runConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, configUsage)
		if len(args) > 0 && isHelp(args[0]) {
			return flag.ErrHelp
		}
		return errors.New("config: want check")
	}
	s, err := parse(args[1:], getenv, io.Discard)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, configUsage)
		return err
	}
	if err != nil {
		fmt.Fprintf(stdout, "ERREUR  réglages : %v\n", err)
		return errors.New("configuration invalide")
	}
	printSettings(stdout, s, getenv)
	fmt.Fprintln(stdout)
	c := checker{out: stdout}
	if s.natsURL == "" {
		c.check("dossier de données "+s.dataDir, bus.CheckDataDir(s.dataDir), "accessible en écriture, libre")
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		account, err := bus.CheckCluster(ctx, bus.Config{URL: s.natsURL, Credentials: s.natsCreds, NKeySeed: s.natsNKey})
		cancel()
		c.check("cluster NATS", err, fmt.Sprintf("JetStream joignable, %s stockés sur disque", humanize.IBytes(account.Store)))
	}
	if s.role.Serves() {
		ln, err := net.Listen("tcp", s.addr)
		if err == nil {
			ln.Close()
		}
		c.check("adresse d'écoute "+s.addr, err, "libre")
	}
	if s.mail.Enabled() {
		conn, err := net.DialTimeout("tcp", s.mail.Addr, checkTimeout)
		if err == nil {
			conn.Close()
		}
		c.check("relais SMTP "+s.mail.Addr, err, "joignable")
	} else {
		c.warn("relais SMTP", "aucun (smtp-addr) : ni accusé de réception ni décision ne seront envoyés par courriel")
	}
	if s.publicURL != "" {
		u, err := url.Parse(s.publicURL)
		if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
			err = errors.New("want a full http:// or https:// address")
		}
		c.check("adresse publique "+s.publicURL, err, "valide")
		if err == nil && u.Scheme == "http" {
			c.warn("adresse publique", "en http:// : les liens des courriels ne seront pas chiffrés")
		}
	} else {
		c.warn("adresse publique", "aucune (public-url) : les liens des courriels pointeront vers http://"+s.addr)
	}
	if c.failed > 0 {
		return fmt.Errorf("%d check(s) failed", c.failed)
	}
	fmt.Fprintln(stdout, "\nConfiguration prête.")
	return nil
}

// printSettings writes each setting's value and origin; secrets are only
// said to be set or not.
func printSettings(w io.Writer, s settings, getenv func(string) string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "réglage\tvaleur\torigine")
	for _, key := range s.keys {
		value := s.values[key]
		if value == "" {
			value = "(vide)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", key, value, s.origins[key])
	}
	for _, name := range secrets {
		state := "absent"
		if getenv(name) != "" {
			state = "défini"
		}
		fmt.Fprintf(
			tw,
			"%s\t%s\t%s (environnement seulement)\n",
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
	failed int
}

func (c *checker) check(what string, err error, ok string) {
	if err != nil {
		c.failed++
		fmt.Fprintf(c.out, "ERREUR     %s : %v\n", what, err)
		return
	}
	fmt.Fprintf(c.out, "ok         %s : %s\n", what, ok)
}

func (c *checker) warn(what, why string) {
	fmt.Fprintf(c.out, "attention  %s : %s\n", what, why)
}
