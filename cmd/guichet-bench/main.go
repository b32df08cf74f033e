// Command guichet-bench measures a Guichet: its load generator sends
// realistic submissions to a running server, and its -compare mode
// measures Guichet side by side with the machine's raw ceilings. It is a
// binary of its own so that the production binary links neither the load
// generator nor the bare NATS server and unpatched fpdf the comparison
// needs.
//
// Tool (internal/test/layering).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/guichet/guichet/internal/platform/locale"
)

var usage = locale.Text{FR: `guichet-bench — mesure d'un Guichet.

Utilisation : guichet-bench load [options]   (essai de charge : guichet-bench load -help)
              guichet-bench load -compare    (Guichet côte à côte avec les plafonds de la machine)
`, EN: `guichet-bench — measuring a Guichet.

Usage: guichet-bench load [options]   (load test: guichet-bench load -help)
       guichet-bench load -compare    (Guichet side by side with the machine's ceilings)
`}

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "guichet-bench:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "load" {
		return runLoad(args[1:], getenv, stdout, stderr)
	}
	fmt.Fprint(stderr, usage.In(locale.FromEnvironment(getenv)))
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		return flag.ErrHelp
	}
	return fmt.Errorf("unknown command %q", args[0])
}
