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
)

const natsUsage = `Utilisation : guichet nats [options]

Démarre le serveur NATS embarqué seul sur le dossier de données, sans
l'API ni les traitements, et sans rien y créer, pour la maintenance avec le
CLI nats : restaurer une sauvegarde dans un dossier vide, inspecter les flux
d'un Guichet arrêté. Ctrl-C ou SIGTERM l'arrête.

Options :
`

const natsExamples = `
Exemple (restauration, voir docs/operations.md) :
  guichet nats -data-dir /var/lib/guichet &
  nats backup restore account /srv/sauvegardes/2026-11-28
  kill %1
`

func runNATS(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("guichet nats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, natsUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, natsExamples)
	}
	dataDir := fs.String("data-dir", cmp.Or(getenv("GUICHET_DATA_DIR"), "./data"), "dossier des données (GUICHET_DATA_DIR)")
	listen := fs.String("listen", "127.0.0.1:4222", "adresse où le CLI nats se connecte")
	if err := parseOptions(fs, args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopServer, err := bus.ServeAlone(bus.Config{DataDir: *dataDir, Listen: *listen})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "NATS prêt sur nats://%s (données : %s) ; Ctrl-C pour arrêter\n", *listen, *dataDir)
	<-ctx.Done()
	stopServer()
	return nil
}
