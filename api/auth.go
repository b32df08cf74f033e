package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/locale"
)

const bearerScheme = "bearer"

type contextKey int

const requestKey contextKey = iota

// request is what the middleware learns about a request: who makes it and
// in which language to answer.
type request struct {
	principal identity.Principal
	lang      locale.Lang
}

func requestOf(ctx context.Context) request {
	r, _ := ctx.Value(requestKey).(request)
	if r.lang == "" {
		r.lang = locale.French
	}
	return r
}

// operation declares an operation with its access rule, which the
// authentication middleware enforces and the OpenAPI document shows.
func operation(access identity.Access, op huma.Operation) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["access"] = access
	if access != identity.Anyone {
		op.Security = []map[string][]string{{bearerScheme: {}}, {}}
		if access != identity.ReceiptHolder {
			op.Security = op.Security[:1]
		}
	}
	op.Description = strings.TrimSpace(op.Description + "\n\nAccès : " + accessText[access].FR + " Access: " + accessText[access].EN)
	return op
}

var accessText = map[identity.Access]locale.Text{
	identity.Anyone:          {FR: "tout le monde.", EN: "anyone."},
	identity.AnyAgent:        {FR: "agents et administrateurs.", EN: "agents and admins."},
	identity.AdminOnly:       {FR: "administrateurs.", EN: "admins."},
	identity.DepartmentAgent: {FR: "agents du service concerné, administrateurs.", EN: "agents of the department concerned, admins."},
	identity.ReceiptHolder:   {FR: "détenteur du jeton de récépissé, agents du service destinataire, administrateurs.", EN: "holder of the receipt token, agents of the receiving department, admins."},
}

// authenticate resolves the bearer token, if any, and enforces each
// operation's declared access rule. An operation that declares none is
// refused to everyone: forgetting a rule fails closed.
func authenticate(api huma.API, tokens *identity.Tokens) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		lang := locale.FromAcceptLanguage(ctx.Header("Accept-Language"))
		req := request{lang: lang}
		if header := ctx.Header("Authorization"); header != "" {
			scheme, token, _ := strings.Cut(header, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				writeProblem(api, ctx, lang, http.StatusUnauthorized, msgBadAuthorization)
				return
			}
			p, err := tokens.Authenticate(ctx.Context(), strings.TrimSpace(token))
			switch {
			case errors.Is(err, identity.ErrUnauthenticated):
				writeProblem(api, ctx, lang, http.StatusUnauthorized, msgBadToken)
				return
			case err != nil:
				writeProblem(api, ctx, lang, http.StatusServiceUnavailable, msgUnavailable)
				return
			}
			req.principal = p
		}
		access, _ := ctx.Operation().Metadata["access"].(identity.Access)
		if !access.Allows(req.principal) {
			if req.principal.Anonymous() {
				writeProblem(api, ctx, lang, http.StatusUnauthorized, msgSignIn)
			} else {
				writeProblem(api, ctx, lang, http.StatusForbidden, msgForbidden)
			}
			return
		}
		next(huma.WithValue(ctx, requestKey, req))
	}
}

func writeProblem(api huma.API, ctx huma.Context, lang locale.Lang, status int, msg locale.Text) {
	if status == http.StatusUnauthorized {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="guichet"`)
	}
	_ = huma.WriteErr(api, ctx, status, msg.In(lang))
}
