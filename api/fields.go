package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// fieldsHandler serves the field editing operations on a form's draft.
type fieldsHandler struct {
	forms   *schemas.Registry
	builder *builder.Builder
}

func (h *fieldsHandler) register(api huma.API) {
	tags := []string{"Builder"}
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "list-draft-fields", Method: http.MethodGet, Path: "/api/forms/{id}/fields",
		Summary: "Lister les champs du brouillon", Tags: tags,
		Description: "Chaque champ décrit comme le catalogue du constructeur le décrit, dans l'ordre du formulaire.",
	}), h.list)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "add-draft-field", Method: http.MethodPost, Path: "/api/forms/{id}/fields",
		Summary: "Ajouter un champ au brouillon", Tags: tags, DefaultStatus: http.StatusCreated,
	}), h.add)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "update-draft-field", Method: http.MethodPut, Path: "/api/forms/{id}/fields/{name}",
		Summary: "Modifier (ou renommer) un champ du brouillon", Tags: tags,
	}), h.update)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "remove-draft-field", Method: http.MethodDelete, Path: "/api/forms/{id}/fields/{name}",
		Summary: "Supprimer un champ du brouillon", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), h.remove)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "move-draft-field", Method: http.MethodPost, Path: "/api/forms/{id}/fields/{name}/move",
		Summary: "Déplacer un champ du brouillon", Tags: tags,
	}), h.move)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "set-draft-field-condition", Method: http.MethodPut, Path: "/api/forms/{id}/fields/{name}/condition",
		Summary: "N'afficher un champ que selon une réponse", Tags: tags,
		Description: "Écrit la condition en JSON Schema (if/then dans allOf) : la page et le serveur l'appliquent de la même façon.",
	}), h.setCondition)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "remove-draft-field-condition", Method: http.MethodDelete, Path: "/api/forms/{id}/fields/{name}/condition",
		Summary: "Toujours afficher un champ", Tags: tags,
	}), h.removeCondition)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "set-draft-step-condition", Method: http.MethodPut, Path: "/api/forms/{id}/steps/{n}/condition",
		Summary: "N'afficher une étape entière que selon des réponses", Tags: tags,
		Description: "L'étape n (à partir de 1) n'est montrée, vérifiée et enregistrée que si la condition tient pour les réponses des " +
			"autres étapes. Ses champs deviennent conditionnels ensemble (if/then dans allOf) et restent sur leur étape.",
	}), h.setStepCondition)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "remove-draft-step-condition", Method: http.MethodDelete, Path: "/api/forms/{id}/steps/{n}/condition",
		Summary: "Toujours afficher une étape", Tags: tags,
	}), h.removeStepCondition)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "set-draft-steps", Method: http.MethodPut, Path: "/api/forms/{id}/steps",
		Summary: "Répartir les champs en étapes", Tags: tags,
		Description: "Une liste vide fait du formulaire une seule page. La vérification avant publication exige que chaque champ soit sur une " +
			"étape.",
	}), h.setSteps)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "duplicate-draft-field", Method: http.MethodPost, Path: "/api/forms/{id}/fields/{name}/duplicate",
		Summary: "Dupliquer un champ du brouillon", Tags: tags, DefaultStatus: http.StatusCreated,
	}), h.duplicate)
}

type fieldsOutput struct {
	Body struct {
		Fields []builder.FieldSpec `json:"fields"`
	}
}

// fields answers with the draft's fields after an operation.
func fields(ctx context.Context, f schemas.Form, err error) (*fieldsOutput, error) {
	if errors.Is(err, builder.ErrNoField) {
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "Le brouillon n'a pas de champ de ce nom.",
			EN: "The draft has no field of this name.",
		})
	}
	if refused := (*builder.Refusal)(nil); errors.As(err, &refused) {
		return nil, problem(requestOf(ctx).Lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "Champ refusé : " + refused.Message.FR,
			EN: "Field refused: " + refused.Message.EN,
		})
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	specs, err := builder.Fields(f)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &fieldsOutput{}
	out.Body.Fields = specs
	if out.Body.Fields == nil {
		out.Body.Fields = []builder.FieldSpec{}
	}
	return out, nil
}

func (h *fieldsHandler) edit(ctx context.Context, id string, op func(schemas.Form) (schemas.Form, error)) (*fieldsOutput, error) {
	f, err := h.builder.EditDraft(ctx, requestOf(ctx).Principal.AccountID, id, op)
	return fields(ctx, f, err)
}

func (h *fieldsHandler) list(ctx context.Context, in *formIDInput) (*fieldsOutput, error) {
	f, err := h.forms.Draft(ctx, in.ID)
	return fields(ctx, f, err)
}

type addFieldInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body builder.FieldSpec
}

func (h *fieldsHandler) add(ctx context.Context, in *addFieldInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.AddField(f, in.Body) })
}

type fieldInput struct {
	ID   string `path:"id" maxLength:"64"`
	Name string `path:"name" maxLength:"64"`
}

type updateFieldInput struct {
	ID   string `path:"id" maxLength:"64"`
	Name string `path:"name" maxLength:"64"`
	Body builder.FieldSpec
}

func (h *fieldsHandler) update(ctx context.Context, in *updateFieldInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.UpdateField(f, in.Name, in.Body) })
}

func (h *fieldsHandler) remove(ctx context.Context, in *fieldInput) (*struct{}, error) {
	_, err := h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.RemoveField(f, in.Name) })
	return nil, err
}

type moveFieldInput struct {
	ID   string `path:"id" maxLength:"64"`
	Name string `path:"name" maxLength:"64"`
	Body struct {
		By int `json:"by" minimum:"-100" maximum:"100" example:"-1" doc:"Places à parcourir : -1 remonte d'une place, 1 descend d'une place"`
	}
}

func (h *fieldsHandler) move(ctx context.Context, in *moveFieldInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.MoveField(f, in.Name, in.Body.By) })
}

func (h *fieldsHandler) duplicate(ctx context.Context, in *fieldInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) {
		out, _, err := builder.DuplicateField(f, in.Name)
		return out, err
	})
}

type conditionInput struct {
	ID   string `path:"id" maxLength:"64"`
	Name string `path:"name" maxLength:"64"`
	Body builder.Condition
}

func (h *fieldsHandler) setCondition(ctx context.Context, in *conditionInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.SetCondition(f, in.Name, &in.Body) })
}

func (h *fieldsHandler) removeCondition(ctx context.Context, in *fieldInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.SetCondition(f, in.Name, nil) })
}

type stepInput struct {
	ID string `path:"id" maxLength:"64"`
	N  int    `path:"n" minimum:"1" maximum:"50" doc:"Numéro de l'étape, à partir de 1"`
}

type stepConditionInput struct {
	ID   string `path:"id" maxLength:"64"`
	N    int    `path:"n" minimum:"1" maximum:"50" doc:"Numéro de l'étape, à partir de 1"`
	Body builder.Condition
}

func (h *fieldsHandler) setStepCondition(ctx context.Context, in *stepConditionInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.SetStepCondition(f, in.N-1, &in.Body) })
}

func (h *fieldsHandler) removeStepCondition(ctx context.Context, in *stepInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.SetStepCondition(f, in.N-1, nil) })
}

type stepsInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Steps []builder.Step `json:"steps" maxItems:"50"`
	}
}

func (h *fieldsHandler) setSteps(ctx context.Context, in *stepsInput) (*fieldsOutput, error) {
	return h.edit(ctx, in.ID, func(f schemas.Form) (schemas.Form, error) { return builder.SetSteps(f, in.Body.Steps) })
}
