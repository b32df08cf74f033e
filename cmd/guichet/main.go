// Command guichet runs Guichet: an embedded NATS server (or a connection to
// a cluster), the processors, and the HTTP API, in one process.
//
// Wiring (internal/test/layering).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/guichet/guichet/api"
	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/tracing"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/submit"
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

// isHelp tells whether a subcommand's first argument asks for its help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// parseOptions parses a subcommand's options, and refuses arguments that
// are not options.
func parseOptions(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see %s -help)", fs.Arg(0), fs.Name())
	}
	return nil
}

// serverGCPercent is the server's garbage collection target, unless
// $GOGC sets one.
const serverGCPercent = 70

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "receipts" {
		return runReceipts(args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "nats" {
		return runNATS(args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "config" {
		return runConfig(args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "help" {
		args = []string{"-help"}
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
	if getenv("GOGC") == "" {
		// The heap grows to 1.7 times what it holds before the next
		// collection, not twice: 15% less peak memory on a burst, for 2%
		// more CPU (docs/performance.md, "Memory").
		debug.SetGCPercent(serverGCPercent)
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if s.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Spans go to a collector when the OTEL_* variables name one.
	stopTracing, err := tracing.Setup(ctx, getenv, api.Version)
	if err != nil {
		return fmt.Errorf("OTEL_*: %w", err)
	}
	defer func() {
		if err := stopTracing(context.WithoutCancel(ctx)); err != nil {
			log.Warn("tracing: last spans not sent", "error", err)
		}
	}()

	// Take the ports first, so that a busy port fails before anything starts.
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	var metricsLn net.Listener
	if s.metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", s.metricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("metrics-addr: %w", err)
		}
	}
	addr := ln.Addr().String()
	log.Info("starting", "role", s.role, "data_dir", s.dataDir, "nats_url_set", s.natsURL != "", "addr", addr)
	a, err := app.Start(ctx, app.Config{
		DataDir: s.dataDir, NATSURL: s.natsURL, NATSCredentials: s.natsCreds, NATSNKeySeed: s.natsNKey, NATSListen: s.natsListen,
		MaxStore: s.maxStore, Role: s.role,
		Replicas: s.replicas, AdminToken: getenv("GUICHET_ADMIN_TOKEN"), Demo: s.demo,
		Organisation: s.organisation, Cookies: s.cookies, Theme: s.theme, Logger: log,
		Mail: s.mail, PublicURL: cmp.Or(s.publicURL, "http://"+addr),
		SubmitRate:    submit.RateLimit{PerMinute: s.submitRate, Burst: 20},
		TokenLifetime: time.Duration(s.tokenDays) * 24 * time.Hour, DrainDelay: s.drainDelay,
		TrustedProxies: s.trustedProxies, WebhookAllow: s.webhookAllow, ReceiptKeys: s.receiptKeys,
		ClamdAddr: s.clamdAddr, FileGrace: s.fileGrace,
		Processing: processors.Config{Backoff: s.retryDelays, MaxDeliver: len(s.retryDelays) + 1},
	})
	if err != nil {
		ln.Close()
		if metricsLn != nil {
			metricsLn.Close()
		}
		return err
	}
	a.Serve(ln)
	if metricsLn != nil {
		a.ServeMetrics(metricsLn)
		log.Info("metrics served", "addr", metricsLn.Addr().String())
	}
	if b := a.Bootstrap; b.FirstStart {
		// Shown on the terminal once, never logged.
		fmt.Fprintf(stdout, "\nAdministrateur initial (affiché une seule fois, à conserver) :\n"+
			"  connexion : http://%s/login\n  identifiant : %s\n  mot de passe : %s\n", addr, identity.BootstrapAdminID, b.Password)
		if b.Token != "" {
			fmt.Fprintf(
				stdout,
				"  jeton d'API : %s\n  exemple : curl -H 'Authorization: Bearer %s' http://%s/api/departments\n",
				b.Token,
				b.Token,
				addr,
			)
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
