package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/builder"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
	"github.com/guichet/guichet/webhooks"
)

// Messages shared by several operations.
var (
	msgSignIn = locale.Text{
		FR: "Authentification requise : présentez un jeton d'API (Authorization: Bearer …).",
		EN: "Authentication required: present an API token (Authorization: Bearer …).",
	}
	msgBadAuthorization = locale.Text{
		FR: "L'en-tête Authorization doit être de la forme « Bearer <jeton> ».",
		EN: "The Authorization header must read \"Bearer <token>\".",
	}
	msgBadToken = locale.Text{
		FR: "Ce jeton d'API est inconnu, expiré ou révoqué.",
		EN: "This API token is unknown, expired or revoked.",
	}
	msgForbidden   = locale.Text{FR: "Vous n'avez pas accès à cette ressource.", EN: "You do not have access to this resource."}
	msgUnavailable = locale.Text{
		FR: "Le service est momentanément indisponible. Réessayez dans quelques instants ; rien n'a été enregistré.",
		EN: "The service is temporarily unavailable. Try again in a moment; nothing was recorded.",
	}
	msgNoSuchOperation = locale.Text{
		FR: "Aucune opération de l'API ne répond à cette adresse : voyez /api/docs.",
		EN: "No API operation answers at this address: see /api/docs.",
	}
	msgCSRF = locale.Text{
		FR: "Jeton CSRF absent ou invalide : une requête faite avec une session doit porter l'en-tête X-CSRF-Token de la session.",
		EN: "Missing or invalid CSRF token: a request made with a session must carry the session's X-CSRF-Token header.",
	}
	msgNoSuchToken = locale.Text{FR: "Ce compte n'a pas de jeton portant cet identifiant.", EN: "This account has no token with this id."}
	msgInternal    = locale.Text{FR: "Une erreur inattendue s'est produite.", EN: "An unexpected error occurred."}
)

var statusTitles = map[int]locale.Text{
	http.StatusBadRequest:            {FR: "Requête invalide", EN: "Bad Request"},
	http.StatusUnauthorized:          {FR: "Authentification requise", EN: "Unauthorized"},
	http.StatusForbidden:             {FR: "Accès refusé", EN: "Forbidden"},
	http.StatusNotFound:              {FR: "Introuvable", EN: "Not Found"},
	http.StatusMethodNotAllowed:      {FR: "Méthode non permise", EN: "Method Not Allowed"},
	http.StatusNotAcceptable:         {FR: "Format non disponible", EN: "Not Acceptable"},
	http.StatusRequestTimeout:        {FR: "Délai dépassé", EN: "Request Timeout"},
	http.StatusConflict:              {FR: "Conflit", EN: "Conflict"},
	http.StatusRequestEntityTooLarge: {FR: "Requête trop volumineuse", EN: "Content Too Large"},
	http.StatusUnsupportedMediaType:  {FR: "Type de contenu non pris en charge", EN: "Unsupported Media Type"},
	http.StatusUnprocessableEntity:   {FR: "Données à corriger", EN: "Unprocessable Content"},
	http.StatusTooManyRequests:       {FR: "Trop de demandes", EN: "Too Many Requests"},
	http.StatusInternalServerError:   {FR: "Erreur interne", EN: "Internal Server Error"},
	http.StatusServiceUnavailable:    {FR: "Service indisponible", EN: "Service Unavailable"},
}

// problem builds an RFC 9457 problem in lang.
func problem(lang locale.Lang, status int, detail locale.Text, errs ...*huma.ErrorDetail) *huma.ErrorModel {
	title, ok := statusTitles[status]
	if !ok {
		title = locale.Text{FR: http.StatusText(status), EN: http.StatusText(status)}
	}
	return &huma.ErrorModel{Status: status, Title: title.In(lang), Detail: detail.In(lang), Errors: errs}
}

// writeJSONProblem writes a problem outside Huma, for the authentication
// middleware that runs before it.
func writeJSONProblem(w http.ResponseWriter, p *huma.ErrorModel) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// toProblem maps a domain error to a problem, in one place for every
// operation. Errors it does not know become a 500 that says nothing of them.
func toProblem(ctx context.Context, err error) error {
	lang := requestOf(ctx).Lang
	var validation *schemas.ValidationError
	var definition *schemas.DefinitionError
	var password *identity.PasswordError
	var data *submit.DataError
	var invalid *identity.InvalidError
	if refusal, ok := webhooks.Refusal(err); ok {
		return problem(lang, http.StatusUnprocessableEntity, refusal)
	}
	var fileRefused *uploads.Refusal
	if errors.As(err, &fileRefused) {
		return problem(lang, http.StatusUnprocessableEntity, fileRefused.Message)
	}
	switch {
	case errors.As(err, &validation):
		details := make([]*huma.ErrorDetail, len(validation.Fields))
		for i, f := range validation.Fields {
			location := "body.data"
			if f.Location != "" {
				location += "." + f.Location
			}
			if strings.HasPrefix(f.Location, "[") {
				location = "body.data" + f.Location
			}
			details[i] = &huma.ErrorDetail{Location: location, Message: f.Message.In(lang), Value: f.Value}
		}
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: validation.Title(locale.French),
			EN: validation.Title(locale.English),
		}, details...)
	case errors.As(err, &definition):
		details := make([]*huma.ErrorDetail, len(definition.Problems))
		for i, p := range definition.Problems {
			details[i] = &huma.ErrorDetail{Location: "body." + p.Location, Message: p.Message.In(lang)}
		}
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "La définition du formulaire est refusée.",
			EN: "The form definition is refused.",
		}, details...)
	case errors.Is(err, submit.ErrNoFileField):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "Ce formulaire n'a pas de champ de fichier de ce nom (métadonnée field).",
			EN: "This form has no file field of that name (metadata field).",
		})
	case errors.Is(err, builder.ErrNoEdit):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "Il n'y a pas de modification du brouillon à annuler, ou à rétablir.",
			EN: "There is no change of the draft to undo, or to redo.",
		})
	case errors.Is(err, schemas.ErrArchived):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "Ce formulaire est archivé : restaurez-le avant de le publier.",
			EN: "This form is archived: restore it before publishing.",
		})
	case errors.Is(err, schemas.ErrNoDraft):
		return problem(lang, http.StatusNotFound, locale.Text{
			FR: "Ce formulaire n'a pas de brouillon : enregistrez-en un avant de publier.",
			EN: "This form has no draft: save one before publishing.",
		})
	case errors.Is(err, schemas.ErrNotFound):
		return problem(lang, http.StatusNotFound, locale.Text{
			FR: "Ce formulaire n'existe pas ou n'est pas publié.",
			EN: "This form does not exist or is not published.",
		})
	case errors.As(err, &password):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{FR: "Mot de passe refusé.", EN: "Password refused."},
			&huma.ErrorDetail{Location: "body.password", Message: password.Reason.In(lang)})
	case errors.Is(err, identity.ErrLastAdmin):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "C'est le dernier administrateur actif : nommez-en un autre avant de le désactiver ou de le rétrograder.",
			EN: "This is the last active admin: appoint another before deactivating or demoting this one.",
		})
	case errors.As(err, &invalid):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{FR: "Valeur refusée.", EN: "Value refused."},
			&huma.ErrorDetail{Location: "body." + invalid.Field, Message: invalid.Message.In(lang)})
	case errors.Is(err, identity.ErrNotFound):
		return problem(lang, http.StatusNotFound, locale.Text{FR: "Introuvable.", EN: "Not found."})
	case errors.Is(err, submit.ErrSignInRequired):
		return problem(lang, http.StatusUnauthorized, locale.Text{
			FR: "Ce formulaire interne est réservé aux agents connectés.",
			EN: "This internal form is for signed-in agents only.",
		})
	case errors.Is(err, submit.ErrFormClosed):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "Ce formulaire n'accepte pas de dépôt en ce moment.",
			EN: "This form does not accept submissions at the moment.",
		})
	case errors.Is(err, submit.ErrIdempotencyConflict):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "Cette clé d'idempotence a déjà servi pour d'autres données : utilisez une nouvelle clé pour un nouveau dépôt.",
			EN: "This idempotency key was already used with other data: use a new key for a new submission.",
		})
	case errors.Is(err, submit.ErrIdempotencyKeyTaken):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "Cette clé d'idempotence a déjà servi à un autre appelant : choisissez une clé secrète, tirée au hasard pour chaque dépôt.",
			EN: "This idempotency key was already used by another caller: choose a secret key, drawn at random for each submission.",
		})
	case errors.Is(err, submit.ErrRateLimited):
		return problem(lang, http.StatusTooManyRequests, locale.Text{
			FR: "Trop de dépôts depuis cette adresse en peu de temps : réessayez dans une minute.",
			EN: "Too many submissions from this address in a short time: try again in a minute.",
		})
	case errors.As(err, &data) && errors.Is(err, submit.ErrMalformedData):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "Les réponses sont mal formées : texte UTF-8 invalide, caractère de contrôle (NUL compris), ou clé présente deux fois dans un " +
				"objet.",
			EN: "The answers are malformed: invalid UTF-8 text, a control character (NUL included), or a key twice in one object.",
		}, &huma.ErrorDetail{Location: "body.data", Message: data.Message.In(lang)})
	case errors.As(err, &data) && errors.Is(err, submit.ErrDataTooLarge):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: fmt.Sprintf(
				"Les réponses dépassent les limites : %d niveaux d'imbrication, %d valeurs et %d caractères par texte au plus.",
				submit.MaxDataDepth,
				submit.MaxDataValues,
				submit.MaxStringLength,
			),
			EN: fmt.Sprintf(
				"The answers exceed the limits: at most %d levels of nesting, %d values and %d characters per text.",
				submit.MaxDataDepth,
				submit.MaxDataValues,
				submit.MaxStringLength,
			),
		}, &huma.ErrorDetail{Location: "body.data", Message: data.Message.In(lang)})
	case errors.Is(err, submit.ErrUnknownSubmission), errors.Is(err, backoffice.ErrNotEntitled):
		// Another department's dossier is unknown to the caller: a 403
		// would tell that its reference is in use.
		return problem(lang, http.StatusNotFound, locale.Text{
			FR: "Aucun dépôt ne porte cette référence.",
			EN: "No submission has this reference.",
		})
	case errors.Is(err, backoffice.ErrAdminOnly):
		return problem(lang, http.StatusForbidden, locale.Text{
			FR: "Seul un administrateur peut rouvrir une décision.",
			EN: "Only an admin can reopen a decision.",
		})
	case errors.Is(err, backoffice.ErrDecidedByWorkflow):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "Cette demande interne passe par un circuit de validation : elle est décidée étape par étape dans « Validations », pas depuis le " +
				"dossier.",
			EN: "This internal request goes through an approval workflow: it is decided step by step under “Approvals”, not from the dossier.",
		})
	case errors.Is(err, backoffice.ErrOwnRequest):
		return problem(lang, http.StatusForbidden, locale.Text{
			FR: "Vous ne pouvez pas décider de votre propre demande.",
			EN: "You cannot decide your own request.",
		})
	case errors.Is(err, backoffice.ErrTransition):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "Cette action n'est pas possible dans l'état actuel du dossier.",
			EN: "This action is not possible in the dossier's current status.",
		})
	case errors.Is(err, backoffice.ErrReasonRequired):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "Indiquez le motif.",
			EN: "Give the reason.",
		}, &huma.ErrorDetail{
			Location: "body.reason",
			Message:  locale.Text{FR: "Le motif est obligatoire.", EN: "The reason is required."}.In(lang),
		})
	case errors.Is(err, webhooks.ErrNotFound):
		return problem(lang, http.StatusNotFound, locale.Text{
			FR: "Ce webhook ou cet envoi n'existe pas.",
			EN: "This webhook or delivery does not exist.",
		})
	case errors.Is(err, backoffice.ErrNoWorkflow):
		return problem(lang, http.StatusNotFound, locale.Text{
			FR: "Cette demande ne passe par aucun circuit de validation.",
			EN: "This request goes through no approval workflow.",
		})
	case errors.Is(err, backoffice.ErrNotApprover):
		return problem(lang, http.StatusForbidden, locale.Text{
			FR: "Vous ne validez pas l'étape en cours de cette demande.",
			EN: "You are not an approver of this request's current step.",
		})
	case errors.Is(err, backoffice.ErrNotRequester):
		return problem(lang, http.StatusForbidden, locale.Text{
			FR: "Seul le demandeur peut renvoyer sa demande corrigée.",
			EN: "Only the requester can send the corrected request again.",
		})
	case errors.Is(err, backoffice.ErrStale):
		return problem(lang, http.StatusConflict, locale.Text{
			FR: "La demande a avancé entre-temps : rechargez-la avant de décider.",
			EN: "The request moved on meanwhile: reload it before deciding.",
		})
	case errors.Is(err, backoffice.ErrUnknownForm):
		return problem(
			lang,
			http.StatusNotFound,
			locale.Text{FR: "Ce formulaire n'a jamais été publié.", EN: "This form was never published."},
		)
	case errors.Is(err, backoffice.ErrBadPaperCount):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "Indiquez un mois (AAAA-MM) et un nombre entier positif.",
			EN: "Give a month (YYYY-MM) and a whole positive number.",
		})
	case errors.Is(err, backoffice.ErrBatchTooLarge):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: fmt.Sprintf("%d dossiers au plus à la fois.", backoffice.MaxBatch),
			EN: fmt.Sprintf("%d dossiers at most at once.", backoffice.MaxBatch),
		})
	case errors.Is(err, backoffice.ErrEmptyNote):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{FR: "La note est vide.", EN: "The note is empty."})
	case errors.Is(err, backoffice.ErrTooLong):
		return problem(lang, http.StatusUnprocessableEntity, locale.Text{
			FR: fmt.Sprintf("Le texte dépasse %d caractères.", backoffice.MaxTextLength),
			EN: fmt.Sprintf("The text is longer than %d characters.", backoffice.MaxTextLength),
		})
	case errors.Is(err, backoffice.ErrBadCursor):
		return problem(lang, http.StatusBadRequest, locale.Text{FR: "Curseur de pagination invalide.", EN: "Invalid pagination cursor."})
	case errors.Is(err, submit.ErrUnavailable), bus.IsUnavailable(err):
		return problem(lang, http.StatusServiceUnavailable, msgUnavailable)
	default:
		return problem(lang, http.StatusInternalServerError, msgInternal)
	}
}

var localiseOnce sync.Once

// localiseHumaErrors makes the errors Huma raises by itself (malformed
// JSON, a body too large, a missing property…) speak the request's
// language. Huma offers this hook as a package variable.
func localiseHumaErrors() {
	localiseOnce.Do(func() {
		huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			lang := locale.French
			if ctx != nil {
				lang = locale.FromAcceptLanguage(ctx.Header("Accept-Language"))
			}
			details := make([]*huma.ErrorDetail, 0, len(errs))
			for _, err := range errs {
				var d *huma.ErrorDetail
				if !errors.As(err, &d) {
					if err == nil {
						continue
					}
					d = &huma.ErrorDetail{Message: err.Error()}
				}
				location := d.Location
				var missing string
				if fmtScan(d.Message, "expected required property %s to be present", &missing) {
					// Point at the missing property, as field errors do.
					location += "." + missing
				}
				details = append(details, &huma.ErrorDetail{
					Location: location,
					Message:  humaMessage(d.Message, status, d.Location).In(lang),
					Value:    truncatedValue(d.Value),
				})
			}
			return problem(lang, status, humaMessage(msg, status, ""), details...)
		}
	})
}

// humaMessage translates Huma's own messages.
func humaMessage(msg string, status int, location string) locale.Text {
	var n int
	var name string
	switch {
	case msg == "validation failed":
		return locale.Text{FR: "La requête est à corriger.", EN: "The request needs correcting."}
	case msg == "request body is required":
		return locale.Text{FR: "Le corps de la requête est obligatoire.", EN: "The request body is required."}
	case fmtScan(msg, "request body is too large limit=%d bytes", &n):
		return locale.Text{
			FR: fmt.Sprintf("Le corps de la requête dépasse la taille maximale de %d octets.", n),
			EN: fmt.Sprintf("The request body is larger than the %d-byte limit.", n),
		}
	case msg == "request body read timeout":
		return locale.Text{FR: "Le corps de la requête est arrivé trop lentement.", EN: "The request body arrived too slowly."}
	case status == http.StatusBadRequest && location == "body":
		return locale.Text{FR: "Le corps de la requête n'est pas un JSON valide : " + msg, EN: "The request body is not valid JSON: " + msg}
	case fmtScan(msg, "expected required property %s to be present", &name):
		return locale.Text{FR: fmt.Sprintf("La propriété « %s » est obligatoire.", name), EN: msg}
	case msg == "unexpected property":
		return locale.Text{FR: "Cette propriété n'est pas prévue.", EN: msg}
	case msg == "expected object":
		return locale.Text{FR: "Un objet JSON est attendu.", EN: msg}
	case msg == "expected string":
		return locale.Text{FR: "Un texte est attendu.", EN: msg}
	case msg == "expected array":
		return locale.Text{FR: "Une liste est attendue.", EN: msg}
	case msg == "expected boolean":
		return locale.Text{FR: "Vrai ou faux est attendu.", EN: msg}
	case msg == "expected integer", msg == "expected number":
		return locale.Text{FR: "Un nombre est attendu.", EN: msg}
	case fmtScan(msg, "expected length <= %d", &n):
		return locale.Text{FR: fmt.Sprintf("Au plus %d caractères.", n), EN: msg}
	case fmtScan(msg, "expected length >= %d", &n):
		return locale.Text{FR: fmt.Sprintf("Au moins %d caractères.", n), EN: msg}
	case strings.HasPrefix(msg, "expected string to match pattern"):
		return locale.Text{
			FR: "Ce texte n'a pas la forme attendue : " + strings.TrimPrefix(msg, "expected string to match pattern "),
			EN: msg,
		}
	case strings.HasPrefix(msg, "expected string to be RFC 5322 email"):
		return locale.Text{FR: "Une adresse électronique valide est attendue.", EN: "A valid email address is expected."}
	case strings.HasPrefix(msg, "expected string to be RFC 3986 uri"):
		return locale.Text{
			FR: "Une adresse web complète est attendue, par exemple https://exemple.fr/chemin.",
			EN: "A full web address is expected, such as https://example.org/path.",
		}
	case strings.HasPrefix(msg, "expected string to be RFC 3339 date"):
		return locale.Text{
			FR: "Une date AAAA-MM-JJ est attendue (avec l'heure, le cas échéant, au format RFC 3339).",
			EN: "A date YYYY-MM-DD is expected (with the time, where asked, in RFC 3339 form).",
		}
	case strings.HasPrefix(msg, "expected string to be "):
		return locale.Text{FR: "Ce texte n'est pas au format attendu.", EN: "This text is not in the expected format."}
	case fmtScan(msg, "expected number >= %d", &n):
		return locale.Text{FR: fmt.Sprintf("Au moins %d.", n), EN: msg}
	case fmtScan(msg, "expected number <= %d", &n):
		return locale.Text{FR: fmt.Sprintf("Au plus %d.", n), EN: msg}
	case fmtScan(msg, "expected array length <= %d", &n):
		return locale.Text{FR: fmt.Sprintf("Au plus %d éléments.", n), EN: msg}
	case fmtScan(msg, "expected array length >= %d", &n):
		return locale.Text{FR: fmt.Sprintf("Au moins %d éléments.", n), EN: msg}
	case strings.HasPrefix(msg, "expected value to be one of"):
		return locale.Text{FR: "Valeur non prévue : " + strings.TrimPrefix(msg, "expected value to be one of "), EN: msg}
	}
	return locale.Text{FR: msg, EN: msg}
}

func fmtScan(msg, format string, into any) bool {
	n, err := fmt.Sscanf(msg, format, into)
	return err == nil && n == 1
}

// truncatedValue keeps an echoed value short: a malformed body is echoed
// back whole by Huma otherwise.
func truncatedValue(v any) any {
	const maxRunes = 200
	if s, ok := v.(string); ok && len([]rune(s)) > maxRunes {
		return string([]rune(s)[:maxRunes]) + "…"
	}
	return v
}
