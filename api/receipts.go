package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/locale"
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
		Description: "Chaque clé Ed25519 qui a signé des récépissés, avec sa période de service : une clé remplacée reste, pour vérifier les récépissés qu'elle a signés.",
	}), h.keys)
	huma.Register(api, operation(identity.Anyone, huma.Operation{
		OperationID: "verify-receipt", Method: http.MethodPost, Path: "/api/receipts/verify",
		Summary: "Vérifier un récépissé", Tags: tags,
		Description: "Dit si le récépissé est authentique et intact : signé par une clé de l'organisation, en service à sa date, et non modifié depuis. " +
			"Avec les données déposées, dit aussi si elles correspondent à son empreinte. Ne montre que ce que le récépissé contient.",
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
	}
}

// VerifyBody is the answer to a receipt's check.
type VerifyBody struct {
	// Verdict is authentic, altered, unknown_key, outside_validity or
	// malformed.
	Verdict   string            `json:"verdict" enum:"authentic,altered,unknown_key,outside_validity,malformed"`
	Authentic bool              `json:"authentic"`
	Message   string            `json:"message"`
	Receipt   *receipts.Receipt `json:"receipt,omitempty"`
	// DataMatches says, when data was given, whether it is what was
	// received.
	DataMatches *bool  `json:"dataMatches,omitempty"`
	DataMessage string `json:"dataMessage,omitempty"`
}

type verifyOutput struct {
	Body VerifyBody
}

// Verdicts of a receipt's check, with what they mean.
var verdicts = []struct {
	err     error
	verdict string
	text    locale.Text
}{
	{nil, "authentic", locale.Text{FR: "Ce récépissé est authentique et intact : l'administration l'a signé, et rien n'y a changé depuis.", EN: "This receipt is authentic and intact: the administration signed it, and nothing in it has changed since."}},
	{receipts.ErrBadSignature, "altered", locale.Text{FR: "Ce récépissé n'est pas authentique : sa signature ne correspond pas à son contenu. Il a été modifié, ou n'a pas été signé par l'administration.", EN: "This receipt is not authentic: its signature does not match its content. It was altered, or not signed by the administration."}},
	{receipts.ErrUnknownKey, "unknown_key", locale.Text{FR: "Ce récépissé n'est pas authentique : il est signé par une clé que l'administration n'a jamais utilisée.", EN: "This receipt is not authentic: it is signed with a key the administration never used."}},
	{receipts.ErrOutsideValidity, "outside_validity", locale.Text{FR: "Ce récépissé n'est pas authentique : la clé qui l'a signé n'était pas en service à la date qu'il indique.", EN: "This receipt is not authentic: the key that signed it was not in service on the date it gives."}},
	{receipts.ErrMalformed, "malformed", locale.Text{FR: "Ce texte n'est pas un récépissé : vérifiez qu'il a été copié en entier.", EN: "This text is not a receipt: check that it was copied whole."}},
}

func (h *receiptsHandler) verify(ctx context.Context, in *verifyInput) (*verifyOutput, error) {
	lang := requestOf(ctx).Lang
	out := &verifyOutput{}
	r, err := receipts.Decode(in.Body.Receipt)
	if err == nil {
		ring, kerr := h.receipts.Keyring(ctx)
		if kerr != nil {
			return nil, toProblem(ctx, kerr)
		}
		err = ring.Verify(r)
		out.Body.Receipt = &r
	}
	for _, v := range verdicts {
		if errors.Is(err, v.err) {
			out.Body.Verdict, out.Body.Message = v.verdict, v.text.In(lang)
			break
		}
	}
	if out.Body.Verdict == "" {
		return nil, toProblem(ctx, err)
	}
	out.Body.Authentic = err == nil
	if len(in.Body.Data) > 0 && out.Body.Receipt != nil {
		hash, err := receipts.DataHash(in.Body.Data)
		matches := err == nil && hash == r.DataSHA256
		out.Body.DataMatches = &matches
		out.Body.DataMessage = locale.Text{
			FR: "Ces données ne sont pas celles que le récépissé atteste : leur empreinte diffère.",
			EN: "This data is not what the receipt attests: its fingerprint differs.",
		}.In(lang)
		if matches {
			out.Body.DataMessage = locale.Text{
				FR: "Ces données sont exactement celles que le récépissé atteste.",
				EN: "This data is exactly what the receipt attests.",
			}.In(lang)
		}
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

// VerifyPath is the verification page's path for an encoded receipt.
func VerifyPath(encoded string) string { return "/verify?r=" + url.QueryEscape(encoded) }

func (h *submissionsHandler) receipt(ctx context.Context, in *submissionInput) (*receiptOutput, error) {
	rec, err := h.readable(ctx, in)
	if err != nil {
		return nil, err
	}
	r, err := h.receipts.Get(ctx, rec.Reference)
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
	out.Body.VerifyPath = VerifyPath(out.Body.Encoded)
	return out, nil
}
