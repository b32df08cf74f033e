package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/submit"
)

// RetentionBy names the scheduled purge in the audit records.
const RetentionBy = "retention"

// Purged counts what a retention run erased.
type Purged struct {
	Submissions int `json:"submissions"`
	Drafts      int `json:"drafts"`
}

// PurgeExpired erases, as of now, the submissions kept longer than their
// form's retention period (that of its latest published version; none
// means kept), and the saved drafts past their form's draft lifetime.
func (p *Privacy) PurgeExpired(ctx context.Context, now time.Time) (Purged, error) {
	var purged Purged
	forms, err := p.forms.Drafts(ctx)
	if err != nil {
		return purged, err
	}
	for _, f := range forms {
		days, err := p.retentionDays(ctx, f.ID)
		if err != nil || days == 0 {
			if err != nil {
				return purged, err
			}
			continue
		}
		cutoff := now.AddDate(0, 0, -days)
		var expired []submit.Stored
		// Submissions are in the order they came: stop at the first one
		// still to keep.
		err = p.scan(ctx, bus.SubmissionSubject(f.ID), func(s submit.Stored) bool {
			if !s.SubmittedAt.Before(cutoff) {
				return false
			}
			expired = append(expired, s)
			return true
		})
		if err != nil {
			return purged, err
		}
		why := fmt.Sprintf("durée de conservation du formulaire (%d jours) écoulée", days)
		for _, s := range expired {
			if err := p.Erase(ctx, s, Erasure{By: RetentionBy, Why: why}); err != nil {
				return purged, err
			}
			purged.Submissions++
		}
	}
	if purged.Drafts, err = p.purgeExpiredDrafts(ctx, now); err != nil {
		return purged, err
	}
	if purged.Drafts > 0 {
		err = p.audit.Record(ctx, identity.AuditEvent{Kind: "drafts.erased", By: RetentionBy,
			Detail: fmt.Sprintf("%d brouillon(s) arrivé(s) au bout de leur durée de conservation", purged.Drafts)})
	}
	return purged, err
}

// retentionDays is the retention period of a form's latest published
// version, in days; 0 when it has none or was never published.
func (p *Privacy) retentionDays(ctx context.Context, formID string) (int, error) {
	versions, err := p.forms.Versions(ctx, formID)
	if err != nil || len(versions) == 0 {
		return 0, err
	}
	v, err := p.forms.Version(ctx, formID, versions[len(versions)-1])
	if err != nil {
		return 0, err
	}
	return v.RetentionDays, nil
}

// purgeExpiredDrafts purges the drafts whose lifetime is over. The bucket
// forgets every draft after submit.MaxDraftAge; a form's own lifetime is
// usually shorter.
func (p *Privacy) purgeExpiredDrafts(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := p.eachDraft(ctx, func(key string, draft submit.Draft) error {
		if !now.After(draft.ExpiresAt) {
			return nil
		}
		n++
		return p.eraseDraft(ctx, key)
	})
	return n, err
}
