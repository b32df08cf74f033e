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
	"os/user"
	"path/filepath"

	"github.com/guichet/guichet/cmd/guichet/formfiles"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

var formsUsage = locale.Text{FR: `Utilisation : guichet forms lint FICHIER…
              guichet forms export [options] ID…
              guichet forms import [options] FICHIER…

Les formulaires comme du code : chaque formulaire tient dans un fichier JSON
(celui de « Exporter » dans l'atelier des formulaires : schema et uiSchema au
premier niveau, orientation, réglages, circuit de validation), que l'on
garde dans git et vérifie dans sa propre intégration continue.

  lint     vérifie des fichiers sans serveur : JSON strict (un réglage mal
           orthographié est signalé), schéma sûr et valide, libellés,
           étapes ; code de sortie 1 si un fichier est à corriger
  export   écrit la dernière version publiée (ou -version N) d'un ou
           plusieurs formulaires, sur la sortie standard ou dans -dir
  import   enregistre chaque fichier comme brouillon de son formulaire, et
           le publie avec -publish

export et import passent par l'API d'un Guichet en marche (-url, avec le
jeton d'API d'un administrateur dans GUICHET_TOKEN), ou directement par le
dossier de données d'un Guichet arrêté (-data-dir).

Options :
`, EN: `Usage: guichet forms lint FILE…
       guichet forms export [options] ID…
       guichet forms import [options] FILE…

Forms as code: each form is a JSON file (the one "Export" gives in the
forms workshop: schema and uiSchema at the top level, routing, settings,
approval workflow), kept in git and checked in one's own continuous
integration.

  lint     checks files without a server: strict JSON (a misspelt setting
           is reported), a safe and valid schema, labels, steps; exit
           code 1 if a file needs correcting
  export   writes the last published version (or -version N) of one or
           more forms, to the standard output or into -dir
  import   saves each file as its form's draft, and publishes it with
           -publish

export and import go through the API of a running Guichet (-url, with an
admin's API token in GUICHET_TOKEN), or straight through the data
directory of a stopped Guichet (-data-dir).

Options:
`}

var formsExamples = locale.Text{FR: `
Exemples :
  guichet forms lint formulaires/*.json
  GUICHET_TOKEN=… guichet forms export -dir formulaires aide-transport-scolaire demande-conges
  GUICHET_TOKEN=… guichet forms import -url https://demarches.moselle.fr -publish formulaires/*.json
  guichet forms import -data-dir /var/lib/guichet -publish formulaires/*.json
`, EN: `
Examples:
  guichet forms lint forms/*.json
  GUICHET_TOKEN=… guichet forms export -dir forms aide-transport-scolaire demande-conges
  GUICHET_TOKEN=… guichet forms import -url https://demarches.moselle.fr -publish forms/*.json
  guichet forms import -data-dir /var/lib/guichet -publish forms/*.json
`}

// formsOptions are the options of the forms subcommands.
type formsOptions struct {
	url, dataDir, dir, lang string
	version                 int
	publish                 bool
}

func runForms(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o formsOptions
	lang := locale.FromEnvironment(getenv)
	fs := flag.NewFlagSet("guichet forms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, formsUsage.In(lang))
		fs.PrintDefaults()
		fmt.Fprint(stderr, formsExamples.In(lang))
	}
	fs.StringVar(&o.url, "url", cmp.Or(getenv("GUICHET_URL"), "http://127.0.0.1:8080"),
		locale.Say(lang, "adresse du Guichet en marche", "address of the running Guichet")+" (GUICHET_URL)")
	fs.StringVar(&o.dataDir, "data-dir", "",
		locale.Say(lang, "dossier de données d'un Guichet arrêté, au lieu de -url", "data directory of a stopped Guichet, instead of -url"))
	fs.StringVar(&o.dir, "dir", "", locale.Say(lang, "export : dossier où écrire un fichier ID.json par formulaire (par défaut, la sortie "+
		"standard)",
		"export: directory to write one ID.json file per form into (by default, the standard output)"))
	fs.IntVar(&o.version, "version", 0, locale.Say(lang, "export : version à exporter (par défaut, la dernière publiée)",
		"export: version to export (by default, the last published)"))
	fs.BoolVar(&o.publish, "publish", false, locale.Say(lang, "import : publie chaque formulaire après l'avoir enregistré",
		"import: publishes each form once saved"))
	fs.StringVar(&o.lang, "lang", string(lang), locale.Say(lang, "langue des messages : fr ou en", "language of the messages: fr or en"))
	if len(args) == 0 {
		fs.Usage()
		return errors.New("forms: want lint, export or import")
	}
	command := args[0]
	if isHelp(command) {
		fs.Usage()
		return flag.ErrHelp
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	lang = locale.Lang(o.lang)
	if lang != locale.French && lang != locale.English {
		return fmt.Errorf("language %q: want fr or en", o.lang)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("forms %s: want at least one %s (see guichet forms -help)", command, map[bool]string{
			true:  "form id",
			false: "file",
		}[command == "export"])
	}
	ctx := context.Background()
	switch command {
	case "lint":
		return lintFiles(ctx, fs.Args(), lang, stdout)
	case "export", "import":
		store, err := openStore(ctx, o, getenv, lang)
		if err != nil {
			return err
		}
		defer store.Close()
		if command == "export" {
			return exportForms(ctx, store, fs.Args(), o, stdout)
		}
		return importFiles(ctx, store, fs.Args(), o.publish, lang, stdout)
	}
	return fmt.Errorf("forms %s: want lint, export or import", command)
}

// openStore opens the data directory if one is given, or else the API.
func openStore(ctx context.Context, o formsOptions, getenv func(string) string, lang locale.Lang) (formfiles.Store, error) {
	if o.dataDir != "" {
		if _, err := os.Stat(o.dataDir); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		return formfiles.OpenLocal(ctx, o.dataDir, operatorName(), lang)
	}
	token := getenv("GUICHET_TOKEN")
	if token == "" {
		return nil, errors.New("GUICHET_TOKEN: an admin's API token is needed to go through the API (or else -data-dir)")
	}
	return &formfiles.Remote{URL: o.url, Token: token, Lang: lang}, nil
}

// operatorName names whoever changes a data directory directly, in the
// security log.
func operatorName() string {
	name := "inconnu"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "cli:" + name
}

func lintFiles(ctx context.Context, paths []string, lang locale.Lang, stdout io.Writer) error {
	failed := 0
	for _, path := range paths {
		body, err := formfiles.Read(path)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s : %v\n", path, err)
			continue
		}
		problems, err := formfiles.Lint(ctx, body)
		if err != nil {
			return err
		}
		if len(problems) == 0 {
			fmt.Fprintf(stdout, "%s : %s\n", path, map[locale.Lang]string{locale.French: "conforme", locale.English: "ok"}[lang])
			continue
		}
		failed++
		printProblems(stdout, path, problems, lang)
	}
	if failed > 0 {
		return fmt.Errorf("%d file(s) of %d to correct", failed, len(paths))
	}
	return nil
}

func printProblems(w io.Writer, path string, problems []schemas.Problem, lang locale.Lang) {
	for _, p := range problems {
		fmt.Fprintf(w, "%s : %s : %s\n", path, p.Location, p.Message.In(lang))
	}
}

func exportForms(ctx context.Context, store formfiles.Store, ids []string, o formsOptions, stdout io.Writer) error {
	if o.dir == "" && len(ids) > 1 {
		return errors.New("forms export: several forms go to a directory (-dir)")
	}
	for _, id := range ids {
		body, err := store.Export(ctx, id, o.version)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		raw, err := json.MarshalIndent(body, "", "  ")
		if err != nil {
			return err
		}
		raw = append(raw, '\n')
		if o.dir == "" {
			_, err = stdout.Write(raw)
			return err
		}
		path := filepath.Join(o.dir, id+".json")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s : version %d → %s\n", id, body.Version, path)
	}
	return nil
}

func importFiles(ctx context.Context, store formfiles.Store, paths []string, publish bool, lang locale.Lang, stdout io.Writer) error {
	failed := 0
	for _, path := range paths {
		body, err := formfiles.Read(path)
		if err == nil {
			var version int
			if version, err = store.Import(ctx, body, publish); err == nil {
				if version > 0 {
					fmt.Fprintf(stdout, "%s → %s : version %d publiée\n", path, body.ID, version)
				} else {
					fmt.Fprintf(stdout, "%s → %s : brouillon enregistré\n", path, body.ID)
				}
				continue
			}
		}
		failed++
		var refused *formfiles.ProblemsError
		if errors.As(err, &refused) {
			printProblems(stdout, path, refused.Problems, lang)
		} else {
			fmt.Fprintf(stdout, "%s : %v\n", path, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d file(s) of %d not imported", failed, len(paths))
	}
	return nil
}
