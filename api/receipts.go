package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/receipts"
)

// receiptsHandler publishes the keys that sign receipts, and checks
// receipts for anyone.
type receiptsHandler struct {
	receipts *receipts.Store
}

func (h *receiptsHandler) register(api huma.API) {
	tags := []string{"Receipts"}
	huma.Register(api, operation(identity.Anyone, huma.Operation{
		OperationID: "list-receipt-keys", Method: http.MethodGet, Path: "/api/receipts/keys",
		Summary: "Clés publiques qui signent les récépissés", Tags: tags,
		Description: "Chaque clé Ed25519 qui a signé des récépissés, avec sa période de service : une clé remplacée reste, pour vérifier les " +
			"récépissés qu'elle a signés.",
	}), h.keys)
	huma.Register(api, operation(identity.Anyone, huma.Operation{
		OperationID: "verify-receipt", Method: http.MethodPost, Path: "/api/receipts/verify",
		Summary: "Vérifier un récépissé", Tags: tags,
		Description: "Dit si le récépissé est authentique et intact : signé par une clé de l'organisation, en service à sa date, et non " +
			"modifié depuis. " +
			"Avec les données déposées, dit aussi si elles correspondent à son empreinte ; avec le récapitulatif PDF, s'il est celui que " +
			"l'administration a enregistré. Ne montre que ce que le récépissé contient.",
		MaxBodyBytes: MaxSubmissionBytes,
	}), h.verify)
}

type receiptKeysOutput struct {
	Body struct {
		Keys []receipts.PublicKey `json:"keys"`
	}
}

func (h *receiptsHandler) keys(ctx context.Context, _ *struct{}) (*receiptKeysOutput, error) {
	ring, err := h.receipts.Keyring(ctx)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &receiptKeysOutput{}
	out.Body.Keys = ring.Sorted()
	return out, nil
}

type verifyInput struct {
	Body struct {
		Receipt string          `json:"receipt" maxLength:"16384" doc:"Le récépissé encodé, tel que dans le lien du code QR (paramètre r)"`
		Data    json.RawMessage `json:"data,omitempty" doc:"Les réponses déposées, pour les comparer à l'empreinte du récépissé"`
		PDF     []byte          `json:"pdf,omitempty" doc:"Le récapitulatif PDF, en base64, pour le comparer à celui que l'administration a enregistré : le texte d'un PDF n'est pas signé, et un faux peut porter un vrai récépissé"`
	}
}

// VerifyBody is the answer to a receipt's check.
type VerifyBody struct {
	// Verdict is authentic, altered, unknown_key, outside_validity,
	// malformed, or reference when a dossier's reference was given.
	Verdict   string            `json:"verdict" enum:"authentic,altered,unknown_key,outside_validity,malformed,reference"`
	Authentic bool              `json:"authentic"`
	Message   string            `json:"message"`
	Receipt   *receipts.Receipt `json:"receipt,omitempty"`
	// DataMatches says, when data was given, whether it is what was
	// received.
	DataMatches *bool  `json:"dataMatches,omitempty"`
	DataMessage string `json:"dataMessage,omitempty"`
	// RecordMatches says, when a PDF was given, whether it is the record
	// the administration stored, byte for byte.
	RecordMatches *bool  `json:"recordMatches,omitempty"`
	RecordMessage string `json:"recordMessage,omitempty"`
}

type verifyOutput struct {
	Body VerifyBody
}

func (h *receiptsHandler) verify(ctx context.Context, in *verifyInput) (*verifyOutput, error) {
	lang := requestOf(ctx).Lang
	ring, err := h.receipts.Keyring(ctx)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	r, verdict, err := receipts.Check(in.Body.Receipt, ring)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &verifyOutput{}
	out.Body.Verdict, out.Body.Authentic, out.Body.Message, out.Body.Receipt = verdict.Code, verdict.Authentic(), verdict.Message.In(lang), r
	if len(in.Body.Data) > 0 && r != nil {
		matches, message := receipts.DataVerdict(*r, in.Body.Data)
		out.Body.DataMatches, out.Body.DataMessage = &matches, message.In(lang)
	}
	if len(in.Body.PDF) > 0 && r != nil && verdict.Authentic() {
		check, err := h.receipts.CompareRecord(ctx, *r, in.Body.PDF)
		if err != nil {
			return nil, toProblem(ctx, err)
		}
		matches, message := receipts.RecordVerdict(check)
		out.Body.RecordMatches, out.Body.RecordMessage = &matches, message.In(lang)
	}
	return out, nil
}

type receiptOutput struct {
	Body struct {
		Receipt receipts.Receipt `json:"receipt"`
		// Encoded is the receipt as the QR code and the link carry it.
		Encoded    string `json:"encoded"`
		VerifyPath string `json:"verifyPath" doc:"Chemin de la page de vérification, avec le récépissé"`
	}
}

func (h *submissionsHandler) receipt(ctx context.Context, in *versionInput) (*receiptOutput, error) {
	rec, revision, err := h.revision(ctx, in)
	if err != nil {
		return nil, err
	}
	r, err := h.receipts.Get(ctx, rec.Reference, revision)
	if errors.Is(err, receipts.ErrNoReceipt) {
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "Le récépissé signé de ce dépôt n'est pas encore prêt : il l'est quelques instants après le dépôt.",
			EN: "This submission's signed receipt is not ready yet: it is a few moments after the submission.",
		})
	}
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &receiptOutput{}
	out.Body.Receipt = r
	if out.Body.Encoded, err = receipts.Encode(r); err != nil {
		return nil, toProblem(ctx, err)
	}
	out.Body.VerifyPath = receipts.VerifyPath(out.Body.Encoded)
	return out, nil
}
