// Package app assembles Guichet: it opens NATS, builds the services, starts
// the processors and serves HTTP. The guichet command and the end-to-end
// tests run it the same way.
//
// Wiring (internal/test/layering).
package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/api"
	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/demo"
	"github.com/guichet/guichet/internal/platform/clamd"
	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/platform/metrics"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/letters"
	"github.com/guichet/guichet/migrate"
	"github.com/guichet/guichet/pages/account"
	"github.com/guichet/guichet/pages/desk"
	"github.com/guichet/guichet/pages/editor"
	letterpages "github.com/guichet/guichet/pages/letters"
	"github.com/guichet/guichet/pages/operations"
	"github.com/guichet/guichet/pages/rights"
	"github.com/guichet/guichet/pages/verify"
	"github.com/guichet/guichet/pages/webform"
	"github.com/guichet/guichet/privacy"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
	"github.com/guichet/guichet/webhooks"
)

// Config is everything Guichet needs to start.
type Config struct {
	// DataDir holds the embedded NATS server's data.
	DataDir string
	// NATSURL, when set, connects to an existing NATS cluster.
	NATSURL string
	// NATSCredentials is a .creds file (user JWT and NKey seed) for NATSURL.
	NATSCredentials string
	// NATSNKeySeed is a file holding a user's NKey seed, for NATSURL.
	NATSNKeySeed string
	// MaxStore bounds the embedded server's store, in bytes (see bus.Config).
	MaxStore int64
	// Role says what this process runs: everything (the default), only the
	// HTTP API and pages, or only the processors.
	Role Role
	// NATSListen, when set, opens a listener on the embedded server for the nats CLI.
	NATSListen string
	// Replicas is the replication of streams and buckets (1 or 3).
	Replicas int
	// AdminToken, when set, is the bootstrap admin's bearer token.
	AdminToken string
	// Demo seeds demo departments and forms into an empty data directory.
	Demo bool
	// Organisation is the name shown on PDF records.
	Organisation string
	// Cookies says when session cookies are marked Secure.
	Cookies web.CookiePolicy
	// Theme is the organisation's colour and logo.
	Theme web.Theme
	// Sessions sets how long browser sessions last.
	Sessions identity.SessionConfig
	// TokenLifetime is how long an API token lasts when its issuer does
	// not say (identity.DefaultTokenLifetime when 0).
	TokenLifetime time.Duration
	// Processing tunes the processors' retries.
	Processing processors.Config
	// Mail is the SMTP relay that emails submitters; without an address,
	// nothing is emailed.
	Mail mailer.Config
	// PublicURL is the site's public address, for the links in emails.
	PublicURL string
	// TrustedProxies are the reverse proxies in front of Guichet: the
	// client's address is then the one their X-Forwarded-For gives.
	TrustedProxies []netip.Prefix
	// WebhookAllow opens these internal networks to webhooks, which
	// otherwise call public addresses only.
	WebhookAllow []netip.Prefix
	// ClamdAddr is ClamAV's daemon, a unix socket's path or host:port;
	// without it, files are kept unscanned.
	ClamdAddr string
	// FileGrace is how long a file that no submission holds is kept
	// (uploads.DefaultGrace when 0).
	FileGrace time.Duration
	// SubmitRate bounds the submissions of each client address.
	SubmitRate submit.RateLimit
	// DrainDelay is how long, on shutdown, /readyz answers 503 while the
	// server still serves, so that load balancers stop sending requests
	// before the listener closes (none by default).
	DrainDelay time.Duration
	// ReadHeaderTimeout and ReadTimeout bound how long a client may take
	// to send a request's headers, and the whole request, files included
	// (10 seconds and 2 minutes by default: 32 MB on a 2 Mbit/s line), so
	// that slow clients cannot hold connections.
	ReadHeaderTimeout, ReadTimeout time.Duration
	// ReceiptKeys is the directory of the keys that sign receipts
	// (receipt-keys in DataDir by default), created with a first key if
	// empty; processor nodes sign with its current key.
	ReceiptKeys string
	// RetentionEvery is how often submissions and drafts past their
	// retention are purged (an hour by default); by processor nodes.
	RetentionEvery time.Duration
	// ReminderEvery is how often approvers are reminded of waiting
	// requests (an hour by default); only with Mail.
	ReminderEvery time.Duration
	Logger        *slog.Logger
}

// Role is the part of Guichet a process runs. Several processes of each
// role share one NATS cluster: API nodes behind a load balancer, and
// processor nodes as competing consumers of the same durable consumers.
type Role string

// Roles.
const (
	// RoleAll runs the API, the pages and the processors.
	RoleAll Role = "all"
	// RoleAPI serves the API and the pages, and processes nothing.
	RoleAPI Role = "api"
	// RoleProcessors runs the processors and the approval reminders, and
	// serves only /healthz and /readyz.
	RoleProcessors Role = "processors"
)

// ParseRole reads a role's name.
func ParseRole(name string) (Role, error) {
	switch r := Role(name); r {
	case RoleAll, RoleAPI, RoleProcessors:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want api, processors or all", name)
}

// Serves tells whether the role serves the API and the pages.
func (r Role) Serves() bool { return r != RoleProcessors }

func (r Role) processes() bool { return r != RoleAPI }

func (c *Config) setDefaults() {
	if c.Role == "" {
		c.Role = RoleAll
	}
	if c.Organisation == "" {
		c.Organisation = "Département de la Moselle"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Cookies == "" {
		c.Cookies = web.CookiesAuto
	}
	if c.Processing.Logger == nil {
		c.Processing.Logger = c.Logger
	}
}

// App is a running Guichet.
type App struct {
	// Handler serves the HTTP API and the pages.
	Handler http.Handler
	// Services are what Handler serves, the HTML routes among them.
	Services api.Services
	// Bootstrap holds what this start generated for the bootstrap admin,
	// to be shown once.
	Bootstrap identity.Bootstrap
	// Bus is the NATS connection.
	Bus *bus.Bus

	log        *slog.Logger
	processors *processors.Group
	server     *http.Server
	// metrics serves the Prometheus metrics; metricsServer serves them
	// alone on their own address, if asked.
	metrics       http.Handler
	metricsServer *http.Server
	// reminders stops the approval reminders, if they run.
	reminders func()
	// retention stops the scheduled purge, if it runs.
	retention func()
	// fileKeeping scans the files kept unscanned and deletes the orphans.
	fileKeeping func()
	// draining is set once shutdown begins: the app is no longer ready.
	draining   atomic.Bool
	drainDelay time.Duration
	// readHeaderTimeout and readTimeout bound slow clients.
	readHeaderTimeout, readTimeout time.Duration

	stopOnce sync.Once
	stopErr  error
}

// Start opens NATS, provisions it, seeds the demo content on a first start
// if asked, starts the processors and builds the HTTP handler. It does not
// serve yet: see Serve.
func Start(ctx context.Context, cfg Config) (*App, error) {
	cfg.setDefaults()
	b, err := bus.Open(ctx, bus.Config{DataDir: cfg.DataDir, URL: cfg.NATSURL, Credentials: cfg.NATSCredentials, NKeySeed: cfg.NATSNKeySeed,
		Listen: cfg.NATSListen, MaxStore: cfg.MaxStore, Replicas: cfg.Replicas, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	a := &App{Bus: b, log: cfg.Logger, drainDelay: cfg.DrainDelay,
		readHeaderTimeout: cmp.Or(cfg.ReadHeaderTimeout, 10*time.Second), readTimeout: cmp.Or(cfg.ReadTimeout, 2*time.Minute)}
	if err := a.build(ctx, cfg); err != nil {
		b.Close()
		return nil, err
	}
	return a, nil
}

// parts are what the build's steps hand on to the next, beyond the
// services the API serves (App.Services).
type parts struct {
	logins      *identity.Logins
	drafts      *submit.Drafts
	submissions jetstream.Stream
	documents   jetstream.ObjectStore
	counts      *metrics.Metrics
	mail        *mailer.Mailer
	notices     *backoffice.Notices
}

// build opens the services, starts the processors of a role that
// processes, and builds the HTTP handler, in that order: each step uses
// what the ones before it opened.
func (a *App) build(ctx context.Context, cfg Config) error {
	var p parts
	for _, step := range []func(context.Context, Config, *parts) error{
		a.openIdentity, a.openSubmissions, a.openBackOffice, a.startProcessing,
	} {
		if err := step(ctx, cfg, &p); err != nil {
			return err
		}
	}
	if err := a.buildHandler(cfg, &p); err != nil {
		return err
	}
	a.log.Info("role", "role", cfg.Role, "consumers", cfg.Role.processes(), "api", cfg.Role.Serves())
	return nil
}

// openIdentity opens departments, accounts and their credentials,
// sessions and tokens, and makes sure the bootstrap admin exists.
func (a *App) openIdentity(ctx context.Context, cfg Config, p *parts) error {
	s, b := &a.Services, a.Bus
	var err error
	if s.Departments, err = identity.NewDepartments(ctx, b); err != nil {
		return err
	}
	if s.Accounts, err = identity.NewAccounts(ctx, b, s.Departments); err != nil {
		return err
	}
	if s.Tokens, err = identity.NewTokens(ctx, b, s.Accounts, cfg.AdminToken, cfg.TokenLifetime); err != nil {
		return err
	}
	if s.Credentials, err = identity.NewCredentials(ctx, b); err != nil {
		return err
	}
	if s.Sessions, err = identity.NewSessions(ctx, b, cfg.Sessions); err != nil {
		return err
	}
	s.Audit = identity.NewAudit(b)
	if p.logins, err = identity.NewLogins(ctx, b, s.Accounts, s.Credentials, s.Sessions, s.Audit, nil); err != nil {
		return err
	}
	links, err := identity.NewSignInLinks(ctx, b, s.Accounts)
	if err != nil {
		return err
	}
	s.AccountCare = &identity.AccountCare{
		Accounts:    s.Accounts,
		Credentials: s.Credentials,
		Sessions:    s.Sessions,
		Tokens:      s.Tokens,
		Audit:       s.Audit,
		Links:       links,
	}
	if a.Bootstrap, err = identity.EnsureBootstrapAdmin(ctx, s.Accounts, s.Credentials, s.Tokens); err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	return nil
}

// openSubmissions opens the forms, brings stored data to the current
// layout, seeds the demo content on a first start if asked, and opens
// intake, drafts and receipts.
func (a *App) openSubmissions(ctx context.Context, cfg Config, p *parts) error {
	s, b := &a.Services, a.Bus
	var err error
	if s.Forms, err = schemas.NewRegistry(ctx, b, s.Departments); err != nil {
		return err
	}
	if s.Tracker, err = submit.NewTracker(ctx, b); err != nil {
		return err
	}
	if _, err := migrate.Run(ctx, b, s.Tracker, cfg.Logger); err != nil {
		return err
	}
	if a.Bootstrap.FirstStart && cfg.Demo {
		if err := demo.Seed(ctx, s.Departments, s.Forms); err != nil {
			return fmt.Errorf("demo content: %w", err)
		}
		a.log.Info("demo content seeded")
	}
	p.counts = metrics.New(b.JS, b.Batches)
	a.metrics = p.counts.Handler()
	files := uploads.Config{Grace: cfg.FileGrace, Log: cfg.Logger, Observe: func(scan uploads.Scan) { p.counts.File(string(scan)) }}
	if cfg.ClamdAddr == "" {
		a.log.Warn("files are not scanned: clamd-addr names no ClamAV daemon; they are kept unscanned")
	} else {
		files.Scanner = clamd.New(cfg.ClamdAddr)
		if err := files.Scanner.Ping(ctx); err != nil {
			a.log.Warn("ClamAV does not answer: files are kept unscanned until it does", "clamd", cfg.ClamdAddr, "error", err)
		} else {
			a.log.Info("files are scanned by ClamAV", "clamd", cfg.ClamdAddr)
		}
	}
	if s.Uploads, err = uploads.New(ctx, b, files); err != nil {
		return err
	}
	if s.Intake, err = submit.NewIntake(ctx, b, s.Forms, s.Tracker,
		submit.IntakeConfig{Log: cfg.Logger, Limit: cfg.SubmitRate, Observe: p.counts.Submission, Uploads: s.Uploads}); err != nil {
		return err
	}
	if p.drafts, err = submit.NewDrafts(ctx, b, s.Uploads); err != nil {
		return err
	}
	if p.documents, err = b.Documents(ctx); err != nil {
		return err
	}
	s.Documents, s.ReadDocument = p.documents, b.ReadDocument
	if p.submissions, err = b.JS.Stream(ctx, bus.StreamSubmissions); err != nil {
		return err
	}
	s.Builder = &builder.Builder{Forms: s.Forms, Audit: s.Audit, Submissions: p.submissions, Drafts: p.drafts}
	if s.Builder.History, err = builder.NewHistory(ctx, b); err != nil {
		return err
	}
	s.Receipts, err = receipts.OpenStore(ctx, b)
	return err
}

// openBackOffice opens what agents work with: inboxes, dossiers and their
// trail, statistics, exports, workflows with their emails, webhooks, and
// the data protection duties.
func (a *App) openBackOffice(ctx context.Context, cfg Config, p *parts) error {
	s, b := &a.Services, a.Bus
	var err error
	if s.Trail, err = backoffice.NewTrail(ctx, b); err != nil {
		return err
	}
	if s.Dossiers, err = backoffice.NewDossiers(ctx, b, s.Tracker, s.Forms, s.Trail); err != nil {
		return err
	}
	if s.Statistics, err = backoffice.NewStatistics(ctx, b); err != nil {
		return err
	}
	if s.Inboxes, err = backoffice.NewInboxes(ctx, b, s.Tracker); err != nil {
		return err
	}
	if s.Exporter, err = backoffice.NewExporter(ctx, b, s.Tracker, s.Forms, s.Audit); err != nil {
		return err
	}
	if cfg.Mail.Enabled() {
		if p.mail, err = mailer.New(cfg.Mail); err != nil {
			return err
		}
		sent, err := b.KV(ctx, bus.BucketNotifications)
		if err != nil {
			return err
		}
		p.notices = &backoffice.Notices{Mail: p.mail, Sent: sent, SiteURL: cfg.PublicURL}
	} else {
		a.log.Info("no SMTP relay configured: nobody is emailed")
	}
	s.Conversations, err = backoffice.NewConversations(ctx, b, s.Tracker, s.Intake, s.Forms, s.Uploads, s.Trail, cfg.Mail.Enabled())
	if err != nil {
		return err
	}
	if s.Workflows, err = backoffice.NewWorkflows(ctx, b, s.Forms, s.Accounts, s.Intake, s.Tracker, s.Trail, p.notices); err != nil {
		return err
	}
	if s.Letters, err = letters.NewStore(ctx, b); err != nil {
		return err
	}
	if s.Webhooks, err = webhooks.New(ctx, b, webhooks.Config{Allow: cfg.WebhookAllow}); err != nil {
		return err
	}
	if s.Privacy, err = privacy.New(ctx, b, s.Forms, s.Audit); err != nil {
		return err
	}
	if cfg.Role.processes() {
		a.retention = purgeEvery(a.log, s.Privacy, cmp.Or(cfg.RetentionEvery, time.Hour))
	}
	return nil
}

// startProcessing starts every consumer on a role that processes, and
// opens their dead letters on every role.
func (a *App) startProcessing(ctx context.Context, cfg Config, p *parts) error {
	s, b := &a.Services, a.Bus
	cfg.Processing.Observe = func(consumer string, outcome processors.Outcome, took time.Duration) {
		p.counts.Processed(consumer, string(outcome), took)
	}
	pdf := &processors.PDF{Organisation: cfg.Organisation, Forms: s.Forms, Tracker: s.Tracker, Bus: b, Submissions: p.submissions,
		Documents: p.documents, Uploads: s.Uploads, SiteURL: cfg.PublicURL}
	route := &processors.Route{Forms: s.Forms, Tracker: s.Tracker, Submissions: p.submissions}
	decisions := &processors.Decision{Organisation: cfg.Organisation, Forms: s.Forms, Submissions: p.submissions, Documents: p.documents,
		Accounts: s.Accounts, Departments: s.Departments, Letters: s.Letters}
	consumers := []processors.Consumer{
		pdf.Consumer(),
		route.Consumer(),
		decisions.Consumer(),
		{
			Stream:         bus.StreamEvents,
			Durable:        bus.ConsumerWorkflow,
			FilterSubjects: s.Workflows.Subjects(),
			Handler:        s.Workflows.Handle,
			Patient:        true,
		},
		{
			Stream:         bus.StreamEvents,
			Durable:        bus.ConsumerWebhooks,
			FilterSubjects: webhooks.Subjects(),
			Handler:        s.Webhooks.Handle,
			Patient:        true,
		},
	}
	if p.notices != nil {
		notify := &processors.Notify{
			Organisation: cfg.Organisation,
			SiteURL:      cfg.PublicURL,
			Forms:        s.Forms,
			Tracker:      s.Tracker,
			Accounts:     s.Accounts,
			Submissions:  p.submissions,
			Documents:    p.documents,
			Sent:         p.notices.Sent,
			Mail:         p.mail,
			Decisions:    decisions,
		}
		unfit := &processors.UnfitDrafts{Organisation: cfg.Organisation, SiteURL: cfg.PublicURL, Forms: s.Forms, Drafts: p.drafts,
			Accounts: s.Accounts, Sent: p.notices.Sent, Mail: p.mail}
		consumers = append(consumers, notify.Consumer(), unfit.Consumer())
		if cfg.Role.processes() {
			a.reminders = remindEvery(a.log, s.Workflows, cmp.Or(cfg.ReminderEvery, time.Hour))
		}
	}
	if cfg.Role.processes() {
		// Only a node that signs can replay a receipt's dead letter.
		signer, err := a.receiptSigner(ctx, cfg, s.Receipts)
		if err != nil {
			return err
		}
		consumers = append(consumers, (&processors.Signing{Signer: signer, Bus: b, Log: a.log}).Consumer())
		a.fileKeeping = keepFiles(a.log, s.Uploads, caughtUp(b.JS, bus.BucketStream(bus.BucketReceipts), bus.ConsumerPDF))
		if a.processors, err = processors.Start(ctx, b.JS, cfg.Processing, consumers...); err != nil {
			return err
		}
	}
	var err error
	s.DeadLetters, err = processors.NewDeadLetters(ctx, b.JS, consumers)
	return err
}

// buildHandler mounts the API and the pages on a role that serves, and
// only the health checks on the others.
func (a *App) buildHandler(cfg Config, p *parts) error {
	s := &a.Services
	site := web.Site{Organisation: cfg.Organisation, HasLogo: len(cfg.Theme.Logo) > 0}
	s.Log, s.TrustedProxies, s.Ready, s.UploadTimeout = cfg.Logger, cfg.TrustedProxies, a.ready, a.readTimeout
	s.UploadsInProgress = api.UploadsConfig{Abandoned: cfg.FileGrace}
	if cfg.DataDir != "" {
		s.UploadsInProgress.Dir = filepath.Join(cfg.DataDir, "uploads-in-progress")
	}
	s.Cookies, s.Site, s.Theme, s.Instrument = cfg.Cookies, site, cfg.Theme, p.counts.Instrument
	s.Pages = slices.Concat(
		account.New(account.Config{Departments: s.Departments, Accounts: s.Accounts, Care: s.AccountCare, Tokens: s.Tokens,
			Sessions: s.Sessions, Logins: p.logins, Audit: s.Audit, Cookies: cfg.Cookies, Mail: p.mail, SiteURL: cfg.PublicURL, Site: site,
			Drafts: p.drafts, Forms: s.Forms, Log: cfg.Logger}).Routes(),
		webform.New(webform.Config{
			Forms:         s.Forms,
			Intake:        s.Intake,
			Tracker:       s.Tracker,
			Drafts:        p.drafts,
			Uploads:       s.Uploads,
			Accounts:      s.Accounts,
			Departments:   s.Departments,
			Corrections:   corrections{s.Workflows},
			Conversations: s.Conversations,
			Cookies:       cfg.Cookies,
			Mail:          p.mail,
			SiteURL:       cfg.PublicURL,
			Site:          site,
			Log:           cfg.Logger,
		}).Routes(),
		editor.New(editor.Config{Forms: s.Forms, Builder: s.Builder, Departments: s.Departments, Site: site, SiteURL: cfg.PublicURL,
			Mail: cfg.Mail.Enabled(), Log: cfg.Logger}).Routes(),
		desk.New(desk.Config{Inboxes: s.Inboxes, Dossiers: s.Dossiers, Conversations: s.Conversations, Departments: s.Departments,
			Accounts: s.Accounts, Forms: s.Forms,
			Statistics: s.Statistics, Workflows: s.Workflows, Trail: s.Trail, Uploads: s.Uploads, Site: site, Log: cfg.Logger}).Routes(),
		operations.New(operations.Config{DeadLetters: s.DeadLetters, Webhooks: s.Webhooks, Departments: s.Departments, Site: site,
			Log: cfg.Logger}).Routes(),
		letterpages.New(letterpages.Config{Letters: s.Letters, Departments: s.Departments, Forms: s.Forms, Audit: s.Audit, Site: site,
			Log: cfg.Logger}).Routes(),
		rights.New(rights.Config{Privacy: s.Privacy, Site: site, Log: cfg.Logger}).Routes(),
		verify.New(verify.Config{Receipts: s.Receipts, Site: site, Log: cfg.Logger}).Routes(),
		// For Prometheus, with an admin's API token.
		[]web.Route{{Method: http.MethodGet, Pattern: "/metrics", Access: identity.AdminOnly, Handler: a.metrics.ServeHTTP}})
	if !cfg.Role.Serves() {
		a.Handler = api.Health(a.ready)
		return nil
	}
	var err error
	a.Handler, err = api.New(a.Services)
	return err
}

// receiptSigner opens the receipt keys and publishes their public halves
// for every node: the current one signs.
func (a *App) receiptSigner(ctx context.Context, cfg Config, store *receipts.Store) (*receipts.Signer, error) {
	signer, err := receipts.LoadOrCreate(cmp.Or(cfg.ReceiptKeys, filepath.Join(cfg.DataDir, "receipt-keys")), time.Now())
	if err != nil {
		return nil, err
	}
	return signer, store.Publish(ctx, signer.Keyring())
}

// corrections gives the form pages the requests sent back for correction.
type corrections struct{ workflows *backoffice.Workflows }

func (c corrections) Returned(
	ctx context.Context,
	p identity.Principal,
	reference string,
) (*schemas.Compiled, json.RawMessage, int, error) {
	form, data, round, err := c.workflows.Returned(ctx, p, reference)
	return form, data, round, correctionError(err)
}

func (c corrections) Resend(ctx context.Context, p identity.Principal, reference string, round int, data json.RawMessage) error {
	return correctionError(c.workflows.Resend(ctx, p, reference, round, data))
}

// correctionError tells the form pages why a correction is refused.
func correctionError(err error) error {
	switch {
	case errors.Is(err, backoffice.ErrNotRequester), errors.Is(err, backoffice.ErrNoWorkflow):
		return webform.ErrNotRequester
	case errors.Is(err, backoffice.ErrStale):
		return webform.ErrNotReturned
	}
	return err
}

// remindEvery reminds approvers of the requests that waited too long, at
// each tick, until the returned function stops it.
func remindEvery(log *slog.Logger, workflows *backoffice.Workflows, every time.Duration) func() {
	return repeat(every, func(ctx context.Context) {
		if n, err := workflows.Remind(ctx); err != nil {
			log.Warn("approval reminders stopped short", "reminded", n, "error", err)
		} else if n > 0 {
			log.Info("approval reminders sent", "reminded", n)
		}
	})
}

// keepFiles scans, every minute, the files kept unscanned while ClamAV
// was down, and deletes, every hour, the files that nothing holds past
// their time. The deletion waits while the PDF processor, which records
// which submission holds which file, has submissions left to handle.
func keepFiles(log *slog.Logger, files *uploads.Service, pdfCaughtUp func(context.Context) bool) func() {
	stopRescans := repeat(time.Minute, func(ctx context.Context) {
		if n, err := files.Rescan(ctx); err != nil {
			log.Warn("files still unscanned: ClamAV does not answer", "scanned", n, "error", err)
		} else if n > 0 {
			log.Info("files kept unscanned are scanned", "scanned", n)
		}
	})
	stopSweeps := repeat(time.Hour, func(ctx context.Context) {
		if !pdfCaughtUp(ctx) {
			log.Info("orphaned files are not swept: the PDF processor has submissions left to handle")
			return
		}
		if n, err := files.Sweep(ctx); err != nil {
			log.Warn("orphaned files: sweep stopped short", "deleted", n, "error", err)
		} else if n > 0 {
			log.Info("orphaned files deleted", "deleted", n)
		}
	})
	return func() { stopRescans(); stopSweeps() }
}

// caughtUp tells whether a durable consumer has handled every message of
// its stream.
func caughtUp(js jetstream.JetStream, stream, durable string) func(context.Context) bool {
	return func(ctx context.Context) bool {
		c, err := js.Consumer(ctx, stream, durable)
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}
}

// purgeEvery deletes the submissions and drafts past their retention
// now, then every period.
func purgeEvery(log *slog.Logger, p *privacy.Privacy, every time.Duration) func() {
	purge := func(ctx context.Context) {
		purged, err := p.PurgeExpired(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("retention purge failed", "err", err)
		case purged.Submissions+purged.Drafts > 0:
			log.Info("retention purge", "submissions", purged.Submissions, "drafts", purged.Drafts)
		}
	}
	return repeat(every, purge, purge)
}

// repeat runs task every interval, after first if any, until the returned
// function stops it and waits for the run in progress.
func repeat(every time.Duration, task func(context.Context), first ...func(context.Context)) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, f := range first {
			f(ctx)
		}
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				task(ctx)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Serve serves HTTP on ln until Shutdown.
func (a *App) Serve(ln net.Listener) {
	a.server = &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: a.readHeaderTimeout,
		ReadTimeout:       a.readTimeout,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := a.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "error", err)
		}
	}()
}

// ServeMetrics serves /metrics on ln, without authentication: for a
// Prometheus on an internal network, and for processor nodes, which serve
// no API. Elsewhere, /metrics needs an admin's token.
func (a *App) ServeMetrics(ln net.Listener) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics)
	a.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
	go func() {
		if err := a.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics server stopped", "error", err)
		}
	}()
}

// errDraining means the app is shutting down.
var errDraining = errors.New("app: shutting down")

// ready reports whether the app takes requests: not once it is draining,
// and only while NATS and its streams answer.
func (a *App) ready(ctx context.Context) error {
	if a.draining.Load() {
		return errDraining
	}
	return a.Bus.Ready(ctx)
}

// Shutdown first answers not ready for DrainDelay while still serving,
// then stops taking requests, lets those in flight finish, drains the
// processors, and closes NATS. Calling it again does nothing more.
func (a *App) Shutdown(ctx context.Context) error {
	a.stopOnce.Do(func() {
		a.draining.Store(true)
		if a.server != nil && a.drainDelay > 0 {
			select {
			case <-time.After(a.drainDelay):
			case <-ctx.Done():
			}
		}
		if a.server != nil {
			a.stopErr = a.server.Shutdown(ctx)
		}
		if a.metricsServer != nil {
			_ = a.metricsServer.Shutdown(ctx)
		}
		if a.reminders != nil {
			a.reminders()
		}
		if a.retention != nil {
			a.retention()
		}
		if a.fileKeeping != nil {
			a.fileKeeping()
		}
		if a.processors != nil {
			a.processors.Stop()
		}
		a.Bus.Close()
	})
	return a.stopErr
}
