package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/submit"
)

// dossiersHandler serves the agents' work on the dossiers of their
// departments.
type dossiersHandler struct {
	dossiers *backoffice.Dossiers
	// conversations writes to applicants.
	conversations *backoffice.Conversations
	trail         *backoffice.Trail
	exporter      *backoffice.Exporter
	log           *slog.Logger
}

func (h *dossiersHandler) register(api huma.API) {
	tags := []string{"Dossiers"}
	huma.Register(api, operation(identity.DossierAgent, huma.Operation{
		OperationID: "get-dossier", Method: http.MethodGet, Path: "/api/dossiers/{reference}",
		Summary: "Lire un dossier", Tags: tags,
		Description: "Les réponses avec les libellés de la version du formulaire, l'historique et le journal du dossier (consultations, notes, " +
			"décisions). La lecture est elle-même inscrite au journal.",
	}), h.get)
	huma.Register(api, operation(identity.DossierAgent, huma.Operation{
		OperationID: "act-on-dossier", Method: http.MethodPost, Path: "/api/dossiers/{reference}/actions",
		Summary: "Faire avancer un dossier", Tags: tags,
		Description: "take-up : routed → in_review ; accept, reject, close : in_review → accepted, rejected, closed, avec un motif ; reopen : " +
			"d'une décision à in_review, avec un motif, par un administrateur.",
	}), h.act)
	huma.Register(api, operation(identity.DossierAgent, huma.Operation{
		OperationID: "note-dossier", Method: http.MethodPost, Path: "/api/dossiers/{reference}/notes",
		Summary: "Ajouter une note entre agents", Tags: tags, DefaultStatus: http.StatusCreated,
	}), h.note)
	huma.Register(api, operation(identity.DossierAgent, huma.Operation{
		OperationID: "message-submitter", Method: http.MethodPost, Path: "/api/dossiers/{reference}/messages",
		Summary: "Écrire à l'usager", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Le message est enregistré au journal du dossier, où l'usager le lit sur la page de son dossier et peut y répondre. " +
			"Un courriel l'en avertit (à l'adresse que donnent ses réponses, ou à l'agent demandeur), avec le lien vers cette page, " +
			"quand un relais SMTP est configuré.",
	}), h.message)
	huma.Register(api, operation(identity.DossierAgent, huma.Operation{
		OperationID: "assign-dossier", Method: http.MethodPost, Path: "/api/dossiers/{reference}/assign",
		Summary: "Prendre en charge un dossier, ou le libérer", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), h.assign)
	huma.Register(api, operation(identity.DossierAgent, huma.Operation{
		OperationID: "follow-dossier", Method: http.MethodPost, Path: "/api/dossiers/{reference}/follow",
		Summary: "Suivre un dossier, ou ne plus le suivre", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), h.follow)
	huma.Register(api, operation(identity.DepartmentAgent, huma.Operation{
		OperationID: "act-on-dossiers", Method: http.MethodPost, Path: "/api/departments/{id}/submissions/actions",
		Summary: "Faire avancer plusieurs dossiers à la fois", Tags: tags,
		Description: "La même action, avec le même motif, sur chaque dossier nommé ; chacun est traité à part et un refus n'arrête pas les " +
			"autres. Le résultat dit, dossier par dossier, le nouvel état ou la raison du refus.",
	}), h.actOnAll)
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "export-submissions", Method: http.MethodGet, Path: "/api/forms/{id}/submissions/export",
		Summary: "Exporter les dépôts d'un formulaire (CSV ou JSON)", Tags: tags,
		Description: "Les dépôts d'une période, envoyés au fil de l'eau, avec les libellés de la version de chacun ; seulement ceux des " +
			"services de l'appelant (tous pour un administrateur). " +
			"En CSV (UTF-8 avec marque d'ordre, séparateur point-virgule, chaque cellule entre guillemets), une colonne par champ de toutes les " +
			"versions ; une apostrophe précède tout = + - @ qui commence une cellule, un libellé compris, ou suit une virgule, un point-virgule, " +
			"une tabulation ou un saut de ligne, pour qu'un tableur n'y lise jamais une formule. L'export est inscrit au journal de sécurité.",
		Responses: map[string]*huma.Response{"200": {
			Description: "Le fichier",
			Content: map[string]*huma.MediaType{
				"text/csv":         {Schema: &huma.Schema{Type: "string"}},
				"application/json": {Schema: &huma.Schema{Type: "array"}},
			},
		}},
	}), h.export)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "account-trail", Method: http.MethodGet, Path: "/api/accounts/{id}/trail",
		Summary: "Journal des dossiers d'un compte", Tags: []string{"Accounts"},
		Description: "Ce que le compte a fait sur les dossiers : consultations, notes, décisions, prises en charge.",
	}), h.accountTrail)
}

type referenceInput struct {
	Reference string `path:"reference" maxLength:"32" example:"2026-0001-F2N0"`
}

// AnswerBody is one answer of a dossier, with its form version's label.
type AnswerBody struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Depth int    `json:"depth,omitempty" doc:"Niveau d'imbrication : groupes et éléments répétés"`
}

// DossierBody is a dossier as its department sees it.
type DossierBody struct {
	Reference   string                  `json:"reference"`
	Form        string                  `json:"form"`
	FormVersion int                     `json:"formVersion"`
	FormTitle   string                  `json:"formTitle"`
	Status      string                  `json:"status"`
	Department  string                  `json:"department"`
	SubmittedAt time.Time               `json:"submittedAt"`
	Assignee    string                  `json:"assignee,omitempty"`
	Followers   []string                `json:"followers,omitempty"`
	Answers     []AnswerBody            `json:"answers"`
	History     []ChangeBody            `json:"history"`
	Trail       []backoffice.TrailEntry `json:"trail"`
	Messages    []MessageBody           `json:"messages" doc:"Les échanges avec le demandeur, du plus ancien au plus récent"`
	Actions     []backoffice.Action     `json:"actions" doc:"Ce que l'appelant peut faire du dossier dans son état"`
}

// MessageBody is a message of a dossier's conversation.
type MessageBody struct {
	ID   uint64    `json:"id" doc:"Numéro du message, pour télécharger ses fichiers"`
	From string    `json:"from" enum:"department,applicant"`
	By   string    `json:"by,omitempty" doc:"Agent qui l'a écrit"`
	At   time.Time `json:"at"`
	Text string    `json:"text,omitempty"`
	// Files are the files sent with it.
	Files []AttachmentBody `json:"files,omitempty"`
	Asks  []string         `json:"asks,omitempty" doc:"Les réponses qu'une demande de correction demande de corriger, par champ"`
	// Revision is the version a correction of the applicant stored.
	Revision int    `json:"revision,omitempty" doc:"Version des réponses qu'une correction du demandeur a enregistrée"`
	Delivery string `json:"delivery,omitempty" enum:"no-relay,waiting,retrying,sent,no-address,refused" doc:"Ce qu'est devenu le courriel qui en avertit le demandeur"`
}

type dossierOutput struct{ Body DossierBody }

func (h *dossiersHandler) get(ctx context.Context, in *referenceInput) (*dossierOutput, error) {
	p := requestOf(ctx).Principal
	d, err := h.dossiers.Open(ctx, p, in.Reference)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &dossierOutput{Body: DossierBody{
		Reference: d.Record.Reference, Form: d.Record.Form, FormVersion: d.Record.FormVersion, FormTitle: d.Form.Title,
		Status: string(d.Record.Status), Department: d.Record.Department, SubmittedAt: d.Record.SubmittedAt,
		Assignee: d.Record.Assignee, Followers: d.Record.Followers, Trail: d.Trail, Actions: backoffice.Possible(p, d),
	}}
	for _, a := range d.Answers {
		out.Body.Answers = append(out.Body.Answers, AnswerBody{Label: a.Label, Value: a.Value, Depth: a.Depth})
	}
	out.Body.History = historyOf(d.Record, true)
	thread, err := h.conversations.Thread(ctx, d.Record.Reference)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out.Body.Messages = make([]MessageBody, len(thread))
	for i, m := range thread {
		delivery, err := h.conversations.Delivery(ctx, m)
		if err != nil {
			return nil, toProblem(ctx, err)
		}
		out.Body.Messages[i] = MessageBody{ID: m.ID, From: string(m.From), By: m.By, At: m.At, Text: m.Text, Asks: m.Asks,
			Revision: m.Revision, Delivery: string(delivery)}
		for _, f := range m.Files {
			out.Body.Messages[i].Files = append(out.Body.Messages[i].Files, AttachmentBody{Name: f.Name, Type: f.Type, Size: f.Size,
				SHA256: f.SHA256})
		}
	}
	return out, nil
}

// historyOf is a submission's history: whole for its department's agents;
// for its submitter, without who did what, and with the reasons of the
// decisions only.
func historyOf(rec submit.State, internal bool) []ChangeBody {
	out := make([]ChangeBody, len(rec.History))
	for i, c := range rec.History {
		out[i] = ChangeBody{Status: string(c.Status), At: c.At, Department: c.Department}
		switch {
		case internal:
			out[i].By, out[i].Reason = c.By, c.Reason
		case c.Status.Decided():
			out[i].Reason = c.Reason
		}
	}
	return out
}

type actInput struct {
	Reference string `path:"reference" maxLength:"32"`
	Body      struct {
		Action backoffice.Action `json:"action" enum:"take-up,accept,reject,close,reopen"`
		Reason string            `json:"reason,omitempty" maxLength:"5000" doc:"Motif, obligatoire pour une décision ou une réouverture"`
	}
}

type actOutput struct {
	Body struct {
		Reference string       `json:"reference"`
		Status    string       `json:"status"`
		History   []ChangeBody `json:"history"`
	}
}

func (h *dossiersHandler) act(ctx context.Context, in *actInput) (*actOutput, error) {
	rec, err := h.dossiers.Act(ctx, requestOf(ctx).Principal, in.Reference, in.Body.Action, in.Body.Reason)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &actOutput{}
	out.Body.Reference, out.Body.Status, out.Body.History = rec.Reference, string(rec.Status), historyOf(rec, true)
	return out, nil
}

type batchInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		References []string          `json:"references" minItems:"1" maxItems:"200" doc:"Références des dossiers"`
		Action     backoffice.Action `json:"action" enum:"take-up,accept,reject,close,reopen"`
		Reason     string            `json:"reason,omitempty" maxLength:"5000"`
	}
}

// OutcomeBody is what a batch action did to one dossier.
type OutcomeBody struct {
	Reference string `json:"reference"`
	Status    string `json:"status,omitempty" doc:"Nouvel état, si l'action a été faite"`
	Error     string `json:"error,omitempty" doc:"Raison du refus, sinon"`
}

type batchOutput struct {
	Body struct {
		Outcomes []OutcomeBody `json:"outcomes"`
	}
}

func (h *dossiersHandler) actOnAll(ctx context.Context, in *batchInput) (*batchOutput, error) {
	outcomes, err := h.dossiers.ActOnAll(ctx, requestOf(ctx).Principal, in.Body.References, in.Body.Action, in.Body.Reason)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &batchOutput{}
	for _, o := range outcomes {
		body := OutcomeBody{Reference: o.Reference}
		if o.Err != nil {
			body.Error = toProblem(ctx, o.Err).Error()
		} else {
			body.Status = string(o.Status)
		}
		out.Body.Outcomes = append(out.Body.Outcomes, body)
	}
	return out, nil
}

type noteInput struct {
	Reference string `path:"reference" maxLength:"32"`
	Body      struct {
		Text string `json:"text" minLength:"1" maxLength:"5000"`
	}
}

func (h *dossiersHandler) note(ctx context.Context, in *noteInput) (*struct{}, error) {
	if err := h.dossiers.Note(ctx, requestOf(ctx).Principal, in.Reference, in.Body.Text); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

func (h *dossiersHandler) message(ctx context.Context, in *noteInput) (*struct{}, error) {
	if err := h.conversations.Write(ctx, requestOf(ctx).Principal, in.Reference, in.Body.Text, nil); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

type toggleInput struct {
	Reference string `path:"reference" maxLength:"32"`
	Body      struct {
		Stop bool `json:"stop,omitempty" doc:"true : libérer le dossier, ou ne plus le suivre"`
	}
}

func (h *dossiersHandler) assign(ctx context.Context, in *toggleInput) (*struct{}, error) {
	if err := h.dossiers.Assign(ctx, requestOf(ctx).Principal, in.Reference, in.Body.Stop); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

func (h *dossiersHandler) follow(ctx context.Context, in *toggleInput) (*struct{}, error) {
	if err := h.dossiers.Follow(ctx, requestOf(ctx).Principal, in.Reference, in.Body.Stop); err != nil {
		return nil, toProblem(ctx, err)
	}
	return nil, nil
}

type submissionsExportInput struct {
	ID     string    `path:"id" maxLength:"64"`
	Format string    `query:"format" enum:"csv,json" default:"csv"`
	From   time.Time `query:"from" doc:"Déposés à partir de cet instant (RFC 3339)"`
	To     time.Time `query:"to" doc:"Déposés avant cet instant (RFC 3339)"`
}

func (h *dossiersHandler) export(ctx context.Context, in *submissionsExportInput) (*huma.StreamResponse, error) {
	x := backoffice.Export{Form: in.ID, Format: backoffice.Format(in.Format), From: in.From, To: in.To}
	prepared, err := h.exporter.Prepare(ctx, x)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	p := requestOf(ctx).Principal
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		contentType := "text/csv; charset=utf-8"
		if x.Format == backoffice.JSON {
			contentType = "application/json"
		}
		hctx.SetHeader("Content-Type", contentType)
		hctx.SetHeader("Content-Disposition", `attachment; filename="`+in.ID+"."+in.Format+`"`)
		hctx.SetHeader("Cache-Control", "private, no-store")
		if _, err := prepared.WriteTo(hctx.Context(), p, bodyWriter(hctx)); err != nil && h.log != nil {
			h.log.Error("export cut short", "form", in.ID, "error", err)
		}
	}}, nil
}

type trailOutput struct {
	Body struct {
		Items []backoffice.TrailEntry `json:"items"`
	}
}

func (h *dossiersHandler) accountTrail(ctx context.Context, in *accountIDInput) (*trailOutput, error) {
	entries, err := h.trail.OfAccount(ctx, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &trailOutput{}
	out.Body.Items = append([]backoffice.TrailEntry{}, entries...)
	return out, nil
}
