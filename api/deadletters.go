package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/processors"
)

// deadLettersHandler shows admins the messages the processors gave up on,
// and replays them once the cause is fixed.
type deadLettersHandler struct {
	letters *processors.DeadLetters
}

func (h *deadLettersHandler) register(api huma.API) {
	tags := []string{"Operations"}
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "list-dead-letters", Method: http.MethodGet, Path: "/api/deadletters",
		Summary: "Messages abandonnés par les traitements", Tags: tags,
		Description: "Chaque message qu'un traitement a abandonné (trop d'échecs, ou une erreur définitive), avec le flux, la séquence, le " +
			"traitement, le nombre de tentatives et la raison. Le message lui-même reste dans son flux.",
	}), h.list)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "replay-dead-letter", Method: http.MethodPost, Path: "/api/deadletters/{sequence}/replay",
		Summary: "Rejouer un message abandonné", Tags: tags,
		Description: "Confie à nouveau le message à son traitement, une fois la cause corrigée ; s'il réussit, il quitte la liste. Les " +
			"traitements étant idempotents, rien n'est fait deux fois.",
		DefaultStatus: http.StatusNoContent,
	}), h.replay)
}

type deadLettersOutput struct {
	Body struct {
		Items []processors.DeadLetter `json:"items"`
	}
}

func (h *deadLettersHandler) list(ctx context.Context, _ *struct{}) (*deadLettersOutput, error) {
	list, err := h.letters.List(ctx)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &deadLettersOutput{}
	out.Body.Items = append([]processors.DeadLetter{}, list...)
	return out, nil
}

type deadLetterInput struct {
	Sequence uint64 `path:"sequence" minimum:"1"`
}

func (h *deadLettersHandler) replay(ctx context.Context, in *deadLetterInput) (*struct{}, error) {
	err := h.letters.Replay(ctx, in.Sequence)
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, processors.ErrUnknownDeadLetter):
		return nil, problem(requestOf(ctx).Lang, http.StatusNotFound, locale.Text{
			FR: "Aucun message abandonné à cette séquence.",
			EN: "No dead letter at this sequence.",
		})
	default:
		return nil, problem(requestOf(ctx).Lang, http.StatusConflict, locale.Text{
			FR: "Le traitement échoue encore : " + err.Error(),
			EN: "The processing still fails: " + err.Error(),
		})
	}
}
