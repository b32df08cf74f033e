package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
)

type accountsHandler struct {
	accounts *identity.Accounts
	care     *identity.AccountCare
	tokens   *identity.Tokens
}

func (h *accountsHandler) register(api huma.API) {
	tags := []string{"Accounts"}
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "list-accounts", Method: http.MethodGet, Path: "/api/accounts",
		Summary: "Lister les comptes", Tags: tags,
	}), h.list)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "get-account", Method: http.MethodGet, Path: "/api/accounts/{id}",
		Summary: "Lire un compte", Tags: tags,
	}), h.get)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "put-account", Method: http.MethodPut, Path: "/api/accounts/{id}",
		Summary: "Créer, modifier, désactiver ou réactiver un compte", Tags: tags,
		Description: "Désactiver un compte ferme ses sessions et rend ses jetons inutilisables. Le dernier administrateur actif ne peut être " +
			"ni désactivé ni rétrogradé.",
	}), h.put)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "reset-password", Method: http.MethodPost, Path: "/api/accounts/{id}/password",
		Summary: "Définir ou réinitialiser le mot de passe d'un compte", Tags: tags,
		Description: "Sans mot de passe dans la requête, un mot de passe est généré et rendu une seule fois. Les sessions du compte sont " +
			"fermées.",
	}), h.resetPassword)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "list-account-tokens", Method: http.MethodGet, Path: "/api/accounts/{id}/tokens",
		Summary: "Lister les jetons d'API d'un compte", Tags: tags,
	}), h.listTokens)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "issue-token", Method: http.MethodPost, Path: "/api/accounts/{id}/tokens",
		Summary: "Émettre un jeton d'API pour un compte", Tags: tags,
		Description:   "Le jeton n'est montré qu'une fois : seule son empreinte est conservée.",
		DefaultStatus: http.StatusCreated,
	}), h.issueToken)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "revoke-account-token", Method: http.MethodDelete, Path: "/api/accounts/{id}/tokens/{tokenId}",
		Summary: "Révoquer un jeton d'API d'un compte", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), h.revokeToken)
}

// AccountBody describes an account.
type AccountBody struct {
	ID          string        `json:"id" example:"m-weber"`
	Name        string        `json:"name" example:"Marie Weber"`
	Email       string        `json:"email,omitempty" example:"marie.weber@moselle.fr"`
	Role        identity.Role `json:"role" enum:"agent,manager,admin" example:"agent"`
	Departments []string      `json:"departments,omitempty" example:"[\"solidarites\"]" doc:"Services dont l'agent traite les dépôts"`
	Manager     string        `json:"manager,omitempty" example:"j-muller" doc:"Responsable qui valide les demandes de l'agent"`
	Delegate    string        `json:"delegate,omitempty" example:"p-klein" doc:"Suppléant pendant une absence"`
	Absent      bool          `json:"absent,omitempty" doc:"Absent : le suppléant valide à sa place"`
	Active      bool          `json:"active" example:"true"`
}

type accountIDInput struct {
	ID string `path:"id" maxLength:"64" example:"m-weber"`
}

type accountOutput struct{ Body AccountBody }

type listAccountsOutput struct {
	Body struct {
		Items []AccountBody `json:"items"`
	}
}

func (h *accountsHandler) list(ctx context.Context, _ *struct{}) (*listAccountsOutput, error) {
	all, err := h.accounts.List(ctx)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &listAccountsOutput{}
	out.Body.Items = make([]AccountBody, len(all))
	for i, a := range all {
		out.Body.Items[i] = AccountBody(a)
	}
	return out, nil
}

func (h *accountsHandler) get(ctx context.Context, in *accountIDInput) (*accountOutput, error) {
	a, err := h.accounts.Get(ctx, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &accountOutput{Body: AccountBody(a)}, nil
}

type putAccountInput struct {
	ID   string `path:"id" pattern:"^[a-z0-9]+(-[a-z0-9]+)*$" maxLength:"64" example:"m-weber"`
	Body struct {
		Name        string        `json:"name" minLength:"1" maxLength:"200" example:"Marie Weber"`
		Email       string        `json:"email,omitempty" format:"email" maxLength:"254" example:"marie.weber@moselle.fr"`
		Role        identity.Role `json:"role" enum:"agent,manager,admin" example:"agent"`
		Departments []string      `json:"departments,omitempty" maxItems:"100" example:"[\"solidarites\"]"`
		Manager     string        `json:"manager,omitempty" maxLength:"64"`
		Delegate    string        `json:"delegate,omitempty" maxLength:"64"`
		Absent      bool          `json:"absent,omitempty" doc:"Absent : le suppléant valide à sa place"`
		Active      bool          `json:"active" example:"true"`
	}
}

func (h *accountsHandler) put(ctx context.Context, in *putAccountInput) (*accountOutput, error) {
	b := in.Body
	a := identity.Account{ID: in.ID, Name: b.Name, Email: b.Email, Role: b.Role, Departments: b.Departments,
		Manager: b.Manager, Delegate: b.Delegate, Absent: b.Absent, Active: b.Active}
	if err := h.care.Save(ctx, a, requestOf(ctx).Principal.AccountID); err != nil {
		return nil, toProblem(ctx, err)
	}
	saved, err := h.accounts.Get(ctx, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &accountOutput{Body: AccountBody(saved)}, nil
}

type resetPasswordInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Password string `json:"password,omitempty" maxLength:"256" doc:"Nouveau mot de passe ; absent, il est généré, et son titulaire en choisit un à lui à sa connexion suivante. La réinitialisation ferme les sessions du compte et révoque ses jetons"`
	}
}

type resetPasswordOutput struct {
	Body struct {
		Password string `json:"password,omitempty" doc:"Le mot de passe généré, montré une seule fois"`
	}
}

func (h *accountsHandler) resetPassword(ctx context.Context, in *resetPasswordInput) (*resetPasswordOutput, error) {
	generated, err := h.care.ResetPassword(ctx, in.ID, in.Body.Password, requestOf(ctx).Principal.AccountID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &resetPasswordOutput{}
	out.Body.Password = generated
	return out, nil
}

// TokenBody describes an API token, without the token itself.
type TokenBody struct {
	ID        string     `json:"id" example:"3f9a1c0b7d2e4f61"`
	Name      string     `json:"name" example:"poste instruction"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

func tokenBodyOf(t identity.TokenInfo) TokenBody {
	return TokenBody{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

type listTokensOutput struct {
	Body struct {
		Items []TokenBody `json:"items"`
	}
}

func listTokens(ctx context.Context, tokens *identity.Tokens, accountID string) (*listTokensOutput, error) {
	all, err := tokens.List(ctx, accountID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &listTokensOutput{}
	out.Body.Items = make([]TokenBody, len(all))
	for i, t := range all {
		out.Body.Items[i] = tokenBodyOf(t)
	}
	return out, nil
}

func (h *accountsHandler) listTokens(ctx context.Context, in *accountIDInput) (*listTokensOutput, error) {
	if _, err := h.accounts.Get(ctx, in.ID); err != nil {
		return nil, toProblem(ctx, err)
	}
	return listTokens(ctx, h.tokens, in.ID)
}

// NewTokenBody asks for a token.
type NewTokenBody struct {
	Name          string `json:"name" minLength:"1" maxLength:"100" example:"poste instruction" doc:"À quoi sert ce jeton"`
	ExpiresInDays int    `json:"expiresInDays,omitempty" minimum:"0" maximum:"366" example:"90" doc:"Durée de validité en jours ; absente ou 0 : la durée par défaut (90 jours, réglage token-days). Un jeton est révoqué quand le mot de passe de son compte est réinitialisé, quand le compte est désactivé ou change de rôle"`
}

type issueTokenInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body NewTokenBody
}

type issuedTokenOutput struct {
	Body struct {
		TokenBody
		Token string `json:"token" doc:"Le jeton, à présenter en « Authorization: Bearer … » ; il ne sera plus montré."`
	}
}

func issueToken(ctx context.Context, tokens *identity.Tokens, accountID string, b NewTokenBody) (*issuedTokenOutput, error) {
	token, info, err := tokens.Issue(ctx, accountID, b.Name, time.Duration(b.ExpiresInDays)*24*time.Hour)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &issuedTokenOutput{}
	out.Body.TokenBody, out.Body.Token = tokenBodyOf(info), token
	return out, nil
}

func (h *accountsHandler) issueToken(ctx context.Context, in *issueTokenInput) (*issuedTokenOutput, error) {
	return issueToken(ctx, h.tokens, in.ID, in.Body)
}

type revokeAccountTokenInput struct {
	ID      string `path:"id" maxLength:"64"`
	TokenID string `path:"tokenId" maxLength:"16"`
}

func revokeToken(ctx context.Context, tokens *identity.Tokens, accountID, tokenID string) (*struct{}, error) {
	err := tokens.Revoke(ctx, accountID, tokenID)
	if errors.Is(err, identity.ErrNotFound) {
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, msgNoSuchToken)
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

func (h *accountsHandler) revokeToken(ctx context.Context, in *revokeAccountTokenInput) (*struct{}, error) {
	return revokeToken(ctx, h.tokens, in.ID, in.TokenID)
}
