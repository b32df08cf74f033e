package desk

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// approvalRow is an approval as the approvals page shows it.
type approvalRow struct {
	backoffice.Approval
	FormTitle string
	// StepTitle is the title of the step waiting, Titles those of every step.
	StepTitle string
	Titles    []string
	Requester string
	Answers   []schemas.Answer
	// Escalation says why the step waiting went up a level, if it did.
	Escalation string
}

type approvalsPage struct {
	ToDecide, Mine []approvalRow
	Names          map[string]string
	Errors         []string
	Notice         string
	// Reference and Comment are what was posted, kept when it is refused.
	Reference, Comment string
}

// approvals lists the requests waiting for the agent's decision, and the
// agent's own requests with where they stand.
func (d *Pages) approvals(w http.ResponseWriter, r *http.Request) {
	notice := ""
	switch r.URL.Query().Get("done") {
	case "decided":
		notice = web.Say(r, "Votre décision est enregistrée.", "Your decision is recorded.")
	case "resent":
		notice = web.Say(r, "Votre demande corrigée est renvoyée.", "Your corrected request is sent again.")
	}
	d.renderApprovals(w, r, http.StatusOK, approvalsPage{Notice: notice})
}

func (d *Pages) renderApprovals(w http.ResponseWriter, r *http.Request, status int, page approvalsPage) {
	ctx := r.Context()
	p := principal(r)
	toDecide, err := d.Workflows.ToDecide(ctx, p)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	mine, err := d.Workflows.Mine(ctx, p)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	escalations, err := d.Workflows.Escalations(ctx, append(slices.Clip(mine), toDecide...))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	page.Names = map[string]string{}
	row := func(a backoffice.Approval) approvalRow {
		row := approvalRow{
			Approval:   a,
			Titles:     d.Workflows.StepTitles(ctx, a),
			Requester:  a.Requester,
			Escalation: escalations[a.Reference].In(lang(r)),
		}
		if form, err := d.Forms.Version(ctx, a.Form, a.Version); err == nil {
			row.FormTitle, row.Answers = form.Title, form.Answers(a.Data)
		}
		if step := a.Step(); step >= 0 && step < len(row.Titles) {
			row.StepTitle = row.Titles[step]
		}
		for _, id := range append([]string{a.Requester}, historyBy(a)...) {
			if _, known := page.Names[id]; !known {
				page.Names[id] = id
				if account, err := d.Accounts.Get(ctx, id); err == nil {
					page.Names[id] = account.Name
				}
			}
		}
		return row
	}
	for _, a := range toDecide {
		// The answers shown to an approver are a view of personal data.
		if err := d.Trail.Append(ctx, backoffice.TrailEntry{
			Reference: a.Reference,
			Kind:      backoffice.Viewed,
			By:        p.AccountID,
			Detail:    "approval",
		}); err != nil {
			d.fail(w, r, err)
			return
		}
		page.ToDecide = append(page.ToDecide, row(a))
	}
	for _, a := range mine {
		page.Mine = append(page.Mine, row(a))
	}
	d.templates.Render(w, r, status, "approvals.html", web.Say(r, "Validations", "Approvals"), page)
}

func historyBy(a backoffice.Approval) []string {
	var out []string
	for _, e := range a.History {
		out = append(out, e.By)
	}
	return out
}

// decide records an approver's verdict on a step.
func (d *Pages) decide(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("reference")
	round, _ := strconv.Atoi(r.PostFormValue("round"))
	position, _ := strconv.Atoi(r.PostFormValue("position"))
	comment := r.PostFormValue("comment")
	err := d.Workflows.Decide(r.Context(), principal(r), ref, round, position, backoffice.Verdict(r.PostFormValue("verdict")), comment, nil)
	reason := ""
	switch {
	case err == nil:
		http.Redirect(w, r, "/approbations?done=decided", http.StatusSeeOther)
		return
	case errors.Is(err, backoffice.ErrNoWorkflow):
		d.templates.Render(w, r, http.StatusNotFound, "notfound.html", web.Say(r, "Demande introuvable", "Request not found"), nil)
		return
	case errors.Is(err, backoffice.ErrNotApprover):
		d.errors.Forbidden(w, r)
		return
	case errors.Is(err, backoffice.ErrStale):
		reason = web.Say(r, "La demande a avancé entre-temps : voici où elle en est.", "The request moved on meanwhile: here is where it stands.")
	case errors.Is(err, backoffice.ErrReasonRequired):
		reason = web.Say(r, "Pour refuser ou renvoyer une demande, écrivez un commentaire : le demandeur le lira.", "To reject or send back a "+
			"request, write a comment: the requester will read it.")
	default:
		var ok bool
		if reason, ok = refusalOf(r, err); !ok {
			d.fail(w, r, err)
			return
		}
	}
	d.renderApprovals(w, r, http.StatusUnprocessableEntity, approvalsPage{Errors: []string{reason}, Reference: ref, Comment: comment})
}
