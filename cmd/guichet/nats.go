package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
)

var natsUsage = locale.Text{FR: `Utilisation : guichet nats [options]

Démarre le serveur NATS embarqué seul sur le dossier de données, sans
l'API ni les traitements, et sans rien y créer, pour la maintenance avec le
CLI nats : restaurer une sauvegarde dans un dossier vide, inspecter les flux
d'un Guichet arrêté. Ctrl-C ou SIGTERM l'arrête.

Options :
`, EN: `Usage: guichet nats [options]

Starts the embedded NATS server alone on the data directory, without the
API or the processing, and without creating anything in it, for
maintenance with the nats CLI: restoring a backup into an empty directory,
inspecting the streams of a stopped Guichet. Ctrl-C or SIGTERM stops it.

Options:
`}

var natsExamples = locale.Text{FR: `
Exemple (restauration, voir docs/operations.md) :
  guichet nats -data-dir /var/lib/guichet &
  nats backup restore account /srv/sauvegardes/2026-11-28
  kill %1
`, EN: `
Example (restoring, see docs/operations.md):
  guichet nats -data-dir /var/lib/guichet &
  nats backup restore account /srv/backups/2026-11-28
  kill %1
`}

func runNATS(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	lang := locale.FromEnvironment(getenv)
	fs := flag.NewFlagSet("guichet nats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, natsUsage.In(lang))
		fs.PrintDefaults()
		fmt.Fprint(stderr, natsExamples.In(lang))
	}
	dataDir := fs.String(
		"data-dir",
		cmp.Or(getenv("GUICHET_DATA_DIR"), "./data"),
		locale.Say(lang, "dossier des données", "data directory")+" (GUICHET_DATA_DIR)",
	)
	listen := fs.String("listen", "127.0.0.1:4222", locale.Say(lang, "adresse où le CLI nats se connecte", "address the nats CLI connects to"))
	if err := parseOptions(fs, args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopServer, err := bus.ServeAlone(bus.Config{DataDir: *dataDir, Listen: *listen})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, locale.Say(lang, "NATS prêt sur nats://%s (données : %s) ; Ctrl-C pour arrêter\n",
		"NATS ready on nats://%s (data: %s); Ctrl-C to stop\n"), *listen, *dataDir)
	<-ctx.Done()
	stopServer()
	return nil
}
