package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/webhooks"
)

// webhooksHandler serves the admins' registry of webhooks and their
// deliveries.
type webhooksHandler struct {
	webhooks *webhooks.Service
}

func (h *webhooksHandler) register(api huma.API) {
	tags := []string{"Webhooks"}
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "put-webhook", Method: http.MethodPut, Path: "/api/webhooks/{id}",
		Summary: "Déclarer ou modifier un webhook", Tags: tags,
		Description: "Chaque changement d'état d'un dépôt (ceux de statuses, tous sinon ; ceux d'un service si department est donné) est " +
			"envoyé en POST JSON, signé : " +
			"X-Guichet-Signature = sha256=HMAC-SHA256(secret, X-Guichet-Timestamp + \".\" + corps), en hexadécimal. " +
			"Un nouveau webhook sans secret en reçoit un, et rotateSecret en tire un nouveau : il n'est montré que dans cette réponse, jamais " +
			"ensuite. Une modification sans secret garde celui qui est enregistré. " +
			"Les redirections ne sont pas suivies : une réponse 3xx est un échec.",
	}), h.put)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "list-webhooks", Method: http.MethodGet, Path: "/api/webhooks",
		Summary: "Lister les webhooks", Tags: tags,
	}), h.list)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/api/webhooks/{id}/deliveries",
		Summary: "Envois d'un webhook, réussis et échoués", Tags: tags,
		Description: "Les plus récents d'abord, avec le nombre de tentatives et la dernière erreur. Un envoi échoue après plusieurs tentatives " +
			"espacées ; il peut alors être rejoué.",
	}), h.deliveries)
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "replay-webhook-delivery", Method: http.MethodPost, Path: "/api/webhooks/{id}/deliveries/{sequence}/replay",
		Summary: "Rejouer un envoi", Tags: tags,
	}), h.replay)
}

// WebhookBody describes a webhook; its secret appears only when it is saved.
type WebhookBody struct {
	ID         string          `json:"id" readOnly:"true"`
	URL        string          `json:"url" format:"uri" maxLength:"2000" example:"https://si.moselle.example/guichet"`
	Secret     string          `json:"secret,omitempty" maxLength:"200" doc:"Secret de signature : montré seulement quand il est généré, à la création ou par rotateSecret"`
	Statuses   []submit.Status `json:"statuses,omitempty" maxItems:"7" doc:"États annoncés ; tous s'il n'y en a pas"`
	Department string          `json:"department,omitempty" maxLength:"64" doc:"Seulement les dépôts de ce service"`
	Active     bool            `json:"active"`
}

type putWebhookInput struct {
	ID   string `path:"id" pattern:"^[a-z0-9]+(-[a-z0-9]+)*$" maxLength:"64"`
	Body struct {
		URL          string          `json:"url" format:"uri" maxLength:"2000"`
		Secret       string          `json:"secret,omitempty" maxLength:"200"`
		RotateSecret bool            `json:"rotateSecret,omitempty" doc:"Remplacer le secret par un nouveau, montré dans la réponse"`
		Statuses     []submit.Status `json:"statuses,omitempty" maxItems:"7"`
		Department   string          `json:"department,omitempty" maxLength:"64"`
		Active       bool            `json:"active"`
	}
}

type webhookOutput struct{ Body WebhookBody }

func (h *webhooksHandler) put(ctx context.Context, in *putWebhookInput) (*webhookOutput, error) {
	b := in.Body
	w, err := h.webhooks.Put(ctx, webhooks.Webhook{
		ID:           in.ID,
		URL:          b.URL,
		Secret:       b.Secret,
		RotateSecret: b.RotateSecret,
		Statuses:     b.Statuses,
		Department:   b.Department,
		Active:       b.Active,
	})
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &webhookOutput{Body: webhookBody(w)}, nil
}

type webhooksOutput struct {
	Body struct {
		Items []WebhookBody `json:"items"`
	}
}

func (h *webhooksHandler) list(ctx context.Context, _ *struct{}) (*webhooksOutput, error) {
	all, err := h.webhooks.List(ctx)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &webhooksOutput{}
	out.Body.Items = []WebhookBody{}
	for _, w := range all {
		w.Secret = "" // shown once, when generated
		out.Body.Items = append(out.Body.Items, webhookBody(w))
	}
	return out, nil
}

type webhookIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

type deliveriesOutput struct {
	Body struct {
		Items []webhooks.Delivery `json:"items"`
	}
}

func (h *webhooksHandler) deliveries(ctx context.Context, in *webhookIDInput) (*deliveriesOutput, error) {
	if _, err := h.webhooks.Get(ctx, in.ID); err != nil {
		return nil, toProblem(ctx, err)
	}
	list, err := h.webhooks.Deliveries(ctx, in.ID)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &deliveriesOutput{}
	out.Body.Items = append([]webhooks.Delivery{}, list...)
	return out, nil
}

type replayInput struct {
	ID       string `path:"id" maxLength:"64"`
	Sequence uint64 `path:"sequence" minimum:"1"`
}

type deliveryOutput struct{ Body webhooks.Delivery }

func (h *webhooksHandler) replay(ctx context.Context, in *replayInput) (*deliveryOutput, error) {
	d, err := h.webhooks.Replay(ctx, in.ID, in.Sequence)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	return &deliveryOutput{Body: d}, nil
}

func webhookBody(w webhooks.Webhook) WebhookBody {
	return WebhookBody{ID: w.ID, URL: w.URL, Secret: w.Secret, Statuses: w.Statuses, Department: w.Department, Active: w.Active}
}
