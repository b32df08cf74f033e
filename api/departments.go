package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/submit"
)

type departmentsHandler struct {
	departments *identity.Departments
	inboxes     *backoffice.Inboxes
}

func (h *departmentsHandler) register(api huma.API) {
	huma.Register(api, operation(identity.AdminOnly, huma.Operation{
		OperationID: "put-department", Method: http.MethodPut, Path: "/api/departments/{id}",
		Summary: "Créer ou modifier un service", Tags: []string{"Departments"},
	}), h.put)
	huma.Register(api, operation(identity.AnyAgent, huma.Operation{
		OperationID: "list-departments", Method: http.MethodGet, Path: "/api/departments",
		Summary: "Lister les services", Tags: []string{"Departments"},
	}), h.list)
	huma.Register(api, operation(identity.DepartmentAgent, huma.Operation{
		OperationID: "department-inbox", Method: http.MethodGet, Path: "/api/departments/{id}/submissions",
		Summary: "Boîte de réception d'un service", Tags: []string{"Departments"},
		Description: "Les dépôts orientés vers ce service, du plus récent au plus ancien. Le service est celui du chemin.",
	}), h.inbox)
}

// DepartmentBody describes a department.
type DepartmentBody struct {
	ID      string `json:"id" readOnly:"true" example:"solidarites" doc:"Identifiant du service"`
	Name    string `json:"name" minLength:"1" maxLength:"200" example:"Direction de la Solidarité" doc:"Nom du service"`
	Email   string `json:"email,omitempty" format:"email" maxLength:"254" example:"solidarites@moselle.fr" doc:"Adresse de contact du service"`
	Address string `json:"address,omitempty" maxLength:"500" example:"1 rue du Pont Moreau\n57000 Metz" doc:"Adresse postale du service, une ligne par ligne de l'adresse, pour ses lettres"`
}

type putDepartmentInput struct {
	ID   string `path:"id" pattern:"^[a-z0-9]+(-[a-z0-9]+)*$" maxLength:"64" example:"solidarites"`
	Body struct {
		Name    string `json:"name" minLength:"1" maxLength:"200" example:"Direction de la Solidarité" doc:"Nom du service"`
		Email   string `json:"email,omitempty" format:"email" maxLength:"254" example:"solidarites@moselle.fr" doc:"Adresse de contact du service"`
		Address string `json:"address,omitempty" maxLength:"500" example:"1 rue du Pont Moreau\n57000 Metz" doc:"Adresse postale du service, une ligne par ligne de l'adresse, pour ses lettres"`
	}
}

type departmentOutput struct{ Body DepartmentBody }

func (h *departmentsHandler) put(ctx context.Context, in *putDepartmentInput) (*departmentOutput, error) {
	d := identity.Department{ID: in.ID, Name: in.Body.Name, Email: in.Body.Email, Address: in.Body.Address}
	if err := h.departments.Put(ctx, d); err != nil {
		return nil, toProblem(ctx, err)
	}
	return &departmentOutput{Body: DepartmentBody(d)}, nil
}

type listDepartmentsOutput struct {
	Body struct {
		Items []DepartmentBody `json:"items"`
	}
}

func (h *departmentsHandler) list(ctx context.Context, _ *struct{}) (*listDepartmentsOutput, error) {
	all, err := h.departments.List(ctx)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &listDepartmentsOutput{}
	out.Body.Items = make([]DepartmentBody, len(all))
	for i, d := range all {
		out.Body.Items[i] = DepartmentBody(d)
	}
	return out, nil
}

type inboxInput struct {
	ID     string    `path:"id" maxLength:"64"`
	Cursor string    `query:"cursor" maxLength:"512" doc:"Curseur de la page suivante, tel que rendu dans next"`
	Limit  int       `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Nombre d'éléments par page"`
	Status string    `query:"status" enum:"received,documented,routed,in_review,to_complete,accepted,rejected,closed," doc:"Seulement les dépôts dans cet état"`
	Form   string    `query:"form" maxLength:"64" doc:"Seulement les dépôts de ce formulaire"`
	From   time.Time `query:"from" doc:"Déposés à partir de cet instant (RFC 3339)"`
	To     time.Time `query:"to" doc:"Déposés avant cet instant (RFC 3339)"`
	Q      string    `query:"q" maxLength:"200" doc:"Une référence, ou des mots que les réponses contiennent"`
}

// InboxItem is one submission in a department's inbox.
type InboxItem struct {
	Reference   string    `json:"reference" example:"2026-0001-F2N0"`
	Form        string    `json:"form" example:"aide-transport-scolaire"`
	FormVersion int       `json:"formVersion" example:"1"`
	Status      string    `json:"status" example:"routed"`
	SubmittedAt time.Time `json:"submittedAt"`
	Assignee    string    `json:"assignee,omitempty" doc:"Agent en charge du dossier"`
	Unread      bool      `json:"unread" doc:"Le dossier n'a jamais été ouvert par l'appelant"`
}

type inboxOutput struct {
	Body struct {
		Items []InboxItem `json:"items"`
		Next  string      `json:"next,omitempty" doc:"Curseur de la page suivante, absent sur la dernière page"`
	}
}

func (h *departmentsHandler) inbox(ctx context.Context, in *inboxInput) (*inboxOutput, error) {
	if _, err := h.departments.Get(ctx, in.ID); err != nil {
		return nil, toProblem(ctx, err)
	}
	filter := backoffice.Filter{
		Status: submit.Status(in.Status),
		Form:   in.Form,
		From:   in.From,
		To:     in.To,
		Query:  in.Q,
		Viewer: requestOf(ctx).Principal.AccountID,
	}
	page, err := h.inboxes.List(ctx, in.ID, filter, in.Cursor, in.Limit)
	if err != nil {
		return nil, toProblem(ctx, err)
	}
	out := &inboxOutput{}
	out.Body.Items = make([]InboxItem, len(page.Items))
	for i, e := range page.Items {
		out.Body.Items[i] = InboxItem{
			Reference:   e.Reference,
			Form:        e.Form,
			FormVersion: e.FormVersion,
			Status:      string(e.Status),
			SubmittedAt: e.SubmittedAt,
			Assignee:    e.Assignee,
			Unread:      e.Unread,
		}
	}
	out.Body.Next = page.Next
	return out, nil
}
