// Package api is Guichet's HTTP surface: the Huma operations, one handler
// type per resource group, the router that mounts the HTML pages, the
// authentication of every request, the mapping of domain errors to problem
// details, and the health endpoints. It holds no business logic.
//
// Front door (internal/test/layering).
package api

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/requestid"
	"github.com/guichet/guichet/internal/platform/tracing"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/letters"
	"github.com/guichet/guichet/privacy"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
	"github.com/guichet/guichet/webhooks"
)

// Services are what the API serves.
type Services struct {
	Departments *identity.Departments
	Accounts    *identity.Accounts
	Credentials *identity.Credentials
	Tokens      *identity.Tokens
	// AccountCare saves accounts and resets passwords for admins.
	AccountCare *identity.AccountCare
	Sessions    *identity.Sessions
	Audit       *identity.Audit
	Forms       *schemas.Registry
	Builder     *builder.Builder
	Intake      *submit.Intake
	Tracker     *submit.Tracker
	Inboxes     *backoffice.Inboxes
	Dossiers    *backoffice.Dossiers
	// Conversations are the messages between departments and applicants.
	Conversations *backoffice.Conversations
	Trail         *backoffice.Trail
	Exporter      *backoffice.Exporter
	Statistics    *backoffice.Statistics
	Workflows     *backoffice.Workflows
	Webhooks      *webhooks.Service
	// Letters are the templates of the decision letters.
	Letters     *letters.Store
	DeadLetters *processors.DeadLetters
	Privacy     *privacy.Privacy
	Receipts    *receipts.Store
	// Uploads keeps the files, scanned by ClamAV.
	Uploads *uploads.Service
	// UploadsInProgress is where uploads cut in chunks are put together.
	UploadsInProgress UploadsConfig
	// Log receives what cannot be told to the caller, such as an export
	// cut short.
	Log       *slog.Logger
	Documents DocumentStore
	// ReadDocument streams a large document, an attached file (see
	// bus.ReadDocument).
	ReadDocument func(ctx context.Context, name string) (io.ReadCloser, error)
	// Pages are the HTML routes, each with its access rule.
	Pages []web.Route
	// Cookies says when session cookies are marked Secure.
	Cookies web.CookiePolicy
	// Site is what pages show of the organisation.
	Site web.Site
	// Theme is the organisation's colour and logo.
	Theme web.Theme
	// Ready reports whether NATS and its streams answer.
	Ready func(ctx context.Context) error
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client, for the per-address limits and the logs.
	TrustedProxies []netip.Prefix
	// UploadTimeout bounds how long a submission's body, which may carry
	// files, may take to arrive (two minutes by default); other bodies
	// are small and get Huma's five seconds.
	UploadTimeout time.Duration
	// Instrument, when set, wraps the routes and the middleware in front
	// of them, for metrics (see metrics.Metrics.Instrument).
	Instrument func(mux http.Handler, middleware func(http.Handler) http.Handler) http.Handler
}

// DocumentStore reads stored documents.
type DocumentStore interface {
	GetBytes(ctx context.Context, name string, opts ...jetstream.GetObjectOpt) ([]byte, error)
}

// Version is the API version shown in the OpenAPI document.
const Version = "0.1.0"

// New builds the HTTP handler: the JSON API under /api, its OpenAPI
// document at /api/openapi.json and docs at /api/docs, the HTML pages,
// /static/, and /healthz and /readyz.
func New(s Services) (http.Handler, error) {
	mux := http.NewServeMux()
	config := huma.DefaultConfig("Guichet", Version)
	config.Info.Description = "Formulaires en ligne et dépôt de dossiers. Online forms and submissions."
	config.Servers = []*huma.Server{{URL: "/", Description: "Ce Guichet"}}
	config.OpenAPIPath = openAPIPath
	// The docs are Guichet's own page (docs.go): Huma's load their script
	// from a public CDN.
	config.DocsPath = ""
	config.SchemasPath = "/api/schemas"
	// Bodies are plain JSON, without $schema links.
	config.CreateHooks = nil
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearerScheme: {Type: "http", Scheme: "bearer", Description: "Jeton d'API personnel."},
		cookieScheme: {
			Type:        "apiKey",
			In:          "cookie",
			Name:        web.SessionCookie,
			Description: "Session du navigateur ; les requêtes qui modifient demandent l'en-tête X-CSRF-Token.",
		},
	}
	localiseHumaErrors()
	spec := &formsOpenAPI{forms: s.Forms}
	api := huma.NewAPI(config, specAdapter{Adapter: humago.NewAdapter(mux, ""), spec: spec})
	spec.api = api
	api.UseMiddleware(enforceAccess(api))

	(&departmentsHandler{departments: s.Departments, inboxes: s.Inboxes}).register(api)
	(&accountsHandler{accounts: s.Accounts, care: s.AccountCare, tokens: s.Tokens}).register(api)
	(&meHandler{accounts: s.Accounts, tokens: s.Tokens}).register(api)
	(&formsHandler{forms: s.Forms, builder: s.Builder}).register(api)
	(&statisticsHandler{statistics: s.Statistics}).register(api)
	(&approvalsHandler{workflows: s.Workflows}).register(api)
	(&webhooksHandler{webhooks: s.Webhooks}).register(api)
	(&deadLettersHandler{letters: s.DeadLetters}).register(api)
	(&privacyHandler{privacy: s.Privacy}).register(api)
	(&receiptsHandler{receipts: s.Receipts}).register(api)
	(&dossiersHandler{dossiers: s.Dossiers, conversations: s.Conversations, trail: s.Trail, exporter: s.Exporter, log: s.Log}).register(api)
	(&builderHandler{forms: s.Forms, builder: s.Builder}).register(api)
	(&fieldsHandler{forms: s.Forms, builder: s.Builder}).register(api)
	(&submissionsHandler{intake: s.Intake, tracker: s.Tracker, documents: s.Documents, readDocument: s.ReadDocument, uploads: s.Uploads,
		log: s.Log, trail: s.Trail, receipts: s.Receipts, conversations: s.Conversations,
		uploadTimeout: cmp.Or(s.UploadTimeout, 2*time.Minute)}).register(api)

	files, err := newUploadsHandler(s)
	if err != nil {
		return nil, err
	}
	mux.Handle(UploadsPath, files)
	mux.Handle(UploadsPath+"/", files)
	files.document(api)

	docs := web.Route{
		Method:  http.MethodGet,
		Pattern: "/api/docs",
		Access:  identity.Anyone,
		Handler: newDocsPage(s.Site, spec, s.Log).ServeHTTP,
	}
	errorPages := web.NewErrorPages(s.Site)
	for _, route := range append(slices.Clone(s.Pages), docs) {
		mux.Handle(route.Method+" "+route.Pattern, guardPage(route, errorPages))
	}
	mux.Handle("GET /static/", web.Static())
	mux.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	theme := s.Theme.Handler()
	mux.Handle("GET /theme.css", theme)
	mux.Handle("GET /logo", theme)
	registerHealth(mux, s.Ready)

	resolve := &resolver{tokens: s.Tokens, sessions: s.Sessions, accounts: s.Accounts, cookies: s.Cookies, errors: errorPages}
	middleware := func(next http.Handler) http.Handler {
		return web.SecurityHeaders(
			web.TrustProxies(s.TrustedProxies, requestid.Middleware(resolve.middleware(http.NewCrossOriginProtection().Handler(next)))),
		)
	}
	routes := tracing.Middleware(web.Unmatched(mux, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSONProblem(w, problem(requestOf(r.Context()).Lang, http.StatusNotFound, msgNoSuchOperation))
			return
		}
		errorPages.NotFound(w, r)
	}))
	if s.Instrument != nil {
		return s.Instrument(routes, middleware), nil
	}
	return middleware(routes), nil
}
