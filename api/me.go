package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
)

// meHandler serves the signed-in account's own information and tokens.
type meHandler struct {
	accounts *identity.Accounts
	tokens   *identity.Tokens
}

func (h *meHandler) register(api huma.API) {
	tags := []string{"Me"}
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/api/me",
		Summary: "Qui suis-je ?", Tags: tags,
	}), h.get)
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "list-my-tokens", Method: http.MethodGet, Path: "/api/me/tokens",
		Summary: "Lister mes jetons d'API", Tags: tags,
	}), h.listTokens)
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "issue-my-token", Method: http.MethodPost, Path: "/api/me/tokens",
		Summary: "Créer un jeton d'API personnel", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Le jeton n'est montré qu'une fois : seule son empreinte est conservée.",
	}), h.issueToken)
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "revoke-my-token", Method: http.MethodDelete, Path: "/api/me/tokens/{tokenId}",
		Summary: "Révoquer un de mes jetons d'API", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), h.revokeToken)
}

func (h *meHandler) get(ctx context.Context, _ *struct{}) (*accountOutput, error) {
	a, err := h.accounts.Get(ctx, requestOf(ctx).Principal.AccountID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &accountOutput{Body: AccountBody(a)}, nil
}

func (h *meHandler) listTokens(ctx context.Context, _ *struct{}) (*listTokensOutput, error) {
	return listTokens(ctx, h.tokens, requestOf(ctx).Principal.AccountID)
}

type issueMyTokenInput struct{ Body NewTokenBody }

func (h *meHandler) issueToken(ctx context.Context, in *issueMyTokenInput) (*issuedTokenOutput, error) {
	return issueToken(ctx, h.tokens, requestOf(ctx).Principal.AccountID, in.Body)
}

type revokeMyTokenInput struct {
	TokenID string `path:"tokenId" maxLength:"16"`
}

func (h *meHandler) revokeToken(ctx context.Context, in *revokeMyTokenInput) (*struct{}, error) {
	return revokeToken(ctx, h.tokens, requestOf(ctx).Principal.AccountID, in.TokenID)
}
