package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/yaml"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
)

// openAPIPath is where the OpenAPI document is served, without extension.
const openAPIPath = "/api/openapi"

// formsOpenAPI serves the OpenAPI document with the forms in it: each
// published version's data schema is a component ("FormData.<id>.v<n>"),
// and each form in the catalogue has its own submit operation whose body
// is typed by its latest version, so that a generated client gets one
// typed method per form; internal forms only for signed-in agents. The
// operations' part is marshalled once; the forms' part is read from the
// registry at each request.
type formsOpenAPI struct {
	api   huma.API
	forms *schemas.Registry

	once sync.Once
	base []byte
}

// specAdapter hands Huma's routes to the mux, except that the OpenAPI
// document in JSON and YAML comes from spec instead of Huma's fixed copy.
type specAdapter struct {
	huma.Adapter
	spec *formsOpenAPI
}

func (a specAdapter) Handle(op *huma.Operation, handler func(huma.Context)) {
	switch op.Path {
	case openAPIPath + ".json":
		handler = a.spec.handler("application/openapi+json", func(doc []byte) ([]byte, error) { return doc, nil })
	case openAPIPath + ".yaml":
		handler = a.spec.handler("application/openapi+yaml", func(doc []byte) ([]byte, error) {
			var out bytes.Buffer
			err := yaml.Convert(&out, bytes.NewReader(doc))
			return out.Bytes(), err
		})
	}
	a.Adapter.Handle(op, handler)
}

func (s *formsOpenAPI) handler(contentType string, encode func([]byte) ([]byte, error)) func(huma.Context) {
	return func(ctx huma.Context) {
		doc, err := s.document(ctx.Context())
		if err == nil {
			doc, err = encode(doc)
		}
		if err != nil {
			ctx.SetStatus(http.StatusServiceUnavailable)
			return
		}
		ctx.SetHeader("Content-Type", contentType)
		_, _ = ctx.BodyWriter().Write(doc) // a client gone away is nothing to answer
	}
}

// FormDataSchemaName is the component holding version n of a form's data
// schema.
func FormDataSchemaName(id string, n int) string { return fmt.Sprintf("FormData.%s.v%d", id, n) }

// document is the OpenAPI document with the forms published now.
func (s *formsOpenAPI) document(ctx context.Context) ([]byte, error) {
	s.once.Do(func() { s.base, _ = json.Marshal(s.api.OpenAPI()) })
	if s.forms == nil {
		return s.base, nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(s.base, &all); err != nil {
		return nil, err
	}
	var paths map[string]map[string]any
	if err := json.Unmarshal(all["paths"], &paths); err != nil {
		return nil, err
	}
	var components map[string]map[string]json.RawMessage
	if err := json.Unmarshal(all["components"], &components); err != nil {
		return nil, err
	}
	forms, err := s.forms.List(ctx)
	if err != nil {
		return nil, err
	}
	submit := paths["/api/forms/{id}/submissions"]["post"]
	agent := requestOf(ctx).Principal.IsAgent()
	for _, latest := range forms {
		if latest.Audience == schemas.Internal && !agent {
			continue // internal forms are shown to signed-in agents only
		}
		versions, err := s.forms.Versions(ctx, latest.ID)
		if err != nil {
			return nil, err
		}
		for _, n := range versions {
			v, err := s.forms.Version(ctx, latest.ID, n)
			if err != nil {
				return nil, err
			}
			name := FormDataSchemaName(v.ID, n)
			components["schemas"][name] = dataSchema(v, name)
		}
		paths["/api/forms/"+latest.ID+"/submissions"] = map[string]any{"post": formSubmitOperation(submit, latest)}
	}
	if all["paths"], err = json.Marshal(paths); err != nil {
		return nil, err
	}
	if all["components"], err = json.Marshal(components); err != nil {
		return nil, err
	}
	return json.Marshal(all)
}

// dataSchema is a version's data schema as a component: its title and
// version are said, and its local references ("#/definitions/…") point
// into the component.
func dataSchema(v *schemas.Compiled, name string) json.RawMessage {
	var schema map[string]any
	_ = json.Unmarshal(v.Schema, &schema)
	schema["title"] = fmt.Sprintf("%s (version %d)", v.Title, v.Version.Version)
	schema = rebaseRefs(schema, "#/components/schemas/"+name).(map[string]any)
	raw, _ := json.Marshal(schema)
	return raw
}

// rebaseRefs rewrites every local "$ref" of a schema to point under base.
func rebaseRefs(node any, base string) any {
	switch n := node.(type) {
	case map[string]any:
		for key, value := range n {
			if ref, ok := value.(string); key == "$ref" && ok && strings.HasPrefix(ref, "#") {
				n[key] = base + strings.TrimPrefix(ref, "#")
				continue
			}
			n[key] = rebaseRefs(value, base)
		}
	case []any:
		for i, value := range n {
			n[i] = rebaseRefs(value, base)
		}
	}
	return node
}

// formSubmitOperation is the submit operation for one form: the generic
// one, without its id parameter, with a body typed by the latest version.
func formSubmitOperation(generic any, latest *schemas.Compiled) map[string]any {
	var op map[string]any
	raw, _ := json.Marshal(generic)
	_ = json.Unmarshal(raw, &op)
	op["operationId"] = "submit-" + latest.ID
	op["summary"] = "Déposer : " + latest.Title
	op["tags"] = []string{"Forms"}
	// The server's route is the generic one; this names the form it is for.
	op["x-guichet-form"] = latest.ID
	if latest.Audience == schemas.Internal {
		op["security"], op["x-guichet-access"] = securityOf(identity.AnyAgent), identity.AnyAgent
	}
	var parameters []any
	if list, ok := op["parameters"].([]any); ok {
		for _, p := range list {
			if param, ok := p.(map[string]any); ok && param["in"] == "path" {
				continue
			}
			parameters = append(parameters, p)
		}
	}
	op["parameters"] = parameters
	op["requestBody"] = map[string]any{
		"required": true,
		"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"type":                 "object",
			"required":             []string{"data"},
			"additionalProperties": false,
			"properties": map[string]any{"data": map[string]any{
				"$ref": "#/components/schemas/" + FormDataSchemaName(latest.ID, latest.Version.Version),
			}},
		}}},
	}
	return op
}
