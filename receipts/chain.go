package receipts

import (
	"fmt"

	"github.com/guichet/guichet/internal/platform/locale"
)

// ChainHead is a form's last receipt, kept in the receipts bucket under
// the form's chain key: what the form's next receipt names as Previous.
type ChainHead struct {
	Hash     string `json:"hash"`
	Sequence uint64 `json:"sequence"`
}

// Break is where a chain of receipts stops holding.
type Break struct {
	// Index is the position of the first receipt that does not follow.
	Index     int
	Reference string
	// Reason says why, in French and English.
	Reason locale.Text
}

func (b *Break) Error() string {
	return fmt.Sprintf("receipt %d (%s): %s", b.Index+1, b.Reference, b.Reason.EN)
}

// CheckChain checks receipts of one form, in the order of their sequence:
// each is authentic, comes after the one before in SUBMISSIONS, and names
// its hash as Previous, the first naming first (empty for the form's
// first receipt). It returns the first break, or nil.
//
// A corrected version's receipt must also name, as Corrects, the receipt
// of the version before it, when that one is in the chain.
func CheckChain(receipts []Receipt, keys Keyring, first string) *Break {
	previous := first
	var sequence uint64
	hashes := map[string]string{} // by reference and revision
	for i, r := range receipts {
		if err := keys.Verify(r); err != nil {
			reason := locale.Text{FR: err.Error(), EN: err.Error()}
			if verdict, verr := verdictOf(err); verr == nil {
				reason = verdict.Message
			}
			return &Break{Index: i, Reference: r.Reference, Reason: reason}
		}
		if i > 0 && r.Form != receipts[0].Form {
			return &Break{Index: i, Reference: r.Reference, Reason: locale.Text{
				FR: "récépissé d'un autre formulaire, " + r.Form, EN: "receipt of another form, " + r.Form}}
		}
		if r.Previous != previous {
			return &Break{
				Index:     i,
				Reference: r.Reference,
				Reason: locale.Text{
					FR: "ne suit pas le récépissé précédent : un récépissé a été retiré, ajouté ou déplacé",
					EN: "does not follow the previous receipt: a receipt was removed, added or moved",
				},
			}
		}
		if r.Sequence <= sequence {
			return &Break{Index: i, Reference: r.Reference, Reason: locale.Text{FR: "séquence dans le désordre", EN: "sequence out of order"}}
		}
		if r.Revision > 1 {
			if before, known := hashes[versionKey(r.Reference, r.Revision-1)]; known && before != r.Corrects {
				return &Break{
					Index:     i,
					Reference: r.Reference,
					Reason: locale.Text{
						FR: fmt.Sprintf("la version %d ne nomme pas le récépissé de la version qu'elle corrige", r.Revision),
						EN: fmt.Sprintf("version %d does not name the receipt of the version it corrects", r.Revision),
					},
				}
			}
		}
		hash, err := r.Hash()
		if err != nil {
			return &Break{Index: i, Reference: r.Reference, Reason: locale.Text{FR: err.Error(), EN: err.Error()}}
		}
		previous, sequence = hash, r.Sequence
		hashes[versionKey(r.Reference, max(1, r.Revision))] = hash
	}
	return nil
}

// versionKey names a version of a submission.
func versionKey(reference string, revision int) string {
	return fmt.Sprintf("%s#%d", reference, revision)
}
