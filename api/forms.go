package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
)

type formsHandler struct {
	forms   *schemas.Registry
	builder *builder.Builder
}

func (h *formsHandler) register(api huma.API) {
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "put-form-draft", Method: http.MethodPut, Path: "/api/forms/{id}/draft",
		Summary: "Enregistrer le brouillon d'un formulaire", Tags: []string{"Forms"},
		Description: "Le schéma est un JSON Schema draft-07 ; seules les références internes (#…) sont permises. " +
			"Les règles d'orientation sont évaluées dans l'ordre : la première dont le schéma `when` valide les données décide du service.",
		MaxBodyBytes: schemas.MaxSchemaBytes * 4,
	}), h.putDraft)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "get-form-draft", Method: http.MethodGet, Path: "/api/forms/{id}/draft",
		Summary: "Lire le brouillon d'un formulaire", Tags: []string{"Forms"},
	}), h.getDraft)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "publish-form", Method: http.MethodPost, Path: "/api/forms/{id}/publish",
		Summary: "Publier le brouillon comme nouvelle version", Tags: []string{"Forms"},
		Description: "Vérifie le brouillon (voir lint-form-draft), puis le fige en une version numérotée et immuable. Si le brouillon n'a pas " +
			"changé depuis la dernière version, c'est elle qui est rendue.",
	}), h.publish)
	huma.Register(api, operation(identity.Anyone, huma.Operation{
		OperationID: "list-forms", Method: http.MethodGet, Path: "/api/forms",
		Summary: "Lister les formulaires publiés", Tags: []string{"Forms"},
		Description: "Les formulaires publics pour tous ; les formulaires internes en plus pour les agents.",
	}), h.list)
	huma.Register(api, operation(identity.Anyone, huma.Operation{
		OperationID: "get-form", Method: http.MethodGet, Path: "/api/forms/{id}",
		Summary: "Lire la dernière version publiée d'un formulaire", Tags: []string{"Forms"},
	}), h.latest)
	huma.Register(api, operation(identity.Anyone, huma.Operation{
		OperationID: "get-form-version", Method: http.MethodGet, Path: "/api/forms/{id}/versions/{n}",
		Summary: "Lire une version publiée d'un formulaire", Tags: []string{"Forms"},
	}), h.version)
}

// DraftBody is a form definition as an admin writes it.
type DraftBody struct {
	Title       string          `json:"title" minLength:"1" maxLength:"200" example:"Aide au transport scolaire"`
	Description string          `json:"description,omitempty" maxLength:"5000"`
	Audience    string          `json:"audience" enum:"public,internal" example:"public"`
	Schema      json.RawMessage `json:"schema" doc:"JSON Schema draft-07 des données, de type object"`
	UISchema    json.RawMessage `json:"uiSchema,omitempty" doc:"Indications de présentation, à la manière de RJSF (ui:order, ui:widget, ui:help…)"`
	Routing     RoutingBody     `json:"routing"`
	OpensAt     *time.Time      `json:"opensAt,omitempty"`
	ClosesAt    *time.Time      `json:"closesAt,omitempty"`
	DraftDays   int             `json:"draftDays,omitempty" minimum:"0" maximum:"90" doc:"Durée de conservation, en jours, d'un formulaire enregistré pour être repris plus tard (30 par défaut)"`
	// Settings an admin gives a form.
	MaxSubmissions int    `json:"maxSubmissions,omitempty" minimum:"0" doc:"Nombre de dépôts après lequel le formulaire se ferme"`
	RetentionDays  int    `json:"retentionDays,omitempty" minimum:"0" maximum:"3650" doc:"Durée de conservation des dépôts, en jours"`
	Confirmation   string `json:"confirmation,omitempty" maxLength:"2000" doc:"Ce que le récépissé dit de la suite"`
	// Workflow is the approval of an internal form's requests.
	Workflow *WorkflowBody `json:"workflow,omitempty" doc:"Circuit de validation d'un formulaire interne"`
	// Checks are the rules across answers, in expr.
	Checks []CheckBody `json:"checks,omitempty" maxItems:"50" doc:"Contrôles de cohérence entre réponses"`
	// Languages and Translations publish the form in other languages.
	Languages    []string                     `json:"languages,omitempty" maxItems:"2" doc:"Langues de publication en plus du français : en, de"`
	Translations map[string]map[string]string `json:"translations,omitempty" doc:"Les textes du formulaire dans chaque langue, par clé : title, <champ>, <champ>.help, <champ>=<réponse>, step.<n>, check.<n>"`
	// EmbedOrigins are the sites that may show the form in a frame.
	EmbedOrigins []string `json:"embedOrigins,omitempty" maxItems:"10" doc:"Sites qui peuvent afficher le formulaire dans un cadre : https://www.moselle.fr"`
}

// CheckBody is a rule across a form's answers, with its message.
type CheckBody struct {
	Expr      string `json:"expr" maxLength:"500" example:"fin >= debut" doc:"Expression (langage expr) qui doit être vraie, sur les noms des champs"`
	Field     string `json:"field" maxLength:"64" example:"fin" doc:"Champ où dire le message : l'un de ceux que l'expression nomme"`
	MessageFR string `json:"messageFr" maxLength:"500" example:"Le dernier jour d'absence ne peut pas précéder le premier."`
	MessageEN string `json:"messageEn,omitempty" maxLength:"500" example:"The last day of absence cannot come before the first."`
}

// WorkflowBody is the ordered approval of an internal form's requests.
type WorkflowBody struct {
	Steps        []ApprovalStepBody `json:"steps" minItems:"1" maxItems:"20"`
	ReminderDays int                `json:"reminderDays,omitempty" minimum:"0" maximum:"90" doc:"Jours d'attente avant de relancer les valideurs (3 par défaut)"`
}

// ApprovalStepBody is one step of a workflow.
type ApprovalStepBody struct {
	Title    string          `json:"title" minLength:"1" maxLength:"200" example:"Validation par le responsable"`
	Approver string          `json:"approver" maxLength:"80" example:"manager" doc:"« manager » (le responsable du demandeur) ou « department:<service> »"`
	When     json.RawMessage `json:"when,omitempty" doc:"Condition JSON Schema : l'étape ne s'applique qu'aux demandes qui la valident"`
}

// RoutingBody decides which department receives each submission.
type RoutingBody struct {
	Default string     `json:"default" example:"transports" doc:"Service qui reçoit ce qu'aucune règle ne prend"`
	Rules   []RuleBody `json:"rules,omitempty" maxItems:"100"`
}

// RuleBody sends to Department the submissions whose data validates against When.
type RuleBody struct {
	When       json.RawMessage `json:"when" doc:"Condition : un JSON Schema que les données doivent valider"`
	Department string          `json:"department" example:"solidarites"`
}

func (b DraftBody) form(id string) schemas.Form {
	f := schemas.Form{
		ID: id, Title: b.Title, Description: b.Description, Audience: schemas.Audience(b.Audience),
		Schema: b.Schema, UISchema: b.UISchema, OpensAt: b.OpensAt, ClosesAt: b.ClosesAt, DraftDays: b.DraftDays,
		MaxSubmissions: b.MaxSubmissions, RetentionDays: b.RetentionDays, Confirmation: b.Confirmation,
		Routing: schemas.Routing{Default: b.Routing.Default}, EmbedOrigins: b.EmbedOrigins,
		Languages: b.Languages, Translations: b.Translations,
	}
	for _, r := range b.Routing.Rules {
		f.Routing.Rules = append(f.Routing.Rules, schemas.Rule{When: r.When, Department: r.Department})
	}
	for _, c := range b.Checks {
		f.Checks = append(f.Checks, schemas.CrossCheck(c))
	}
	if b.Workflow != nil {
		f.Workflow = &schemas.Workflow{ReminderDays: b.Workflow.ReminderDays}
		for _, s := range b.Workflow.Steps {
			f.Workflow.Steps = append(f.Workflow.Steps, schemas.ApprovalStep(s))
		}
	}
	return f
}

func draftBodyOf(f schemas.Form) DraftBody {
	b := DraftBody{
		Title: f.Title, Description: f.Description, Audience: string(f.Audience),
		Schema: f.Schema, UISchema: f.UISchema, OpensAt: f.OpensAt, ClosesAt: f.ClosesAt, DraftDays: f.DraftDays,
		MaxSubmissions: f.MaxSubmissions, RetentionDays: f.RetentionDays, Confirmation: f.Confirmation,
		Routing: RoutingBody{Default: f.Routing.Default}, EmbedOrigins: f.EmbedOrigins,
		Languages: f.Languages, Translations: f.Translations,
	}
	for _, r := range f.Routing.Rules {
		b.Routing.Rules = append(b.Routing.Rules, RuleBody{When: r.When, Department: r.Department})
	}
	for _, c := range f.Checks {
		b.Checks = append(b.Checks, CheckBody(c))
	}
	if f.Workflow != nil {
		b.Workflow = &WorkflowBody{ReminderDays: f.Workflow.ReminderDays}
		for _, s := range f.Workflow.Steps {
			b.Workflow.Steps = append(b.Workflow.Steps, ApprovalStepBody(s))
		}
	}
	return b
}

type formIDInput struct {
	ID string `path:"id" maxLength:"64" example:"aide-transport-scolaire"`
}

type putDraftInput struct {
	ID   string `path:"id" maxLength:"64" example:"aide-transport-scolaire"`
	Body DraftBody
}

type draftOutput struct{ Body DraftBody }

func (h *formsHandler) putDraft(ctx context.Context, in *putDraftInput) (*draftOutput, error) {
	if err := h.builder.SaveDraft(ctx, requestOf(ctx).Principal.AccountID, in.Body.form(in.ID)); err != nil {
		return nil, toProblem(ctx, err)
	}
	return &draftOutput{Body: in.Body}, nil
}

func (h *formsHandler) getDraft(ctx context.Context, in *formIDInput) (*draftOutput, error) {
	f, err := h.forms.Draft(ctx, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &draftOutput{Body: draftBodyOf(f)}, nil
}

type publishOutput struct {
	Body struct {
		ID      string `json:"id" example:"aide-transport-scolaire"`
		Version int    `json:"version" example:"1"`
	}
}

func (h *formsHandler) publish(ctx context.Context, in *formIDInput) (*publishOutput, error) {
	v, err := h.builder.Publish(ctx, requestOf(ctx).Principal.AccountID, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &publishOutput{}
	out.Body.ID, out.Body.Version = v.ID, v.Version.Version
	return out, nil
}

// FormSummary is one published form in the catalogue.
type FormSummary struct {
	ID       string `json:"id" example:"aide-transport-scolaire"`
	Version  int    `json:"version" example:"2"`
	Title    string `json:"title" example:"Aide au transport scolaire"`
	Audience string `json:"audience" enum:"public,internal"`
}

type listFormsOutput struct {
	Body struct {
		Items []FormSummary `json:"items"`
	}
}

func (h *formsHandler) list(ctx context.Context, _ *struct{}) (*listFormsOutput, error) {
	all, err := h.forms.List(ctx)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	p := requestOf(ctx).Principal
	out := &listFormsOutput{}
	out.Body.Items = []FormSummary{}
	for _, f := range all {
		if f.Audience == schemas.Internal && !p.IsAgent() {
			continue
		}
		out.Body.Items = append(out.Body.Items, FormSummary{ID: f.ID, Version: f.Version.Version, Title: f.Title, Audience: string(f.Audience)})
	}
	return out, nil
}

// FormBody is a published version of a form.
type FormBody struct {
	ID          string          `json:"id" example:"aide-transport-scolaire"`
	Version     int             `json:"version" example:"2"`
	PublishedAt time.Time       `json:"publishedAt"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Audience    string          `json:"audience" enum:"public,internal"`
	Schema      json.RawMessage `json:"schema"`
	UISchema    json.RawMessage `json:"uiSchema,omitempty"`
	Routing     *RoutingBody    `json:"routing,omitempty" doc:"Montré aux agents et administrateurs seulement"`
	OpensAt     *time.Time      `json:"opensAt,omitempty"`
	ClosesAt    *time.Time      `json:"closesAt,omitempty"`
}

type formOutput struct{ Body FormBody }

type formVersionInput struct {
	ID string `path:"id" maxLength:"64"`
	N  int    `path:"n" minimum:"1"`
}

func (h *formsHandler) latest(ctx context.Context, in *formIDInput) (*formOutput, error) {
	c, err := h.forms.Latest(ctx, in.ID)
	return h.visible(ctx, c, err)
}

// version reads a published version: to anyone while the form is in the
// catalogue, and afterwards to agents only, who work on the submissions
// made with it.
func (h *formsHandler) version(ctx context.Context, in *formVersionInput) (*formOutput, error) {
	if !requestOf(ctx).Principal.IsAgent() {
		if _, err := h.forms.Latest(ctx, in.ID); err != nil {
			return nil, toProblem(ctx, err)
		}
	}
	c, err := h.forms.Version(ctx, in.ID, in.N)
	return h.visible(ctx, c, err)
}

// visible shows a version to those its audience allows; to others, an
// internal form does not exist.
func (h *formsHandler) visible(ctx context.Context, c *schemas.Compiled, err error) (*formOutput, error) {
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	p := requestOf(ctx).Principal
	if c.Audience == schemas.Internal && !p.IsAgent() {
		return nil, toProblem(ctx, schemas.ErrNotFound)
	}
	b := draftBodyOf(c.Form)
	body := FormBody{
		ID: c.ID, Version: c.Version.Version, PublishedAt: c.PublishedAt,
		Title: b.Title, Description: b.Description, Audience: b.Audience,
		Schema: b.Schema, UISchema: b.UISchema, OpensAt: b.OpensAt, ClosesAt: b.ClosesAt,
	}
	if p.IsAgent() {
		body.Routing = &b.Routing
	}
	return &formOutput{Body: body}, nil
}
