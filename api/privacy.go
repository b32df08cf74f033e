package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/privacy"
)

// privacyHandler answers the rights of the people who submitted: access to
// what is held about them, and erasure. Both are admins' work, done on a
// request whose sender the organisation has identified.
type privacyHandler struct {
	privacy *privacy.Privacy
}

func (h *privacyHandler) register(api huma.API) {
	tags := []string{"Data protection"}
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "privacy-access", Method: http.MethodPost, Path: "/api/privacy/access",
		Summary: "Droit d'accès : tout ce qui est conservé sur une adresse électronique", Tags: tags,
		Description: "Chaque dépôt dont une réponse est cette adresse (quelle que soit la casse) : réponses, statut et historique avec les " +
			"décisions et leurs motifs, " +
			"événements (messages, notes, consultations), noms des documents conservés, circuit de validation ; et les brouillons enregistrés qui " +
			"la donnent. " +
			"La demande est inscrite au journal de sécurité, sans l'adresse. L'adresse va dans le corps de la requête, jamais dans l'URL (que les " +
			"mandataires journalisent).",
	}), h.access)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "privacy-erasure", Method: http.MethodPost, Path: "/api/privacy/erasure",
		Summary: "Droit à l'effacement : effacer les dépôts d'une adresse électronique", Tags: tags,
		Description: "Efface de chaque magasin (message du dépôt, statut, corbeilles, circuit de validation, événements, PDF, lettres, pièces " +
			"jointes, clés d'idempotence) " +
			"les dépôts dont une réponse est cette adresse, et les brouillons qui la donnent. Chaque effacement est inscrit au journal de " +
			"sécurité avec sa raison, sans l'adresse. " +
			"Irréversible.",
	}), h.erase)
}

type privacyAccessInput struct {
	Body struct {
		Email string `json:"email" format:"email" maxLength:"254" doc:"L'adresse de la personne"`
	}
}

type privacyAccessOutput struct {
	Body privacy.Report
}

func (h *privacyHandler) access(ctx context.Context, in *privacyAccessInput) (*privacyAccessOutput, error) {
	report, err := h.privacy.Access(ctx, in.Body.Email, requestOf(ctx).Principal.AccountID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &privacyAccessOutput{Body: report}, nil
}

type privacyErasureInput struct {
	Body struct {
		Email  string `json:"email" format:"email" maxLength:"254" doc:"L'adresse de la personne"`
		Reason string `json:"reason" minLength:"3" maxLength:"500" doc:"Pourquoi : la demande reçue (sa date, sa référence), pour le journal" example:"Demande d'effacement reçue par courrier le 12 novembre 2026"`
	}
}

type privacyErasureOutput struct {
	Body struct {
		Submissions []string `json:"submissions" doc:"Références des dépôts effacés"`
		Drafts      int      `json:"drafts" doc:"Nombre de brouillons effacés"`
	}
}

func (h *privacyHandler) erase(ctx context.Context, in *privacyErasureInput) (*privacyErasureOutput, error) {
	by := requestOf(ctx).Principal.AccountID
	refs, drafts, err := h.privacy.EraseEmail(ctx, in.Body.Email, privacy.Erasure{By: by, Why: "droit à l'effacement : " + in.Body.Reason})
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &privacyErasureOutput{}
	out.Body.Submissions, out.Body.Drafts = refs, drafts
	return out, nil
}
