package desk

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/submit"
)

// actOnAll takes one action on the dossiers checked in the inbox, and
// shows the inbox again with what was done and what was refused.
func (d *Pages) actOnAll(w http.ResponseWriter, r *http.Request) {
	dep, ok := d.department(w, r)
	if !ok {
		return
	}
	batch := batchResult{Action: backoffice.Action(r.PostFormValue("action")), Reason: r.PostFormValue("reason")}
	refs := r.PostForm["ref"]
	if len(refs) == 0 {
		batch.Errors = []string{web.Say(r, "Cochez au moins un dossier.", "Tick at least one dossier.")}
		d.showInbox(w, r, http.StatusUnprocessableEntity, dep, batch)
		return
	}
	outcomes, err := d.Dossiers.ActOnAll(r.Context(), principal(r), refs, batch.Action, batch.Reason)
	if err != nil {
		batch.Errors = []string{web.Say(r, "Trop de dossiers cochés à la fois.", "Too many dossiers ticked at once.")}
		d.showInbox(w, r, http.StatusUnprocessableEntity, dep, batch)
		return
	}
	for _, o := range outcomes {
		if o.Err == nil {
			batch.Done = append(batch.Done, o.Reference)
			continue
		}
		reason, refused := refusalOf(r, o.Err)
		if !refused {
			d.fail(w, r, o.Err)
			return
		}
		batch.Refused = append(batch.Refused, o.Reference+" : "+reason)
	}
	status := http.StatusOK
	if len(batch.Done) == 0 {
		status = http.StatusUnprocessableEntity
	}
	d.showInbox(w, r, status, dep, batch)
}

// dateLayout is the layout of an <input type="date">.
const dateLayout = "2006-01-02"

type departmentsPage struct {
	Departments []identity.Department
}

// inboxes shows the inbox of an agent of one department, and lets the
// others choose.
func (d *Pages) inboxes(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	all, err := d.Departments.List(r.Context())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	var mine []identity.Department
	for _, dep := range all {
		if p.ServesDepartment(dep.ID) {
			mine = append(mine, dep)
		}
	}
	if len(mine) == 1 {
		d.showInbox(w, r, http.StatusOK, mine[0], batchResult{})
		return
	}
	d.templates.Render(
		w,
		r,
		http.StatusOK,
		"departments.html",
		web.Say(r, "Boîtes de réception", "Inboxes"),
		departmentsPage{Departments: mine},
	)
}

// inboxItem is an inbox entry with its form's title and its assignee's name.
type inboxItem struct {
	backoffice.Item
	FormTitle, AssigneeName string
}

type inboxPage struct {
	Department identity.Department
	Items      []inboxItem
	// The filter as the inputs hold it.
	Status, Form, From, To, Query string
	Statuses                      []submit.Status
	Forms                         []formOption
	Filtered                      bool
	// Next is the address of the following page, if any.
	Next    string
	Actions []backoffice.Action
	// Export is the address of the export of the chosen form and period,
	// to which the page adds the format.
	Export string
	Batch  batchResult
}

// batchResult is what a batch action did, for the inbox to say.
type batchResult struct {
	Action  backoffice.Action
	Reason  string
	Done    []string
	Refused []string
	Errors  []string
}

type formOption struct{ ID, Title string }

// inbox shows the inbox of the department in the path, to its agents.
func (d *Pages) inbox(w http.ResponseWriter, r *http.Request) {
	if dep, ok := d.department(w, r); ok {
		d.showInbox(w, r, http.StatusOK, dep, batchResult{})
	}
}

// department loads the department of the path for one of its agents, or
// answers 403 or 404.
func (d *Pages) department(w http.ResponseWriter, r *http.Request) (identity.Department, bool) {
	id := r.PathValue("id")
	if !principal(r).ServesDepartment(id) {
		d.errors.Forbidden(w, r)
		return identity.Department{}, false
	}
	dep, err := d.Departments.Get(r.Context(), id)
	if errors.Is(err, identity.ErrNotFound) {
		d.templates.Render(w, r, http.StatusNotFound, "notfound.html", web.Say(r, "Service introuvable", "Department not found"), nil)
		return dep, false
	}
	if err != nil {
		d.fail(w, r, err)
		return dep, false
	}
	return dep, true
}

// showInbox lists a department's dossiers, newest first, filtered and
// searched, with the result of a batch action if there was one.
func (d *Pages) showInbox(w http.ResponseWriter, r *http.Request, status int, dep identity.Department, batch batchResult) {
	ctx := r.Context()
	id := dep.ID
	q := r.URL.Query()
	page := inboxPage{
		Department: dep,
		Status:     q.Get("status"),
		Form:       q.Get("form"),
		From:       q.Get("from"),
		To:         q.Get("to"),
		Query:      strings.TrimSpace(q.Get("q")),
		Statuses:   submit.Statuses,
		Actions:    backoffice.Allowed(principal(r)),
		Batch:      batch,
	}
	filter := backoffice.Filter{Status: submit.Status(page.Status), Form: page.Form, Query: page.Query, Viewer: principal(r).AccountID}
	if from, err := time.ParseInLocation(dateLayout, page.From, locale.Paris); err == nil {
		filter.From = from
	}
	if to, err := time.ParseInLocation(dateLayout, page.To, locale.Paris); err == nil {
		filter.To = to.AddDate(0, 0, 1) // the whole last day
	}
	if page.Form != "" {
		export := url.Values{}
		if !filter.From.IsZero() {
			export.Set("from", filter.From.Format(time.RFC3339))
		}
		if !filter.To.IsZero() {
			export.Set("to", filter.To.Format(time.RFC3339))
		}
		page.Export = "/api/forms/" + url.PathEscape(page.Form) + "/submissions/export?" + export.Encode()
	}
	page.Filtered = filter.Status != "" || filter.Form != "" || !filter.From.IsZero() || !filter.To.IsZero() || filter.Query != ""
	list, err := d.Inboxes.List(ctx, id, filter, q.Get("cursor"), backoffice.DefaultPageSize)
	if errors.Is(err, backoffice.ErrBadCursor) {
		list, err = d.Inboxes.List(ctx, id, filter, "", backoffice.DefaultPageSize)
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	titles, options, err := d.formTitles(ctx, id)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	page.Forms = options
	names := map[string]string{} // an assignee is read once a page
	for _, item := range list.Items {
		name, known := names[item.Assignee]
		if !known {
			name = item.Assignee
			if a, err := d.Accounts.Get(ctx, item.Assignee); err == nil && item.Assignee != "" {
				name = a.Name
			}
			names[item.Assignee] = name
		}
		page.Items = append(page.Items, inboxItem{Item: item, FormTitle: titles[item.Form], AssigneeName: name})
	}
	if list.Next != "" {
		next := url.Values{}
		for key, values := range q {
			if key != "cursor" {
				next[key] = values
			}
		}
		next.Set("cursor", list.Next)
		page.Next = "/inbox/" + id + "?" + next.Encode()
	}
	d.templates.Render(w, r, status, "inbox.html", dep.Name, page)
}
