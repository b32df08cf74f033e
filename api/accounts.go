package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
)

type accountsHandler struct {
	accounts *identity.Accounts
	tokens   *identity.Tokens
}

func (h *accountsHandler) register(api huma.API) {
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "put-account", Method: http.MethodPut, Path: "/api/accounts/{id}",
		Summary: "Créer ou modifier un compte d'agent ou d'administrateur", Tags: []string{"Accounts"},
	}), h.put)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "issue-token", Method: http.MethodPost, Path: "/api/accounts/{id}/tokens",
		Summary: "Émettre un jeton d'API pour un compte", Tags: []string{"Accounts"},
		Description:   "Le jeton n'est montré qu'une fois : seule son empreinte est conservée.",
		DefaultStatus: http.StatusCreated,
	}), h.issueToken)
}

// AccountBody describes an account.
type AccountBody struct {
	ID          string        `json:"id" readOnly:"true" example:"m-weber"`
	Name        string        `json:"name" minLength:"1" maxLength:"200" example:"Marie Weber"`
	Email       string        `json:"email,omitempty" format:"email" maxLength:"254" example:"marie.weber@moselle.fr"`
	Role        identity.Role `json:"role" enum:"agent,admin" example:"agent"`
	Departments []string      `json:"departments,omitempty" maxItems:"100" example:"[\"solidarites\"]" doc:"Services dont l'agent traite les dépôts"`
	Manager     string        `json:"manager,omitempty" example:"j-muller" doc:"Responsable qui valide les demandes de l'agent"`
	Delegate    string        `json:"delegate,omitempty" example:"p-klein" doc:"Suppléant pendant une absence"`
	Active      bool          `json:"active" example:"true"`
}

type putAccountInput struct {
	ID   string `path:"id" pattern:"^[a-z0-9]+(-[a-z0-9]+)*$" maxLength:"64" example:"m-weber"`
	Body struct {
		Name        string        `json:"name" minLength:"1" maxLength:"200" example:"Marie Weber"`
		Email       string        `json:"email,omitempty" format:"email" maxLength:"254" example:"marie.weber@moselle.fr"`
		Role        identity.Role `json:"role" enum:"agent,admin" example:"agent"`
		Departments []string      `json:"departments,omitempty" maxItems:"100" example:"[\"solidarites\"]"`
		Active      bool          `json:"active" example:"true"`
	}
}

type accountOutput struct{ Body AccountBody }

func (h *accountsHandler) put(ctx context.Context, in *putAccountInput) (*accountOutput, error) {
	a := identity.Account{ID: in.ID, Name: in.Body.Name, Email: in.Body.Email, Role: in.Body.Role, Departments: in.Body.Departments, Active: in.Body.Active}
	if err := h.accounts.Put(ctx, a); err != nil {
		return nil, toProblem(ctx, err)
	}
	a, err := h.accounts.Get(ctx, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &accountOutput{Body: AccountBody(a)}, nil
}

type issueTokenInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Name          string `json:"name" minLength:"1" maxLength:"100" example:"poste instruction" doc:"À quoi sert ce jeton"`
		ExpiresInDays int    `json:"expiresInDays,omitempty" minimum:"0" maximum:"366" example:"90" doc:"Durée de validité en jours ; 0 : sans expiration"`
	}
}

type issueTokenOutput struct {
	Body struct {
		Token string `json:"token" doc:"Le jeton, à présenter en « Authorization: Bearer … » ; il ne sera plus montré."`
	}
}

func (h *accountsHandler) issueToken(ctx context.Context, in *issueTokenInput) (*issueTokenOutput, error) {
	token, _, err := h.tokens.Issue(ctx, in.ID, in.Body.Name, time.Duration(in.Body.ExpiresInDays)*24*time.Hour)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &issueTokenOutput{}
	out.Body.Token = token
	return out, nil
}
