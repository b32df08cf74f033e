package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/receipts"
)

var receiptsUsage = locale.Text{FR: `Utilisation : guichet receipts verify [options] FORMULAIRE…
              guichet receipts rotate [options]

  verify   vérifie toute la chaîne des récépissés d'un formulaire : chacun
           authentique et lié au précédent, chaque dépôt du flux SUBMISSIONS
           avec son récépissé, et chaque dépôt disparu du flux effacé selon le
           journal de sécurité ; dit la première rupture (code de sortie 1)
  rotate   remplace la clé qui signe les récépissés à partir de maintenant ;
           l'ancienne reste publiée pour vérifier ses récépissés. Redémarrez
           ensuite les nœuds de traitements.

verify lit le dossier de données d'un Guichet arrêté (-data-dir), ou un
serveur NATS (-nats-url, par exemple celui qu'ouvre GUICHET_NATS_LISTEN).

Options :
`, EN: `Usage: guichet receipts verify [options] FORM…
       guichet receipts rotate [options]

  verify   checks the whole chain of a form's receipts: each authentic and
           linked to the one before, each submission of the SUBMISSIONS
           stream with its receipt, and each submission gone from the
           stream erased according to the security log; says the first
           break (exit code 1)
  rotate   replaces the key that signs receipts from now on; the old one
           stays published to check its receipts. Then restart the
           processing nodes.

verify reads the data directory of a stopped Guichet (-data-dir), or a
NATS server (-nats-url, for example the one GUICHET_NATS_LISTEN opens).

Options:
`}

var receiptsExamples = locale.Text{FR: `
Exemples :
  guichet receipts verify -nats-url nats://127.0.0.1:4222 transport-scolaire
  guichet receipts verify -data-dir /var/lib/guichet transport-scolaire demande-conges
  guichet receipts rotate -data-dir /var/lib/guichet
`, EN: `
Examples:
  guichet receipts verify -nats-url nats://127.0.0.1:4222 transport-scolaire
  guichet receipts verify -data-dir /var/lib/guichet transport-scolaire demande-conges
  guichet receipts rotate -data-dir /var/lib/guichet
`}

func runReceipts(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	lang := locale.FromEnvironment(getenv)
	fs := flag.NewFlagSet("guichet receipts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, receiptsUsage.In(lang))
		fs.PrintDefaults()
		fmt.Fprint(stderr, receiptsExamples.In(lang))
	}
	dataDir := fs.String("data-dir", cmp.Or(getenv("GUICHET_DATA_DIR"), "./data"),
		locale.Say(lang, "dossier de données", "data directory")+" (GUICHET_DATA_DIR)")
	natsURL := fs.String("nats-url", getenv("GUICHET_NATS_URL"), locale.Say(lang,
		"serveur ou cluster NATS, au lieu du dossier de données (GUICHET_NATS_URL ; identifiants dans GUICHET_NATS_CREDS)",
		"NATS server or cluster, instead of the data directory (GUICHET_NATS_URL; credentials in GUICHET_NATS_CREDS)"))
	keys := fs.String("keys", "", locale.Say(lang, "rotate : dossier des clés (par défaut, receipt-keys dans le dossier de données)",
		"rotate: directory of the keys (by default, receipt-keys in the data directory)"))
	if len(args) == 0 || isHelp(args[0]) {
		fs.Usage()
		if len(args) == 0 {
			return errors.New("receipts: want verify or rotate")
		}
		return flag.ErrHelp
	}
	command := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch command {
	case "rotate":
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected argument %q (see guichet receipts -help)", fs.Arg(0))
		}
		signer, err := receipts.Rotate(cmp.Or(*keys, filepath.Join(*dataDir, "receipt-keys")), time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, locale.Say(lang, "nouvelle clé %s, en service dès maintenant ; %d clés publiées. Redémarrez les nœuds de "+
			"traitements.\n",
			"new key %s, in service from now on; %d keys published. Restart the processing nodes.\n"),
			receipts.KeyID(signer.Key().Public().(ed25519.PublicKey)), len(signer.Keyring()))
		return nil
	case "verify":
		if fs.NArg() == 0 {
			return errors.New("receipts verify: want at least one form")
		}
		ctx := context.Background()
		b, err := bus.Open(ctx, bus.Config{DataDir: *dataDir, URL: *natsURL, Credentials: getenv("GUICHET_NATS_CREDS")})
		if err != nil {
			return err
		}
		defer b.Close()
		broken := 0
		for _, form := range fs.Args() {
			check, err := receipts.CheckForm(ctx, b, form)
			if err != nil {
				return err
			}
			if check.Break != nil {
				broken++
				fmt.Fprintf(
					stdout,
					locale.Say(lang, "%s : rupture au récépissé %d (%s) : %s\n", "%s: break at receipt %d (%s): %s\n"),
					form,
					check.Break.Index+1,
					check.Break.Reference,
					check.Break.Reason.In(lang),
				)
				continue
			}
			fmt.Fprintf(
				stdout,
				locale.Say(lang, "%s : %s, chaîne intacte ; %s selon le journal\n", "%s: %s, chain intact; %s according to the log\n"),
				form,
				locale.Count(lang, check.Receipts, "récépissé", "récépissés", "receipt", "receipts"),
				locale.Count(lang, check.Erased, "dépôt effacé", "dépôts effacés", "submission erased", "submissions erased"),
			)
		}
		if broken > 0 {
			return fmt.Errorf("%d broken chain(s)", broken)
		}
		return nil
	}
	return fmt.Errorf("receipts %s: want verify or rotate", command)
}
