// Package api is Guichet's HTTP surface: the Huma operations, one handler
// type per resource group, authentication, the mapping of domain errors to
// problem details, and the health endpoints. It holds no business logic.
package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Services are what the API serves.
type Services struct {
	Departments *identity.Departments
	Accounts    *identity.Accounts
	Tokens      *identity.Tokens
	Forms       *schemas.Registry
	Intake      *submit.Intake
	Tracker     *submit.Tracker
	Inboxes     *backoffice.Inboxes
	Documents   DocumentStore
	// Ready reports whether NATS and its streams answer.
	Ready func(ctx context.Context) error
}

// DocumentStore reads stored documents.
type DocumentStore interface {
	GetBytes(ctx context.Context, name string, opts ...jetstream.GetObjectOpt) ([]byte, error)
}

// Version is the API version shown in the OpenAPI document.
const Version = "0.1.0"

// New builds the HTTP handler: the JSON API under /api, its OpenAPI
// document at /api/openapi.json and docs at /api/docs, and /healthz and
// /readyz.
func New(s Services) http.Handler {
	mux := http.NewServeMux()
	config := huma.DefaultConfig("Guichet", Version)
	config.Info.Description = "Formulaires en ligne et dépôt de dossiers. Online forms and submissions."
	config.OpenAPIPath = "/api/openapi"
	config.DocsPath = "/api/docs"
	config.SchemasPath = "/api/schemas"
	// Bodies are plain JSON, without $schema links.
	config.CreateHooks = nil
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearerScheme: {Type: "http", Scheme: "bearer", Description: "Jeton d'API d'un agent ou d'un administrateur."},
	}
	localiseHumaErrors()
	api := humago.New(mux, config)
	api.UseMiddleware(authenticate(api, s.Tokens))

	(&departmentsHandler{departments: s.Departments, inboxes: s.Inboxes}).register(api)
	(&accountsHandler{accounts: s.Accounts, tokens: s.Tokens}).register(api)
	(&formsHandler{forms: s.Forms}).register(api)
	(&submissionsHandler{intake: s.Intake, tracker: s.Tracker, documents: s.Documents}).register(api)

	registerHealth(mux, s.Ready)
	return mux
}
