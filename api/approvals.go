package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
)

// approvalsHandler serves the approval workflows of internal requests.
type approvalsHandler struct {
	workflows *backoffice.Workflows
}

func (h *approvalsHandler) register(api huma.API) {
	tags := []string{"Approvals"}
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "list-approvals", Method: http.MethodGet, Path: "/api/approvals",
		Summary: "Mes demandes et les validations qui m'attendent", Tags: tags,
		Description: "mine : les demandes internes de l'appelant et où elles en sont ; toDecide : celles dont l'appelant peut valider l'étape " +
			"en cours (y compris comme suppléant d'un responsable absent).",
	}), h.list)
	huma.Register(api, operation(identity.Approver, huma.Operation{
		OperationID: "decide-approval", Method: http.MethodPost, Path: "/api/approvals/{reference}",
		Summary: "Valider, refuser ou renvoyer une étape ; renvoyer sa demande corrigée", Tags: tags,
		Description: "approve, reject, return (ces deux derniers avec un commentaire) sur l'étape en cours, désignée par round et position ; " +
			"resend, par le demandeur d'une demande renvoyée, avec ses réponses corrigées. " +
			"La décision est enregistrée sur le flux EVENTS puis appliquée une seule fois ; deux envois de la même décision n'en font qu'une.",
		DefaultStatus: http.StatusAccepted,
	}), h.decide)
}

// ApprovalEntryBody is one decision of an approval.
type ApprovalEntryBody struct {
	Round   int       `json:"round"`
	Step    string    `json:"step,omitempty" doc:"Titre de l'étape ; absent pour un renvoi par le demandeur"`
	Verdict string    `json:"verdict"`
	By      string    `json:"by"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// ApprovalBody is where an internal request's approval stands.
type ApprovalBody struct {
	Reference  string              `json:"reference"`
	Form       string              `json:"form"`
	Requester  string              `json:"requester"`
	Round      int                 `json:"round"`
	Position   int                 `json:"position" doc:"Position de l'étape en cours parmi celles qui s'appliquent"`
	Outcome    string              `json:"outcome" enum:"pending,approved,rejected,returned"`
	Step       string              `json:"step,omitempty" doc:"Titre de l'étape en cours"`
	Since      time.Time           `json:"since"`
	Steps      []string            `json:"steps" doc:"Titres des étapes qui s'appliquent à la demande"`
	Escalation string              `json:"escalation,omitempty" doc:"Pourquoi l'étape en cours est confiée à un niveau supérieur ou aux administrateurs : le demandeur ne décide jamais de sa propre demande"`
	History    []ApprovalEntryBody `json:"history"`
}

type approvalsOutput struct {
	Body struct {
		Mine     []ApprovalBody `json:"mine"`
		ToDecide []ApprovalBody `json:"toDecide"`
	}
}

func (h *approvalsHandler) list(ctx context.Context, _ *struct{}) (*approvalsOutput, error) {
	p := requestOf(ctx).Principal
	toDecide, err := h.workflows.ToDecide(ctx, p)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	mine, err := h.workflows.Mine(ctx, p)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	escalations, err := h.workflows.Escalations(ctx, append(slices.Clip(mine), toDecide...))
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &approvalsOutput{}
	out.Body.Mine, out.Body.ToDecide = []ApprovalBody{}, []ApprovalBody{}
	for _, a := range mine {
		out.Body.Mine = append(out.Body.Mine, h.body(ctx, a, escalations))
	}
	for _, a := range toDecide {
		out.Body.ToDecide = append(out.Body.ToDecide, h.body(ctx, a, escalations))
	}
	return out, nil
}

// body describes an approval with its steps' titles.
func (h *approvalsHandler) body(ctx context.Context, a backoffice.Approval, escalations map[string]locale.Text) ApprovalBody {
	b := ApprovalBody{Reference: a.Reference, Form: a.Form, Requester: a.Requester, Round: a.Round, Position: a.Current,
		Outcome: string(a.Outcome), Since: a.Since, Steps: []string{}, History: []ApprovalEntryBody{},
		Escalation: escalations[a.Reference].In(requestOf(ctx).Lang)}
	titles := h.workflows.StepTitles(ctx, a)
	for _, i := range a.Steps {
		b.Steps = append(b.Steps, titles[i])
	}
	if step := a.Step(); step >= 0 {
		b.Step = titles[step]
	}
	for _, e := range a.History {
		entry := ApprovalEntryBody{Round: e.Round, Verdict: string(e.Verdict), By: e.By, Comment: e.Comment, At: e.At}
		if e.Step >= 0 && e.Step < len(titles) {
			entry.Step = titles[e.Step]
		}
		b.History = append(b.History, entry)
	}
	return b
}

type decideInput struct {
	Reference string `path:"reference" maxLength:"32"`
	Body      struct {
		Round    int                `json:"round" minimum:"1"`
		Position int                `json:"position,omitempty" minimum:"0"`
		Verdict  backoffice.Verdict `json:"verdict" enum:"approve,reject,return,resend"`
		Comment  string             `json:"comment,omitempty" maxLength:"5000"`
		Data     json.RawMessage    `json:"data,omitempty" doc:"Réponses corrigées, pour resend"`
	}
}

func (h *approvalsHandler) decide(ctx context.Context, in *decideInput) (*struct{}, error) {
	b := in.Body
	if err := h.workflows.Decide(ctx, requestOf(ctx).Principal, in.Reference, b.Round, b.Position, b.Verdict, b.Comment, b.Data); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}
