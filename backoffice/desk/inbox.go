package desk

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/locale"
	"github.com/guichet/guichet/submit"
)

// dateLayout is the layout of an <input type="date">.
const dateLayout = "2006-01-02"

type departmentsPage struct {
	Departments []identity.Department
}

// inboxes shows the inbox of an agent of one department, and lets the
// others choose.
func (d *Desk) inboxes(w http.ResponseWriter, r *http.Request) {
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
		d.showInbox(w, r, mine[0])
		return
	}
	d.templates.Render(w, r, http.StatusOK, "departments.html", tr(r, "Boîtes de réception", "Inboxes"), departmentsPage{Departments: mine})
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
	Next string
}

type formOption struct{ ID, Title string }

// inbox shows the inbox of the department in the path, to its agents.
func (d *Desk) inbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !principal(r).ServesDepartment(id) {
		d.errors.Forbidden(w, r)
		return
	}
	dep, err := d.Departments.Get(ctx, id)
	if errors.Is(err, identity.ErrNotFound) {
		d.templates.Render(w, r, http.StatusNotFound, "notfound.html", tr(r, "Service introuvable", "Department not found"), nil)
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.showInbox(w, r, dep)
}

// showInbox lists a department's dossiers, newest first, filtered and searched.
func (d *Desk) showInbox(w http.ResponseWriter, r *http.Request, dep identity.Department) {
	ctx := r.Context()
	id := dep.ID
	q := r.URL.Query()
	page := inboxPage{Department: dep, Status: q.Get("status"), Form: q.Get("form"), From: q.Get("from"), To: q.Get("to"), Query: strings.TrimSpace(q.Get("q")), Statuses: submit.Statuses}
	filter := backoffice.Filter{Status: submit.Status(page.Status), Form: page.Form, Query: page.Query, Viewer: principal(r).AccountID}
	if from, err := time.ParseInLocation(dateLayout, page.From, locale.Paris); err == nil {
		filter.From = from
	}
	if to, err := time.ParseInLocation(dateLayout, page.To, locale.Paris); err == nil {
		filter.To = to.AddDate(0, 0, 1) // the whole last day
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
	drafts, err := d.Forms.Drafts(ctx)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	titles := map[string]string{}
	for _, f := range drafts {
		titles[f.ID] = f.Title
		page.Forms = append(page.Forms, formOption{ID: f.ID, Title: f.Title})
	}
	for _, item := range list.Items {
		row := inboxItem{Item: item, FormTitle: titles[item.Form], AssigneeName: item.Assignee}
		if a, err := d.Accounts.Get(ctx, item.Assignee); err == nil && item.Assignee != "" {
			row.AssigneeName = a.Name
		}
		page.Items = append(page.Items, row)
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
	d.templates.Render(w, r, http.StatusOK, "inbox.html", dep.Name, page)
}
