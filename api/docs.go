package api

import (
	"context"
	"embed"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
)

//go:embed templates/docs.html
var docsFiles embed.FS

// docsPage serves /api/docs: the OpenAPI document the reader may see,
// written as one page of HTML with no script and nothing from outside, so
// that it reads on an intranet without internet access and tells no third
// party who reads it. openapi.json remains the reference for tools.
type docsPage struct {
	spec      *formsOpenAPI
	templates *web.Templates
	log       *slog.Logger
}

func newDocsPage(site web.Site, spec *formsOpenAPI, log *slog.Logger) *docsPage {
	return &docsPage{spec: spec, templates: web.Parse(site, docsFiles, "templates/docs.html", log), log: log}
}

// apiDocs is what the page shows of an OpenAPI document.
type apiDocs struct {
	Description string
	Groups      []docsGroup
}

type docsGroup struct {
	Tag        string
	Operations []docsOperation
}

type docsOperation struct {
	ID, Method, Path, Summary, Description string
	Parameters                             []docsParameter
	Body                                   string
	Responses                              []docsResponse
}

type docsParameter struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Required    bool   `json:"required"`
	Description string `json:"description"`
}

type docsResponse struct{ Status, Description string }

// openAPIOperation is the part of an OpenAPI operation the page shows.
type openAPIOperation struct {
	OperationID string          `json:"operationId"`
	Summary     string          `json:"summary"`
	Description string          `json:"description"`
	Tags        []string        `json:"tags"`
	Parameters  []docsParameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Description string `json:"description"`
	} `json:"responses"`
}

var methodOrder = []string{"get", "put", "post", "patch", "delete"}

// read turns the reader's OpenAPI document into the page's groups, by
// tag, each operation in path order.
func (d *docsPage) read(ctx context.Context) (apiDocs, error) {
	raw, err := d.spec.document(ctx)
	if err != nil {
		return apiDocs{}, err
	}
	var doc struct {
		Info struct {
			Description string `json:"description"`
		} `json:"info"`
		Paths map[string]map[string]openAPIOperation `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return apiDocs{}, err
	}
	byTag := map[string][]docsOperation{}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		for _, method := range methodOrder {
			op, ok := doc.Paths[path][method]
			if !ok {
				continue
			}
			tag := "API"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], describe(method, path, op))
		}
	}
	out := apiDocs{Description: doc.Info.Description}
	for _, tag := range slices.Sorted(maps.Keys(byTag)) {
		out.Groups = append(out.Groups, docsGroup{Tag: tag, Operations: byTag[tag]})
	}
	return out, nil
}

func describe(method, path string, op openAPIOperation) docsOperation {
	d := docsOperation{ID: op.OperationID, Method: strings.ToUpper(method), Path: path, Summary: op.Summary,
		Description: op.Description, Parameters: op.Parameters}
	if op.RequestBody != nil {
		for _, content := range op.RequestBody.Content {
			d.Body = strings.TrimPrefix(content.Schema.Ref, "#/components/schemas/")
		}
	}
	for _, code := range slices.Sorted(maps.Keys(op.Responses)) {
		d.Responses = append(d.Responses, docsResponse{Status: code, Description: op.Responses[code].Description})
	}
	return d
}

func (d *docsPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	docs, err := d.read(r.Context())
	if err != nil {
		web.Fail(w, r, d.log, err)
		return
	}
	title := locale.Text{FR: "Documentation de l'API", EN: "API documentation"}.In(web.RequestOf(r.Context()).Lang)
	d.templates.Render(w, r, http.StatusOK, "docs.html", title, docs)
}
