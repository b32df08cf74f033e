package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/schemas"
)

// builderHandler serves the admins' tools on form definitions: lint,
// diff, export and import.
type builderHandler struct {
	forms   *schemas.Registry
	builder *builder.Builder
}

func (h *builderHandler) register(api huma.API) {
	tags := []string{"Builder"}
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "lint-form-draft", Method: http.MethodPost, Path: "/api/forms/{id}/lint",
		Summary: "Vérifier le brouillon avant publication", Tags: tags,
		Description: "Liste ce qui empêcherait la publication : champs sans libellé, choix sans libellé, champ obligatoire inexistant, étapes " +
			"vides ou incomplètes.",
	}), h.lint)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "diff-form-versions", Method: http.MethodGet, Path: "/api/forms/{id}/diff",
		Summary: "Comparer deux versions publiées", Tags: tags,
		Description: "Champs ajoutés, supprimés, dont le type, le libellé, le caractère obligatoire ou les choix ont changé, et changements " +
			"d'orientation.",
	}), h.diff)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "export-form", Method: http.MethodGet, Path: "/api/forms/{id}/export",
		Summary: "Exporter une version en un fichier JSON", Tags: tags,
		Description: "Le fichier porte schema et uiSchema au premier niveau : RJSF peut l'afficher tel quel. Sans version, la dernière publiée.",
	}), h.export)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "import-form", Method: http.MethodPost, Path: "/api/forms/import",
		Summary: "Importer un fichier de définition comme brouillon", Tags: tags,
		Description:  "Enregistre le fichier (tel qu'exporté) comme brouillon du formulaire qu'il nomme ; la publication reste à faire.",
		MaxBodyBytes: schemas.MaxSchemaBytes * 4,
	}), h.importDraft)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "undo-form-draft", Method: http.MethodPost, Path: "/api/forms/{id}/undo",
		Summary: "Annuler la dernière modification du brouillon", Tags: tags,
		Description: "Le brouillon revient à ce qu'il était avant sa dernière modification, qui peut être rétablie. 409 : rien à annuler.",
	}), h.undo)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "redo-form-draft", Method: http.MethodPost, Path: "/api/forms/{id}/redo",
		Summary: "Rétablir la modification annulée du brouillon", Tags: tags,
		Description: "Refait la dernière modification annulée ; une nouvelle modification les efface. 409 : rien à rétablir.",
	}), h.redo)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "unpublish-form", Method: http.MethodPost, Path: "/api/forms/{id}/unpublish",
		Summary: "Retirer un formulaire du catalogue", Tags: tags,
		Description: "Le formulaire n'accepte plus de dépôt ; ses versions restent pour les dépôts déjà faits. Le publier à nouveau crée la " +
			"version suivante.",
		DefaultStatus: http.StatusNoContent,
	}), h.unpublish)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "archive-form", Method: http.MethodPost, Path: "/api/forms/{id}/archive",
		Summary: "Archiver un formulaire", Tags: tags,
		Description: "Retire le formulaire du catalogue et de la liste des formulaires en cours ; son brouillon et ses versions restent. Il " +
			"ne peut être publié à nouveau qu'après restauration.",
		DefaultStatus: http.StatusNoContent,
	}), h.archive)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "restore-form", Method: http.MethodPost, Path: "/api/forms/{id}/restore",
		Summary: "Restaurer un formulaire archivé", Tags: tags,
		Description:   "Le formulaire revient parmi les formulaires en cours, non publié.",
		DefaultStatus: http.StatusNoContent,
	}), h.restore)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "dry-run-routing", Method: http.MethodPost, Path: "/api/forms/{id}/routing/dry-run",
		Summary: "Essayer l'orientation du brouillon", Tags: tags,
		Description:  "Dit vers quel service iraient des données d'exemple, et les derniers dépôts du formulaire, selon les règles du brouillon.",
		MaxBodyBytes: 1 << 20,
	}), h.dryRun)
}

// ProblemBody is one reason a definition is refused.
type ProblemBody struct {
	Location string `json:"location" example:"schema.properties.nom.title"`
	Message  string `json:"message"`
}

type lintOutput struct {
	Body struct {
		Problems []ProblemBody `json:"problems"`
		Advice   []AdviceBody  `json:"advice" doc:"Conseils d'accessibilité, qui n'empêchent pas de publier"`
	}
}

// AdviceBody is an accessibility warning about a draft's field.
type AdviceBody struct {
	Field     string `json:"field"`
	Message   string `json:"message"`
	Criterion string `json:"criterion" example:"11.2" doc:"Critère du RGAA"`
	Link      string `json:"link" format:"uri"`
}

func (h *builderHandler) lint(ctx context.Context, in *formIDInput) (*lintOutput, error) {
	draft, err := h.forms.Draft(ctx, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &lintOutput{}
	out.Body.Problems = []ProblemBody{}
	for _, p := range builder.Lint(draft) {
		out.Body.Problems = append(out.Body.Problems, ProblemBody{Location: p.Location, Message: p.Message.In(requestOf(ctx).Lang)})
	}
	out.Body.Advice = []AdviceBody{}
	for _, a := range builder.Advise(draft) {
		out.Body.Advice = append(out.Body.Advice, AdviceBody{Field: a.Field, Message: a.Message.In(requestOf(ctx).Lang),
			Criterion: a.Criterion, Link: a.Link()})
	}
	return out, nil
}

type diffInput struct {
	ID   string `path:"id" maxLength:"64"`
	From int    `query:"from" minimum:"1" required:"true" doc:"Version de départ"`
	To   int    `query:"to" minimum:"1" required:"true" doc:"Version d'arrivée"`
}

type diffOutput struct {
	Body struct {
		Changes []builder.Change `json:"changes"`
	}
}

func (h *builderHandler) diff(ctx context.Context, in *diffInput) (*diffOutput, error) {
	from, err := h.forms.Version(ctx, in.ID, in.From)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	to, err := h.forms.Version(ctx, in.ID, in.To)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &diffOutput{}
	out.Body.Changes = builder.Diff(from.Form, to.Form)
	if out.Body.Changes == nil {
		out.Body.Changes = []builder.Change{}
	}
	return out, nil
}

// ExportBody is a form definition as one file.
type ExportBody struct {
	ID          string    `json:"id" example:"aide-transport-scolaire"`
	Version     int       `json:"version,omitempty" doc:"Version exportée ; ignorée à l'import"`
	PublishedAt time.Time `json:"publishedAt,omitzero"`
	DraftBody
}

// Form is the definition the file holds.
func (e ExportBody) Form() schemas.Form { return e.form(e.ID) }

// ExportOf is a published version as one file.
func ExportOf(v *schemas.Compiled) ExportBody {
	return ExportBody{ID: v.ID, Version: v.Version.Version, PublishedAt: v.PublishedAt, DraftBody: draftBodyOf(v.Form)}
}

type exportInput struct {
	ID      string `path:"id" maxLength:"64"`
	Version int    `query:"version" minimum:"0" doc:"Version à exporter ; 0 ou absente : la dernière publiée"`
}

type exportOutput struct {
	ContentDisposition string `header:"Content-Disposition"`
	Body               ExportBody
}

func (h *builderHandler) export(ctx context.Context, in *exportInput) (*exportOutput, error) {
	var v *schemas.Compiled
	var err error
	if in.Version > 0 {
		v, err = h.forms.Version(ctx, in.ID, in.Version)
	} else {
		v, err = h.forms.Latest(ctx, in.ID)
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &exportOutput{ContentDisposition: `attachment; filename="` + v.ID + `-v` + strconv.Itoa(v.Version.Version) + `.json"`}
	out.Body = ExportOf(v)
	return out, nil
}

type importInput struct {
	Body ExportBody
}

type importOutput struct {
	Body struct {
		ID string `json:"id"`
		DraftBody
	}
}

func (h *builderHandler) importDraft(ctx context.Context, in *importInput) (*importOutput, error) {
	if err := h.builder.SaveDraft(ctx, requestOf(ctx).Principal.AccountID, in.Body.Form()); err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &importOutput{}
	out.Body.ID, out.Body.DraftBody = in.Body.ID, in.Body.DraftBody
	return out, nil
}

func (h *builderHandler) undo(ctx context.Context, in *formIDInput) (*draftOutput, error) {
	return h.step(ctx, in.ID, h.builder.Undo)
}

func (h *builderHandler) redo(ctx context.Context, in *formIDInput) (*draftOutput, error) {
	return h.step(ctx, in.ID, h.builder.Redo)
}

// step undoes or redoes a change of a draft, and returns the draft.
func (h *builderHandler) step(ctx context.Context, id string, step func(context.Context, string, string) (schemas.Form, error)) (
	*draftOutput, error,
) {
	f, err := step(ctx, requestOf(ctx).Principal.AccountID, id)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &draftOutput{Body: draftBodyOf(f)}, nil
}

func (h *builderHandler) unpublish(ctx context.Context, in *formIDInput) (*struct{}, error) {
	if err := h.builder.Unpublish(ctx, requestOf(ctx).Principal.AccountID, in.ID); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

func (h *builderHandler) archive(ctx context.Context, in *formIDInput) (*struct{}, error) {
	if err := h.builder.Archive(ctx, requestOf(ctx).Principal.AccountID, in.ID); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

func (h *builderHandler) restore(ctx context.Context, in *formIDInput) (*struct{}, error) {
	if err := h.builder.Restore(ctx, requestOf(ctx).Principal.AccountID, in.ID); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

type dryRunInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Samples []json.RawMessage `json:"samples,omitempty" maxItems:"100" doc:"Données d'exemple, chacune un objet de réponses"`
		Replay  int               `json:"replay,omitempty" minimum:"0" maximum:"100" doc:"Nombre de derniers dépôts du formulaire à rejouer"`
	}
}

type dryRunOutput struct {
	Body struct {
		Routes []builder.Route `json:"routes"`
	}
}

func (h *builderHandler) dryRun(ctx context.Context, in *dryRunInput) (*dryRunOutput, error) {
	routes, err := h.builder.DryRun(ctx, in.ID, in.Body.Samples, in.Body.Replay)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &dryRunOutput{}
	out.Body.Routes = routes
	return out, nil
}
