package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/guichet/guichet/receipts"
	"github.com/guichet/guichet/uploads"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/submit"
)

// MaxSubmissionBytes bounds the body of a submission, files included.
const MaxSubmissionBytes = 32 << 20

type submissionsHandler struct {
	intake       *submit.Intake
	tracker      *submit.Tracker
	documents    DocumentStore
	readDocument func(ctx context.Context, name string) (io.ReadCloser, error)
	uploads      *uploads.Service
	log          *slog.Logger
	trail        *backoffice.Trail
	receipts     *receipts.Store
	// conversations finds the files sent with messages.
	conversations *backoffice.Conversations
	// uploadTimeout bounds the time a submission's body takes to arrive.
	uploadTimeout time.Duration
}

// viewed records that an agent read a submission's personal data (its PDF
// or a file) in the dossier's trail; its submitter's reads are not logged.
func (h *submissionsHandler) viewed(ctx context.Context, rec submit.State, token, what string) error {
	p := requestOf(ctx).Principal
	if p.Anonymous() || rec.HoldsToken(token) || p.AccountID == rec.AccountID {
		return nil
	}
	return h.trail.Append(ctx, backoffice.TrailEntry{Reference: rec.Reference, Kind: backoffice.Viewed, By: p.AccountID, Detail: what})
}

func (h *submissionsHandler) register(api huma.API) {
	huma.Register(api, operation(identity.Anyone, huma.Operation{
		OperationID: "submit", Method: http.MethodPost, Path: "/api/forms/{id}/submissions",
		Summary: "Déposer des réponses à un formulaire", Tags: []string{"Submissions"},
		Description: "Valide les données avec le schéma de la dernière version publiée et les enregistre. " +
			"La réponse 201 n'est envoyée qu'une fois le dépôt enregistré durablement. " +
			"Un formulaire interne demande un agent connecté. " +
			"Avec un en-tête Idempotency-Key, une nouvelle tentative rend le même récépissé sans créer de second dépôt.",
		DefaultStatus:   http.StatusCreated,
		MaxBodyBytes:    MaxSubmissionBytes,
		BodyReadTimeout: h.uploadTimeout,
	}), h.submit)
	huma.Register(api, operation(identity.ReceiptHolder, huma.Operation{
		OperationID: "get-submission", Method: http.MethodGet, Path: "/api/submissions/{reference}",
		Summary: "Suivre un dépôt", Tags: []string{"Submissions"},
	}), h.get)
	huma.Register(api, operation(identity.ReceiptHolder, huma.Operation{
		OperationID: "get-submission-receipt", Method: http.MethodGet, Path: "/api/submissions/{reference}/receipt",
		Summary: "Le récépissé signé d'un dépôt", Tags: []string{"Submissions", "Receipts"},
		Description: "Le récépissé que l'administration a signé : référence, formulaire et version, heure et séquence d'enregistrement, " +
			"empreintes des données et des pièces jointes, récépissé précédent du formulaire, clé et signature ; " +
			"avec sa forme encodée et le lien de vérification. Prêt quelques instants après le dépôt (404 avant).",
	}), h.receipt)
	huma.Register(api, operation(identity.ReceiptHolder, huma.Operation{
		OperationID: "get-submission-pdf", Method: http.MethodGet, Path: "/api/submissions/{reference}/pdf",
		Summary: "Télécharger le récapitulatif PDF d'un dépôt", Tags: []string{"Submissions"},
		Responses: map[string]*huma.Response{"200": {
			Description: "Le récapitulatif PDF",
			Content:     map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}},
		}},
	}), h.pdf)
	huma.Register(api, operation(identity.ReceiptHolder, huma.Operation{
		OperationID: "get-submission-decision", Method: http.MethodGet, Path: "/api/submissions/{reference}/decisions/{n}",
		Summary: "Télécharger la lettre d'une décision", Tags: []string{"Submissions"},
		Description: "n est la position de la décision dans l'historique du dépôt, à partir de 0.",
		Responses: map[string]*huma.Response{"200": {
			Description: "La lettre de décision en PDF",
			Content:     map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}},
		}},
	}), h.decision)
	huma.Register(api, operation(identity.ReceiptHolder, huma.Operation{
		OperationID: "get-submission-attachment", Method: http.MethodGet, Path: "/api/submissions/{reference}/attachments/{n}",
		Summary: "Télécharger une pièce jointe d'un dépôt", Tags: []string{"Submissions"},
		Description: "Les pièces jointes sont numérotées dans l'ordre de la liste attachments du dépôt, à partir de 0.",
		Responses: map[string]*huma.Response{"200": {
			Description: "Le fichier, tel qu'il a été envoyé",
			Content:     map[string]*huma.MediaType{"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}},
		}},
	}), h.attachment)
	huma.Register(api, operation(identity.ReceiptHolder, huma.Operation{
		OperationID: "get-message-file", Method: http.MethodGet, Path: "/api/submissions/{reference}/messages/{message}/files/{n}",
		Summary: "Télécharger un fichier joint à un message du dossier", Tags: []string{"Submissions"},
		Description: "Les messages du dossier, entre le service et le demandeur, portent chacun un numéro ; leurs fichiers sont numérotés à " +
			"partir de 0.",
		Responses: map[string]*huma.Response{"200": {
			Description: "Le fichier, tel qu'il a été envoyé",
			Content:     map[string]*huma.MediaType{"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}},
		}},
	}), h.messageFile)
}

type submitInput struct {
	ID             string `path:"id" maxLength:"64" example:"aide-transport-scolaire"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Clé choisie par le client (un UUID par exemple) pour qu'une nouvelle tentative ne crée pas de second dépôt"`
	Body           struct {
		Data json.RawMessage `json:"data" doc:"Les réponses, un objet conforme au schéma du formulaire"`
	}
}

type submitOutput struct {
	Location string `header:"Location"`
	Body     struct {
		Reference   string `json:"reference" example:"2026-0001-F2N0" doc:"Référence du dépôt"`
		Token       string `json:"token" example:"q2V0aW4tZXhlbXBsZS0xMjg" doc:"Jeton de récépissé : il donne accès au suivi et au PDF, et n'est montré qu'ici"`
		FormVersion int    `json:"formVersion" example:"1"`
		Status      string `json:"status" example:"received"`
	}
}

func (h *submissionsHandler) submit(ctx context.Context, in *submitInput) (*submitOutput, error) {
	req := requestOf(ctx)
	if !bytes.HasPrefix(bytes.TrimSpace(in.Body.Data), []byte("{")) {
		return nil, problem(req.Lang, http.StatusUnprocessableEntity, locale.Text{
			FR: "La requête est à corriger.",
			EN: "The request needs correcting.",
		},
			&huma.ErrorDetail{Location: "body.data", Message: locale.Text{
				FR: "Les réponses doivent être un objet JSON, par exemple {\"nom\": \"Dupont\"}.",
				EN: "The answers must be a JSON object, such as {\"nom\": \"Dupont\"}.",
			}.In(req.Lang)})
	}
	receipt, err := h.intake.Submit(ctx, submit.Request{
		FormID: in.ID, Data: in.Body.Data, IdempotencyKey: in.IdempotencyKey, Principal: req.Principal, Lang: req.Lang, Client: req.Client,
	})
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &submitOutput{Location: "/api/submissions/" + receipt.Reference}
	out.Body.Reference, out.Body.Token = receipt.Reference, receipt.Token
	out.Body.FormVersion, out.Body.Status = receipt.FormVersion, string(receipt.Status)
	return out, nil
}

type submissionInput struct {
	Reference string `path:"reference" maxLength:"32" example:"2026-0001-F2N0"`
	Token     string `query:"token" maxLength:"64" doc:"Jeton de récépissé"`
}

// versionInput names a version of a submission: the one decided (the
// last) unless revision says otherwise.
type versionInput struct {
	Reference string `path:"reference" maxLength:"32" example:"2026-0001-F2N0"`
	Token     string `query:"token" maxLength:"64" doc:"Jeton de récépissé"`
	Revision  int    `query:"revision" minimum:"0" maximum:"1000" doc:"Version de la demande, pour une demande corrigée : 1 pour la première ; par défaut, la dernière, celle qui est décidée"`
}

// revision loads the record of a version's submission for those entitled
// to it, and the version's number.
func (h *submissionsHandler) revision(ctx context.Context, in *versionInput) (submit.State, int, error) {
	rec, err := h.readable(ctx, &submissionInput{Reference: in.Reference, Token: in.Token})
	if err != nil {
		return rec, 0, err
	}
	revision := cmp.Or(in.Revision, rec.Revision())
	if revision > rec.Revision() {
		return rec, 0, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "Ce dépôt n'a pas de version à ce numéro.",
			EN: "This submission has no version with this number.",
		})
	}
	return rec, revision, nil
}

type attachmentInput struct {
	Reference string `path:"reference" maxLength:"32" example:"2026-0001-F2N0"`
	N         int    `path:"n" minimum:"0" maximum:"100" doc:"Numéro de la pièce jointe, à partir de 0"`
	Token     string `query:"token" maxLength:"64" doc:"Jeton de récépissé"`
}

// ChangeBody is one step of a submission's history.
type ChangeBody struct {
	Status     string    `json:"status" example:"routed"`
	At         time.Time `json:"at"`
	Department string    `json:"department,omitempty"`
	By         string    `json:"by,omitempty" doc:"Agent qui a fait le changement ; pour les agents du service seulement"`
	Reason     string    `json:"reason,omitempty" doc:"Motif d'une décision"`
}

type submissionOutput struct {
	Body struct {
		Reference   string           `json:"reference" example:"2026-0001-F2N0"`
		Form        string           `json:"form" example:"aide-transport-scolaire"`
		FormVersion int              `json:"formVersion" example:"1"`
		Status      string           `json:"status" enum:"received,documented,routed,in_review,to_complete,accepted,rejected,closed"`
		Department  string           `json:"department,omitempty" example:"transports"`
		SubmittedAt time.Time        `json:"submittedAt"`
		History     []ChangeBody     `json:"history"`
		Attachments []AttachmentBody `json:"attachments,omitempty"`
		Revision    int              `json:"revision" example:"1" doc:"Version de la demande qui fait foi : 1, ou plus après une correction"`
		Documented  bool             `json:"documented" doc:"Le récapitulatif PDF de la version qui fait foi est prêt"`
		Versions    []VersionBody    `json:"versions,omitempty" doc:"Les versions d'une demande corrigée, la première comprise"`
	}
}

// VersionBody is one version of a corrected submission.
type VersionBody struct {
	Revision   int       `json:"revision" example:"2"`
	At         time.Time `json:"at"`
	DataSHA256 string    `json:"dataSha256,omitempty"`
	Documented bool      `json:"documented" doc:"Son récapitulatif PDF est prêt"`
}

// AttachmentBody describes a file sent with a submission.
type AttachmentBody struct {
	Field  string `json:"field,omitempty" example:"justificatif" doc:"Le champ dont le fichier est la réponse ; absent pour le fichier d'un message"`
	Name   string `json:"name" example:"avis-imposition.pdf"`
	Type   string `json:"type" example:"application/pdf"`
	Size   int64  `json:"size" example:"182044"`
	SHA256 string `json:"sha256"`
}

// readable loads a submission's record for those entitled to it: the
// holder of its receipt token, the agent who filed it, the agents of the
// department it was routed to, and admins. To anyone else it does not
// exist, so that an answer never tells a reference in use from one that is
// not, and the reference alone never opens it.
func (h *submissionsHandler) readable(ctx context.Context, in *submissionInput) (submit.State, error) {
	req := requestOf(ctx)
	rec, err := h.tracker.Get(ctx, in.Reference)
	if err != nil {
		return rec, toProblem(ctx, err)
	}
	if rec.ReadableBy(req.Principal, in.Token) {
		return rec, nil
	}
	return rec, toProblem(ctx, submit.ErrUnknownSubmission)
}

func (h *submissionsHandler) get(ctx context.Context, in *submissionInput) (*submissionOutput, error) {
	rec, err := h.readable(ctx, in)
	if err != nil {
		return nil, err
	}
	out := &submissionOutput{}
	b := &out.Body
	b.Reference, b.Form, b.FormVersion, b.Status = rec.Reference, rec.Form, rec.FormVersion, string(rec.Status)
	b.Department, b.SubmittedAt = rec.Department, rec.SubmittedAt
	b.History = historyOf(rec, requestOf(ctx).Principal.ServesDepartment(rec.Department))
	for _, a := range rec.Attachments {
		b.Attachments = append(b.Attachments, AttachmentBody{Field: a.Field, Name: a.Name, Type: a.Type, Size: a.Size, SHA256: a.SHA256})
	}
	b.Revision, b.Documented = rec.Revision(), rec.Documented
	for _, v := range rec.Versions {
		b.Versions = append(b.Versions, VersionBody{Revision: v.Revision, At: v.At, DataSHA256: v.DataSHA256, Documented: v.Documented})
	}
	return out, nil
}

type pdfOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func (h *submissionsHandler) pdf(ctx context.Context, in *versionInput) (*pdfOutput, error) {
	rec, revision, err := h.revision(ctx, in)
	if err != nil {
		return nil, err
	}
	data, err := h.documents.GetBytes(ctx, bus.DocumentRecordName(rec.Reference, revision))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "Le récapitulatif PDF n'est pas encore prêt. Réessayez dans quelques instants.",
			EN: "The PDF record is not ready yet. Try again in a moment.",
		})
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	if err := h.viewed(ctx, rec, in.Token, "pdf"); err != nil {
		return nil, toProblem(ctx, err)
	}
	return &pdfOutput{
		ContentType:        "application/pdf",
		ContentDisposition: `inline; filename="` + bus.SubmissionMsgID(rec.Reference, revision) + `.pdf"`,
		CacheControl:       "private, no-store",
		Body:               data,
	}, nil
}

func (h *submissionsHandler) decision(ctx context.Context, in *attachmentInput) (*pdfOutput, error) {
	rec, err := h.readable(ctx, &submissionInput{Reference: in.Reference, Token: in.Token})
	if err != nil {
		return nil, err
	}
	if in.N >= len(rec.History) || !rec.History[in.N].Status.Decided() {
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "Ce dépôt n'a pas de décision à ce numéro.",
			EN: "This submission has no decision with this number.",
		})
	}
	data, err := h.documents.GetBytes(ctx, bus.DecisionName(rec.Reference, in.N))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "La lettre de décision n'est pas encore prête. Réessayez dans quelques instants.",
			EN: "The decision letter is not ready yet. Try again in a moment.",
		})
	}
	if err == nil {
		err = h.viewed(ctx, rec, in.Token, "decision")
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &pdfOutput{
		ContentType:        "application/pdf",
		ContentDisposition: `inline; filename="decision-` + rec.Reference + `.pdf"`,
		CacheControl:       "private, no-store",
		Body:               data,
	}, nil
}

// ScanHeader says, on a file's download, ClamAV's result: clean, or
// unscanned while the daemon was down (see uploads.Scan).
const ScanHeader = "Guichet-Scan"

// attachment serves a file sent with a submission (see serveFile).
func (h *submissionsHandler) attachment(ctx context.Context, in *attachmentInput) (*huma.StreamResponse, error) {
	lang := requestOf(ctx).Lang
	rec, err := h.readable(ctx, &submissionInput{Reference: in.Reference, Token: in.Token})
	if err != nil {
		return nil, err
	}
	if in.N >= len(rec.Attachments) {
		return nil, problem(lang, http.StatusNotFound, locale.Text{
			FR: "Ce dépôt n'a pas de pièce jointe à ce numéro.",
			EN: "This submission has no attachment with this number.",
		})
	}
	a := rec.Attachments[in.N]
	return h.serveFile(ctx, rec, in.Token, a, a.ObjectName(rec.Reference, in.N))
}

type messageFileInput struct {
	Reference string `path:"reference" maxLength:"32" example:"2026-0001-F2N0"`
	Message   uint64 `path:"message" doc:"Numéro du message"`
	N         int    `path:"n" minimum:"0" maximum:"100" doc:"Numéro du fichier dans le message, à partir de 0"`
	Token     string `query:"token" maxLength:"64" doc:"Jeton de récépissé"`
}

// messageFile serves a file sent with a message of the dossier's
// conversation, to those who may read the dossier.
func (h *submissionsHandler) messageFile(ctx context.Context, in *messageFileInput) (*huma.StreamResponse, error) {
	rec, err := h.readable(ctx, &submissionInput{Reference: in.Reference, Token: in.Token})
	if err != nil {
		return nil, err
	}
	m, err := h.conversations.Message(ctx, rec.Reference, in.Message)
	if err == nil && in.N >= len(m.Files) {
		err = backoffice.ErrNoMessage
	}
	if errors.Is(err, backoffice.ErrNoMessage) {
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "Ce dossier n'a pas de message avec un fichier à ce numéro.",
			EN: "This dossier has no message with a file with this number.",
		})
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	a := m.Files[in.N]
	return h.serveFile(ctx, rec, in.Token, a, a.Object)
}

// serveFile serves a file of a dossier as it was sent, streamed, as a
// download that the browser neither sniffs nor runs. A file not yet
// scanned says so in ScanHeader; an infected one, deleted when found, is
// gone (410). An agent's download is recorded in the dossier's trail.
func (h *submissionsHandler) serveFile(
	ctx context.Context,
	rec submit.State,
	token string,
	a submit.Attachment,
	object string,
) (*huma.StreamResponse, error) {
	scan, err := h.scanOf(ctx, a)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	if scan == uploads.Infected {
		return nil, problem(requestOf(ctx).Lang, http.StatusGone, locale.Text{
			FR: "Ce fichier contenait un virus : il a été supprimé.",
			EN: "This file contained a virus: it was deleted.",
		})
	}
	content, err := h.readDocument(ctx, object)
	if err == nil {
		err = h.viewed(ctx, rec, token, "attachment "+a.Name)
		if err != nil {
			content.Close()
		}
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer content.Close()
		hctx.SetHeader("Content-Type", a.Type)
		hctx.SetHeader("Content-Length", strconv.FormatInt(a.Size, 10))
		hctx.SetHeader("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
		hctx.SetHeader("Cache-Control", "private, no-store")
		hctx.SetHeader("X-Content-Type-Options", "nosniff")
		hctx.SetHeader("Content-Security-Policy", "sandbox; default-src 'none'")
		if scan != "" {
			hctx.SetHeader(ScanHeader, string(scan))
		}
		if _, err := io.Copy(bodyWriter(hctx), content); err != nil && h.log != nil {
			h.log.Warn("file download cut short", "reference", rec.Reference, "error", err)
		}
	}}, nil
}

// scanOf is a file's scan result; "" for a file of before the scans.
func (h *submissionsHandler) scanOf(ctx context.Context, a submit.Attachment) (uploads.Scan, error) {
	id, uploaded := bus.UploadID(a.Object)
	if !uploaded || h.uploads == nil {
		return "", nil
	}
	f, err := h.uploads.Get(ctx, id)
	if errors.Is(err, uploads.ErrNotFound) {
		return "", nil
	}
	return f.Scan, err
}
