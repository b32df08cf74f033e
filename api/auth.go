package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
)

const (
	bearerScheme = "bearer"
	cookieScheme = "session"
	// csrfHeader carries the session's CSRF token on API calls made with a
	// session cookie.
	csrfHeader = "X-CSRF-Token"
)

// requestOf returns who makes a request and in which language to answer.
func requestOf(ctx context.Context) web.Request { return web.RequestOf(ctx) }

// resolver finds who makes each request, from a bearer token or a session
// cookie, before any handler runs.
type resolver struct {
	tokens   *identity.Tokens
	sessions *identity.Sessions
	accounts *identity.Accounts
	cookies  web.CookiePolicy
	errors   *web.ErrorPages
}

func (res *resolver) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := web.Request{Lang: web.LangOf(r), Client: web.ClientAddress(r), Errors: res.errors}
		if lang := r.URL.Query().Get("lang"); lang == string(req.Lang) {
			web.RememberLang(w, r, req.Lang, res.cookies)
		}
		if header := r.Header.Get("Authorization"); header != "" {
			scheme, token, _ := strings.Cut(header, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				writeAuthProblem(w, req.Lang, http.StatusUnauthorized, msgBadAuthorization)
				return
			}
			p, err := res.tokens.Authenticate(r.Context(), strings.TrimSpace(token))
			switch {
			case errors.Is(err, identity.ErrUnauthenticated):
				writeAuthProblem(w, req.Lang, http.StatusUnauthorized, msgBadToken)
				return
			case err != nil:
				writeAuthProblem(w, req.Lang, http.StatusServiceUnavailable, msgUnavailable)
				return
			}
			req.Principal = p
		} else if id := web.SessionID(r); id != "" {
			if err := res.fromSession(r.Context(), id, &req); err != nil {
				if !errors.Is(err, identity.ErrUnauthenticated) {
					writeAuthProblem(w, req.Lang, http.StatusServiceUnavailable, msgUnavailable)
					return
				}
				// An expired or revoked session is no session.
				web.ClearSession(w, r, res.cookies)
			}
		}
		next.ServeHTTP(w, r.WithContext(web.WithRequest(r.Context(), req)))
	})
}

func (res *resolver) fromSession(ctx context.Context, id string, req *web.Request) error {
	sess, err := res.sessions.Get(ctx, id)
	if err != nil {
		return err
	}
	p, err := res.accounts.Principal(ctx, sess.AccountID)
	if err != nil {
		return err
	}
	req.Principal, req.Session, req.SessionID = p, &sess, id
	return nil
}

func writeAuthProblem(w http.ResponseWriter, lang locale.Lang, status int, msg locale.Text) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="guichet"`)
	}
	writeJSONProblem(w, problem(lang, status, msg))
}

// operation declares an operation with its access rule, which
// enforceAccess checks and the OpenAPI document shows.
func operation(access identity.Access, op huma.Operation) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["access"] = access
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	op.Extensions["x-guichet-access"] = string(access)
	op.Security = securityOf(access)
	op.Errors = append(op.Errors, errorsOf(access, op)...)
	op.Description = strings.TrimSpace(op.Description + "\n\nAccès : " + accessText[access].FR + " Access: " + accessText[access].EN)
	return op
}

// securityOf is how an operation is authenticated: with a token or a
// session, and without for operations open to anyone (an empty
// requirement), or for holders of a receipt token (which is a query
// parameter).
func securityOf(access identity.Access) []map[string][]string {
	signedIn := []map[string][]string{{bearerScheme: {}}, {cookieScheme: {}}}
	switch access {
	case identity.Anyone:
		return []map[string][]string{{}}
	case identity.ReceiptHolder, identity.Applicant:
		return append(signedIn, map[string][]string{})
	}
	return signedIn
}

// errorsOf are the client errors an operation can answer, for its
// documentation: a token that is unknown or revoked (refused by every
// operation, even those open to anyone), refused access, an unknown
// resource, a request to correct.
func errorsOf(access identity.Access, op huma.Operation) []int {
	codes := []int{http.StatusUnauthorized}
	if access != identity.Anyone {
		codes = append(codes, http.StatusForbidden)
	}
	if strings.Contains(op.Path, "{") {
		codes = append(codes, http.StatusNotFound)
	}
	switch op.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		codes = append(codes, http.StatusBadRequest, http.StatusUnprocessableEntity)
	}
	return codes
}

var accessText = map[identity.Access]locale.Text{
	identity.Anyone:          {FR: "tout le monde.", EN: "anyone."},
	identity.AnyAgent:        {FR: "agents, responsables et administrateurs.", EN: "agents, managers and admins."},
	identity.ManagerOnly:     {FR: "responsables et administrateurs.", EN: "managers and admins."},
	identity.AdminOnly:       {FR: "administrateurs.", EN: "admins."},
	identity.DepartmentAgent: {FR: "agents du service concerné, administrateurs.", EN: "agents of the department concerned, admins."},
	identity.ReceiptHolder: {
		FR: "détenteur du jeton de récépissé, agents du service destinataire, administrateurs.",
		EN: "holder of the receipt token, agents of the receiving department, admins.",
	},
	identity.Applicant: {
		FR: "le demandeur : détenteur du jeton de récépissé, ou agent qui a fait la demande.",
		EN: "the applicant: holder of the receipt token, or the agent who filed the request.",
	},
	identity.DossierAgent: {
		FR: "agents du service destinataire du dossier, administrateurs.",
		EN: "agents of the dossier's receiving department, admins.",
	},
	identity.Requester: {FR: "l'agent qui a fait la demande.", EN: "the agent who filed the request."},
	identity.Approver: {
		FR: "valideurs de l'étape en cours (responsable du demandeur ou son suppléant, agents du service de l'étape), le demandeur pour " +
			"renvoyer sa demande, administrateurs.",
		EN: "approvers of the current step (the requester's manager or their delegate, agents of the step's department), the requester to send " +
			"it again, admins.",
	},
}

// enforceAccess applies each operation's declared access rule (for
// DepartmentAgent, against the department named in the path), and asks
// calls made with a session cookie that change something for the
// session's CSRF token. An operation that declares no rule is refused to
// everyone: forgetting a rule fails closed.
func enforceAccess(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		req := requestOf(ctx.Context())
		access, _ := ctx.Operation().Metadata["access"].(identity.Access)
		allowed := access.Allows(req.Principal)
		if access == identity.DepartmentAgent {
			// The department is the operation's {id}.
			allowed = req.Principal.ServesDepartment(ctx.Param("id"))
		}
		if !allowed {
			if req.Principal.Anonymous() {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="guichet"`)
				_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, msgSignIn.In(req.Lang))
			} else {
				_ = huma.WriteErr(api, ctx, http.StatusForbidden, msgForbidden.In(req.Lang))
			}
			return
		}
		if req.Session != nil && !safeMethod(ctx.Method()) && !req.Session.CSRFMatches(ctx.Header(csrfHeader)) {
			_ = huma.WriteErr(api, ctx, http.StatusForbidden, msgCSRF.In(req.Lang))
			return
		}
		next(ctx)
	}
}

func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// guardPage applies an HTML route's declared access rule: an anonymous
// visitor is sent to the login page, a signed-in one without the right
// gets a 403 page. A form posted with a session must carry its CSRF token.
func guardPage(route web.Route, errors *web.ErrorPages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := web.RequestOf(r.Context())
		if !route.Access.Allows(req.Principal) {
			if req.Principal.Anonymous() {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			errors.Forbidden(w, r)
			return
		}
		if !safeMethod(r.Method) {
			// Reading the token reads the form: bound it first.
			r.Body = http.MaxBytesReader(w, r.Body, web.MaxPostBytes)
			if req.Session != nil && !req.Session.CSRFMatches(r.PostFormValue("csrf")) {
				errors.CSRF(w, r)
				return
			}
		}
		route.Handler(w, r)
	})
}
