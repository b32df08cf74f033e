package operations

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/webhooks"
)

// webhookData is what the webhooks' pages show: the list, or one webhook
// with its form and deliveries.
type webhookData struct {
	Webhooks    []webhooks.Webhook
	New         bool
	Webhook     webhooks.Webhook
	Deliveries  []webhooks.Delivery
	Statuses    []submit.Status
	Departments []identity.Department
	// Secret is the signing secret, shown once: when it was generated.
	Secret string
	Notice string
	Errors []string
}

// Hears reports whether the webhook form ticks status.
func (d webhookData) Hears(status submit.Status) bool {
	return slices.Contains(d.Webhook.Statuses, status)
}

func (p *Pages) webhookList(w http.ResponseWriter, r *http.Request) {
	all, err := p.Webhooks.List(r.Context())
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	p.templates.Render(w, r, http.StatusOK, "webhooks.html", "Webhooks", webhookData{Webhooks: all})
}

func (p *Pages) newWebhook(w http.ResponseWriter, r *http.Request) {
	p.renderWebhook(w, r, http.StatusOK, webhookData{New: true, Webhook: webhooks.Webhook{Active: true}})
}

func (p *Pages) webhook(w http.ResponseWriter, r *http.Request) {
	hook, err := p.Webhooks.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, webhooks.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	data := webhookData{Webhook: hook}
	switch r.URL.Query().Get("done") {
	case "saved":
		data.Notice = web.Say(r, "Le webhook est enregistré.", "The webhook is saved.")
	case "replayed":
		data.Notice = web.Say(r, "L'envoi a été rejoué : son résultat est dans la liste.",
			"The delivery was replayed: its result is in the list.")
	}
	p.renderWebhook(w, r, http.StatusOK, data)
}

func (p *Pages) renderWebhook(w http.ResponseWriter, r *http.Request, status int, data webhookData) {
	ctx := r.Context()
	data.Webhook.Secret = "" // shown once, as data.Secret
	data.Statuses = submit.Statuses
	departments, err := p.Departments.List(ctx)
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	data.Departments = departments
	if !data.New {
		if data.Deliveries, err = p.Webhooks.Deliveries(ctx, data.Webhook.ID); err != nil {
			web.Fail(w, r, p.Log, err)
			return
		}
	}
	title := web.Say(r, "Nouveau webhook", "New webhook")
	if !data.New {
		title = "Webhook " + data.Webhook.ID
	}
	p.templates.Render(w, r, status, "webhook.html", title, data)
}

// saveWebhook registers a webhook (POST /admin/webhooks) or changes one.
// A secret it generates is shown on the page that answers, and never again.
func (p *Pages) saveWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	isNew := id == ""
	if isNew {
		id = strings.TrimSpace(strings.ToLower(r.PostFormValue("id")))
	}
	hook := webhooks.Webhook{
		ID:           id,
		URL:          strings.TrimSpace(r.PostFormValue("url")),
		Department:   r.PostFormValue("department"),
		Active:       r.PostFormValue("active") == "on",
		RotateSecret: r.PostFormValue("rotate") == "on",
	}
	for _, s := range r.PostForm["statuses"] {
		if slices.Contains(submit.Statuses, submit.Status(s)) {
			hook.Statuses = append(hook.Statuses, submit.Status(s))
		}
	}
	if isNew {
		if _, err := p.Webhooks.Get(r.Context(), id); err == nil {
			p.renderWebhook(w, r, http.StatusUnprocessableEntity, webhookData{New: true, Webhook: hook,
				Errors: []string{web.Say(r, "Un webhook porte déjà cet identifiant.", "A webhook already has this id.")}})
			return
		}
	}
	saved, err := p.Webhooks.Put(r.Context(), hook)
	if refusal, ok := webhooks.Refusal(err); ok {
		p.renderWebhook(w, r, http.StatusUnprocessableEntity, webhookData{New: isNew, Webhook: hook, Errors: []string{refusal.In(web.LangOf(r))}})
		return
	}
	if err != nil {
		web.Fail(w, r, p.Log, err)
		return
	}
	if saved.Secret == "" {
		http.Redirect(w, r, "/admin/webhooks/"+saved.ID+"?done=saved", http.StatusSeeOther)
		return
	}
	p.renderWebhook(w, r, http.StatusOK, webhookData{Webhook: saved, Secret: saved.Secret,
		Notice: web.Say(r, "Le webhook est enregistré.", "The webhook is saved.")})
}

func (p *Pages) replayDelivery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sequence, err := strconv.ParseUint(r.PathValue("sequence"), 10, 64)
	if err == nil {
		_, err = p.Webhooks.Replay(r.Context(), id, sequence)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/webhooks/"+id+"?done=replayed", http.StatusSeeOther)
	case errors.Is(err, webhooks.ErrNotFound), errors.Is(err, strconv.ErrSyntax), errors.Is(err, strconv.ErrRange):
		http.NotFound(w, r)
	default:
		web.Fail(w, r, p.Log, err)
	}
}
