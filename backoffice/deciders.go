package backoffice

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
)

// Deciders are who may decide an approval's current step. The requester is
// never one of them, whatever their role, department or delegation.
type Deciders struct {
	// Accounts may decide by name: the requester's manager, the delegate
	// of an absent one, or managers further up.
	Accounts []string
	// Department is the department whose agents decide the step.
	Department string
	// ToAdmins says the step went to the admins, as no one else may decide it.
	ToAdmins bool
	// Escalation says why the step went past who would normally decide
	// it; empty when it did not.
	Escalation locale.Text
	requester  string
	waiting    bool
}

// Allow reports whether p may decide the step: never the requester, and
// otherwise an admin, an account named, or an agent of the department.
func (d Deciders) Allow(p identity.Principal) bool {
	switch {
	case !d.waiting, p.Anonymous(), p.AccountID == d.requester:
		return false
	case p.IsAdmin():
		return true
	}
	return slices.Contains(d.Accounts, p.AccountID) || (d.Department != "" && p.ServesDepartment(d.Department))
}

// maxLevels bounds the climb up the chain of managers, which a loop of
// managers would make endless.
const maxLevels = 10

// directory reads the accounts that deciders need, the whole list at most
// once, for a page of approvals.
type directory struct {
	accounts *identity.Accounts
	all      []identity.Account
	listed   bool
}

func (d *directory) get(ctx context.Context, id string) (identity.Account, error) {
	return d.accounts.Get(ctx, id)
}

// list returns every account, read on first use.
func (d *directory) list(ctx context.Context) ([]identity.Account, error) {
	if !d.listed {
		all, err := d.accounts.List(ctx)
		if err != nil {
			return nil, err
		}
		d.all, d.listed = all, true
	}
	return d.all, nil
}

// deciders finds who may decide an approval's current step:
//   - a department's step: its active agents, the requester left out;
//   - a manager's step: the requester's manager, and while the manager is
//     absent their delegate; when the manager is absent with no delegate
//     but the requester, or inactive, the step goes up to the manager's
//     own manager, and so on;
//   - when no one is left, the admins.
//
// Admins may always decide, the requester never.
func (w *Workflows) deciders(ctx context.Context, a Approval, dir *directory) (Deciders, error) {
	d := Deciders{requester: a.Requester}
	step := a.Step()
	if step < 0 {
		return d, nil
	}
	d.waiting = true
	form, err := w.forms.Version(ctx, a.Form, a.Version)
	if err != nil {
		return d, err
	}
	if department, ok := form.Workflow.Steps[step].ApproverDepartment(); ok {
		all, err := dir.list(ctx)
		if err != nil {
			return d, err
		}
		if slices.ContainsFunc(all, func(x identity.Account) bool {
			return x.Active && x.ID != a.Requester && x.Role != identity.RoleAdmin && slices.Contains(x.Departments, department)
		}) {
			d.Department = department
			return d, nil
		}
		d.ToAdmins = true
		d.Escalation = locale.Text{
			FR: "Étape confiée aux administrateurs : le service « " + department + " » n'a pas d'autre agent que le demandeur pour la valider.",
			EN: "Step given to the admins: the department “" + department + "” has no agent but the requester to approve it.",
		}
		return d, nil
	}
	requester, err := dir.get(ctx, a.Requester)
	if err != nil && !errors.Is(err, identity.ErrNotFound) {
		return d, err
	}
	next := requester.Manager
	if next == "" {
		d.ToAdmins = true
		d.Escalation = locale.Text{
			FR: "Étape confiée aux administrateurs : le demandeur n'a pas de responsable désigné.",
			EN: "Step given to the admins: the requester has no manager.",
		}
		return d, nil
	}
	var passed []string
	for level := 0; next != "" && level < maxLevels; level++ {
		manager, err := dir.get(ctx, next)
		if errors.Is(err, identity.ErrNotFound) {
			break
		}
		if err != nil {
			return d, err
		}
		if manager.ID != a.Requester && manager.Active {
			d.Accounts = append(d.Accounts, manager.ID)
			if !manager.Absent {
				d.Escalation = wentUp(passed, manager.Name)
				return d, nil
			}
			if manager.Delegate != "" && manager.Delegate != a.Requester {
				if delegate, err := dir.get(ctx, manager.Delegate); err == nil && delegate.Active {
					d.Accounts = append(d.Accounts, delegate.ID)
					d.Escalation = wentUp(passed, manager.Name)
					return d, nil
				}
			}
		}
		passed = append(passed, manager.Name+" ("+manager.ID+")")
		next = manager.Manager
	}
	d.ToAdmins = true
	names := strings.Join(passed, ", ")
	d.Escalation = locale.Text{
		FR: "Étape confiée aux administrateurs : aucun responsable n'est disponible pour la valider, hors le demandeur (" + names + ").",
		EN: "Step given to the admins: no manager but the requester is available to approve it (" + names + ").",
	}
	return d, nil
}

// wentUp says that a step went past the managers passed to reach the one
// who decides it; nothing when none was passed.
func wentUp(passed []string, to string) locale.Text {
	if len(passed) == 0 {
		return locale.Text{}
	}
	names := strings.Join(passed, ", ")
	return locale.Text{
		FR: "Étape transmise au niveau supérieur, à " + to + " : " + names + " est absent ou indisponible, " +
			"sans autre suppléant que le demandeur.",
		EN: "Step sent up a level, to " + to + ": " + names + " is absent or unavailable, with no delegate but the requester.",
	}
}

// MayDecide reports whether p may decide the current step of an approval
// (see Deciders).
func (w *Workflows) MayDecide(ctx context.Context, p identity.Principal, a Approval) (bool, error) {
	d, err := w.deciders(ctx, a, &directory{accounts: w.accounts})
	return err == nil && d.Allow(p), err
}

// Escalations says, for each approval of a list whose current step went
// past who would normally decide it, why, by reference.
func (w *Workflows) Escalations(ctx context.Context, approvals []Approval) (map[string]locale.Text, error) {
	dir := &directory{accounts: w.accounts}
	out := map[string]locale.Text{}
	for _, a := range approvals {
		d, err := w.deciders(ctx, a, dir)
		if err != nil {
			return out, err
		}
		if d.Escalation != (locale.Text{}) {
			out[a.Reference] = d.Escalation
		}
	}
	return out, nil
}
