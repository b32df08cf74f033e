package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/submit"
)

// Held is everything kept about one submission.
type Held struct {
	Reference   string          `json:"reference"`
	Form        string          `json:"form"`
	FormVersion int             `json:"formVersion"`
	SubmittedAt time.Time       `json:"submittedAt"`
	Data        json.RawMessage `json:"data"`
	// Corrections are the corrected versions of the answers, when the
	// submission was corrected, in order.
	Corrections []json.RawMessage `json:"corrections,omitempty"`
	// Record is the state: status, department, history with the
	// agents' decisions and reasons, attachments.
	Record json.RawMessage `json:"record,omitempty"`
	// Events are its events: status changes, messages to the submitter,
	// notes and the audit trail of who read it, approval decisions.
	Events []Event `json:"events"`
	// Documents are the names of its documents in the object store.
	Documents []string `json:"documents"`
	// Approval is the approval state of an internal request.
	Approval json.RawMessage `json:"approval,omitempty"`
}

// Event is one message of EVENTS.
type Event struct {
	Subject string          `json:"subject"`
	At      time.Time       `json:"at"`
	Data    json.RawMessage `json:"data"`
}

// HeldDraft is a saved draft that mentions the address.
type HeldDraft struct {
	Form      string          `json:"form"`
	Data      json.RawMessage `json:"data"`
	ExpiresAt time.Time       `json:"expiresAt"`
}

// Report is everything held about one email address.
type Report struct {
	Email       string      `json:"email"`
	Submissions []Held      `json:"submissions"`
	Drafts      []HeldDraft `json:"drafts"`
}

// Mentions tells whether the answers give the address anywhere, in any
// field and whatever its case.
func Mentions(data json.RawMessage, email string) bool {
	email = strings.TrimSpace(email)
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.EqualFold(strings.TrimSpace(v), email)
		case map[string]any:
			for _, child := range v {
				if walk(child) {
					return true
				}
			}
		case []any:
			for _, child := range v {
				if walk(child) {
					return true
				}
			}
		}
		return false
	}
	var v any
	return email != "" && json.Unmarshal(data, &v) == nil && walk(v)
}

// submissionsOf are the stored submissions one of whose versions gives
// email in its answers, each once, as its first version.
func (p *Privacy) submissionsOf(ctx context.Context, email string) ([]submit.Stored, error) {
	var found []submit.Stored
	versions := map[string][]submit.Stored{}
	mentioned := map[string]bool{}
	err := p.scan(ctx, bus.SubmissionSubjects, func(s submit.Stored) bool {
		versions[s.Reference] = append(versions[s.Reference], s)
		if Mentions(s.Data, email) && !mentioned[s.Reference] {
			mentioned[s.Reference] = true
			found = append(found, s)
		}
		return true
	})
	for i, s := range found {
		found[i] = versions[s.Reference][0] // in the stream's order: the first version
	}
	return found, err
}

// Access gathers everything held about an email address, for the right of
// access, and records in AUDIT that an admin did so.
func (p *Privacy) Access(ctx context.Context, email, by string) (Report, error) {
	report := Report{Email: email, Submissions: []Held{}, Drafts: []HeldDraft{}}
	found, err := p.submissionsOf(ctx, email)
	if err != nil {
		return report, err
	}
	for _, s := range found {
		held, err := p.held(ctx, s)
		if err != nil {
			return report, err
		}
		report.Submissions = append(report.Submissions, held)
	}
	err = p.eachDraft(ctx, func(_ string, draft submit.Draft) error {
		if Mentions(draft.Data, email) {
			report.Drafts = append(report.Drafts, HeldDraft{Form: draft.Form, Data: draft.Data, ExpiresAt: draft.ExpiresAt})
		}
		return nil
	})
	if err != nil {
		return report, err
	}
	return report, p.audit.Record(ctx, identity.AuditEvent{Kind: "privacy.access", By: by,
		Detail: fmt.Sprintf("droit d'accès : %d dépôt(s), %d brouillon(s) communiqués", len(report.Submissions), len(report.Drafts))})
}

func (p *Privacy) held(ctx context.Context, s submit.Stored) (Held, error) {
	h := Held{
		Reference:   s.Reference,
		Form:        s.Form,
		FormVersion: s.FormVersion,
		SubmittedAt: s.SubmittedAt,
		Data:        s.Data,
		Events:      []Event{},
		Documents:   []string{},
	}
	rec, err := p.record(ctx, s.Reference)
	if err != nil {
		return h, err
	}
	if rec.Reference != "" {
		if h.Record, err = json.Marshal(rec); err != nil {
			return h, err
		}
	}
	err = bus.Scan(ctx, p.events, bus.EventsOf(s.Reference), func(msg jetstream.Msg) {
		e := Event{Subject: msg.Subject(), Data: json.RawMessage(msg.Data())}
		if meta, err := msg.Metadata(); err == nil {
			e.At = meta.Timestamp.UTC()
		}
		h.Events = append(h.Events, e)
	})
	if err != nil {
		return h, err
	}
	for _, v := range rec.Versions[min(1, len(rec.Versions)):] {
		corrected, err := submit.Load(ctx, p.submissions, s.Reference, v.Sequence)
		if err != nil {
			return h, err
		}
		h.Corrections = append(h.Corrections, corrected.Data)
	}
	files, err := p.messageFiles(ctx, s.Reference)
	if err != nil {
		return h, err
	}
	for _, name := range append(documentNames(s, rec), files...) {
		if _, err := p.documents.GetInfo(ctx, name); err == nil {
			h.Documents = append(h.Documents, name)
		} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
			return h, err
		}
	}
	entry, err := p.workflows.Get(ctx, s.Reference)
	switch {
	case err == nil:
		h.Approval = entry.Value()
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return h, err
	}
	return h, nil
}

// EraseEmail erases every submission and draft whose answers give an
// email address, for the right of erasure. It returns the references of
// the submissions erased.
func (p *Privacy) EraseEmail(ctx context.Context, email string, e Erasure) ([]string, int, error) {
	found, err := p.submissionsOf(ctx, email)
	if err != nil {
		return nil, 0, err
	}
	refs := []string{}
	for _, s := range found {
		if err := p.Erase(ctx, s, e); err != nil {
			return refs, 0, err
		}
		refs = append(refs, s.Reference)
	}
	drafts := 0
	err = p.eachDraft(ctx, func(key string, draft submit.Draft) error {
		if !Mentions(draft.Data, email) {
			return nil
		}
		drafts++
		return p.eraseDraft(ctx, key)
	})
	if err == nil && drafts > 0 {
		err = p.audit.Record(ctx, identity.AuditEvent{
			Kind:   "drafts.erased",
			By:     e.By,
			Detail: fmt.Sprintf("%d brouillon(s) : %s", drafts, e.Why),
		})
	}
	return refs, drafts, err
}

// eraseDraft purges a saved draft.
func (p *Privacy) eraseDraft(ctx context.Context, key string) error {
	return purgeKeys(ctx, p.drafts, key, nil)
}

// eachDraft hands every saved draft and its key to visit.
func (p *Privacy) eachDraft(ctx context.Context, visit func(key string, draft submit.Draft) error) error {
	keys, err := keysOf(ctx, p.drafts, ">")
	if err != nil {
		return err
	}
	for _, key := range keys {
		entry, err := p.drafts.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		var draft submit.Draft
		if json.Unmarshal(entry.Value(), &draft) != nil {
			continue
		}
		if err := visit(key, draft); err != nil {
			return err
		}
	}
	return nil
}

// messageFiles are the names of the files sent with the messages of a
// submission's conversation.
func (p *Privacy) messageFiles(ctx context.Context, reference string) ([]string, error) {
	var names []string
	err := bus.Scan(ctx, p.events, bus.MessageSubject(reference), func(msg jetstream.Msg) {
		if m, err := submit.DecodeMessage(0, msg.Data()); err == nil {
			for _, f := range m.Files {
				names = append(names, f.Object)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("privacy: messages of %s: %w", reference, err)
	}
	return names, nil
}

// documentNames are the names a submission's documents may have: the PDF
// record of each of its versions, its files, its decision letters.
func documentNames(s submit.Stored, rec submit.State) []string {
	var names []string
	for revision := range max(1, rec.Revision()) {
		names = append(names, bus.DocumentRecordName(s.Reference, revision+1))
	}
	// The record lists the files of the version it points to; s, those
	// of its own.
	for _, files := range [][]submit.Attachment{rec.Attachments, s.Attachments} {
		for i, a := range files {
			if name := a.ObjectName(s.Reference, i); !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	for i := range rec.History {
		names = append(names, bus.DecisionName(s.Reference, i))
	}
	return names
}
