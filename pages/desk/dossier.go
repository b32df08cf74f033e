package desk

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
	"github.com/guichet/guichet/uploads"
)

type dossierPage struct {
	Dossier backoffice.Dossier
	// Department is the name of the dossier's department.
	Department string
	// Start is the action without a reason (taking up), Decisions those
	// that need one.
	Start     []backoffice.Action
	Decisions []backoffice.Action
	Notes     []backoffice.TrailEntry
	// Thread is the conversation with the applicant, oldest first.
	Thread web.Thread
	// Mailing says an SMTP relay is configured.
	Mailing   bool
	Views     []backoffice.TrailEntry
	Mine      bool
	Following bool
	// Own says the agent filed the dossier, which they then cannot decide.
	Own bool
	// Names are the names of the agents the dossier mentions, by account.
	Names map[string]string
	// MayAsk says the agent may ask the applicant for a correction, of
	// one of Fields.
	MayAsk bool
	Fields []schemas.Field
	// Chosen and Reason are what was posted, kept when it is refused;
	// Asked, the answers ticked for correction.
	Chosen  backoffice.Action
	Reason  string
	Note    string
	Message string
	Asked   []string
	Request string
	Errors  []string
	Notice  string
	// Files are the attachments, in order, with their scan results.
	Files []dossierFile
}

// dossierFile is an attachment as the dossier lists it.
type dossierFile struct {
	N      int
	Name   string
	Type   string
	Size   locale.Text
	SHA256 string
	// Scan is ClamAV's result; "" for a file of before the scans.
	Scan uploads.Scan
}

// dossier shows a dossier to an agent of its department, and records the view.
func (d *Pages) dossier(w http.ResponseWriter, r *http.Request) {
	d.renderDossier(w, r, http.StatusOK, dossierPage{Notice: notice(r)})
}

func (d *Pages) renderDossier(w http.ResponseWriter, r *http.Request, status int, page dossierPage) {
	p := principal(r)
	dossier, err := d.Dossiers.Open(r.Context(), p, r.PathValue("reference"))
	if d.failed(w, r, err, nil) {
		return
	}
	page.Dossier = dossier
	page.Files = d.files(r.Context(), dossier.Record.Attachments)
	page.Department = dossier.Record.Department
	if dep, err := d.Departments.Get(r.Context(), dossier.Record.Department); err == nil {
		page.Department = dep.Name
	}
	for _, a := range backoffice.Possible(p, dossier) {
		if a.NeedsReason() {
			page.Decisions = append(page.Decisions, a)
		} else {
			page.Start = append(page.Start, a)
		}
	}
	for _, e := range dossier.Trail {
		switch e.Kind {
		case backoffice.Noted:
			page.Notes = append(page.Notes, e)
		case backoffice.Viewed:
			page.Views = append(page.Views, e)
		}
	}
	page.Fields, page.MayAsk = dossier.Form.Fields(), backoffice.MayAskCorrection(p, dossier)
	if page.Thread, err = d.thread(r.Context(), dossier, lang(r)); d.failed(w, r, err, nil) {
		return
	}
	page.Mailing = d.Conversations.Mailing()
	page.Names = d.names(r, dossier, page)
	for i, m := range page.Thread.Messages {
		page.Thread.Messages[i].Author = page.Names[m.By]
	}
	page.Mine = dossier.Record.Assignee == p.AccountID
	page.Own = dossier.Record.AccountID == p.AccountID
	page.Following = slices.Contains(dossier.Record.Followers, p.AccountID)
	title := dossier.Record.Reference + " — " + dossier.Form.Title
	if len(page.Errors) > 0 {
		title = web.Say(r, "Erreur : ", "Error: ") + title
	}
	d.templates.Render(w, r, status, "dossier.html", title, page)
}

// names looks up the names of the agents a dossier mentions; an account
// that no longer exists keeps its id.
func (d *Pages) names(r *http.Request, dossier backoffice.Dossier, page dossierPage) map[string]string {
	names := map[string]string{}
	ids := []string{dossier.Record.Assignee}
	for _, c := range dossier.Record.History {
		ids = append(ids, c.By)
	}
	for _, e := range dossier.Trail {
		ids = append(ids, e.By)
	}
	for _, m := range page.Thread.Messages {
		ids = append(ids, m.By)
	}
	for _, id := range ids {
		if _, known := names[id]; known || id == "" {
			continue
		}
		names[id] = id
		if a, err := d.Accounts.Get(r.Context(), id); err == nil {
			names[id] = a.Name
		}
	}
	return names
}

// back sends the agent to the dossier after a change, with a word of it.
func back(w http.ResponseWriter, r *http.Request, done string) {
	http.Redirect(w, r, "/dossiers/"+r.PathValue("reference")+"?done="+done, http.StatusSeeOther)
}

// refused shows the dossier again with why the change was refused and
// what was typed.
func (d *Pages) refused(w http.ResponseWriter, r *http.Request, page dossierPage) func(string) {
	return func(reason string) {
		page.Errors = []string{reason}
		d.renderDossier(w, r, http.StatusUnprocessableEntity, page)
	}
}

func (d *Pages) act(w http.ResponseWriter, r *http.Request) {
	action := backoffice.Action(r.PostFormValue("action"))
	reason := r.PostFormValue("reason")
	_, err := d.Dossiers.Act(r.Context(), principal(r), r.PathValue("reference"), action, reason)
	if !d.failed(w, r, err, d.refused(w, r, dossierPage{Chosen: action, Reason: reason})) {
		back(w, r, string(action))
	}
}

func (d *Pages) note(w http.ResponseWriter, r *http.Request) {
	text := r.PostFormValue("text")
	err := d.Dossiers.Note(r.Context(), principal(r), r.PathValue("reference"), text)
	if !d.failed(w, r, err, d.refused(w, r, dossierPage{Note: text})) {
		back(w, r, "noted")
	}
}

// thread reads a dossier's conversation, with what became of each email,
// and marks it read by the department.
func (d *Pages) thread(ctx context.Context, dossier backoffice.Dossier, lang locale.Lang) (web.Thread, error) {
	thread := web.Thread{Lang: lang, Reference: dossier.Record.Reference}
	messages, err := d.Conversations.Thread(ctx, dossier.Record.Reference)
	if err != nil {
		return thread, err
	}
	fields := dossier.Form.Fields()
	thread.Messages = make([]web.ThreadMessage, len(messages))
	for i, m := range messages {
		delivery, err := d.Conversations.Delivery(ctx, m)
		if err != nil {
			return thread, err
		}
		thread.Messages[i] = web.ThreadMessage{Message: m, Delivery: delivery.Text(), Asked: web.Titles(fields, m.Asks)}
	}
	thread.MarkUnread(submit.FromApplicant, dossier.Record.Unread.Department)
	return thread, d.Conversations.Read(ctx, dossier.Record, submit.FromDepartment)
}

// message writes to the applicant, with the files posted.
func (d *Pages) message(w http.ResponseWriter, r *http.Request) {
	text := r.PostFormValue("text")
	files, err := web.ReceivePosted(r.Context(), d.Uploads, backoffice.MessageFiles, web.PostedFiles(r, "files"))
	if err == nil {
		err = d.Conversations.Write(r.Context(), principal(r), r.PathValue("reference"), text, files)
	}
	if !d.failed(w, r, err, d.refused(w, r, dossierPage{Message: text})) {
		back(w, r, "messaged")
	}
}

// askCorrection asks the applicant to correct the answers ticked.
func (d *Pages) askCorrection(w http.ResponseWriter, r *http.Request) {
	text, asked := r.PostFormValue("text"), r.PostForm["field"]
	err := d.Conversations.AskCorrection(r.Context(), principal(r), r.PathValue("reference"), text, asked)
	if !d.failed(w, r, err, d.refused(w, r, dossierPage{Request: text, Asked: asked})) {
		back(w, r, "asked")
	}
}

func (d *Pages) assign(w http.ResponseWriter, r *http.Request) {
	release := r.PostFormValue("release") == "1"
	err := d.Dossiers.Assign(r.Context(), principal(r), r.PathValue("reference"), release)
	if !d.failed(w, r, err, d.refused(w, r, dossierPage{})) {
		back(w, r, map[bool]string{false: "assigned", true: "released"}[release])
	}
}

func (d *Pages) follow(w http.ResponseWriter, r *http.Request) {
	stop := r.PostFormValue("stop") == "1"
	err := d.Dossiers.Follow(r.Context(), principal(r), r.PathValue("reference"), stop)
	if !d.failed(w, r, err, d.refused(w, r, dossierPage{})) {
		back(w, r, map[bool]string{false: "followed", true: "unfollowed"}[stop])
	}
}

// notice says what the change before a redirect did.
func notice(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case string(backoffice.TakeUp):
		return web.Say(r, "Le dossier est en instruction.", "The dossier is under review.")
	case string(backoffice.Accept), string(backoffice.Reject), string(backoffice.Close):
		return web.Say(r, "La décision est enregistrée.", "The decision is recorded.")
	case string(backoffice.Reopen):
		return web.Say(r, "Le dossier est rouvert.", "The dossier is reopened.")
	case "noted":
		return web.Say(r, "La note est ajoutée.", "The note is added.")
	case "messaged":
		return web.Say(r, "Le message est sur la page du dossier du demandeur.", "The message is on the applicant's page of the request.")
	case "asked":
		return web.Say(r, "Le dossier est à compléter : le demandeur voit ce qui est à corriger sur la page de son dossier.",
			"The dossier is to complete: the applicant sees what to correct on the page of the request.")
	case "assigned":
		return web.Say(r, "Vous êtes en charge du dossier.", "You are in charge of the dossier.")
	case "released":
		return web.Say(r, "Le dossier est libéré.", "The dossier is released.")
	case "followed":
		return web.Say(r, "Vous suivez le dossier.", "You follow the dossier.")
	case "unfollowed":
		return web.Say(r, "Vous ne suivez plus le dossier.", "You no longer follow the dossier.")
	}
	return ""
}

// files lists attachments with their scan results: an agent is warned of
// a file not yet scanned before opening it.
func (d *Pages) files(ctx context.Context, attachments []submit.Attachment) []dossierFile {
	files := make([]dossierFile, len(attachments))
	for i, a := range attachments {
		files[i] = dossierFile{N: i, Name: a.Name, Type: schemas.TypeName(a.Type), Size: schemas.SizeText(a.Size), SHA256: a.SHA256}
		if id, uploaded := bus.UploadID(a.Object); uploaded && d.Uploads != nil {
			if f, err := d.Uploads.Get(ctx, id); err == nil {
				files[i].Scan = f.Scan
			} else if !errors.Is(err, uploads.ErrNotFound) {
				files[i].Scan = uploads.Unscanned // unknown: warned as such
			}
		}
	}
	return files
}
