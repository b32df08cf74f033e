package receipts

import "fmt"

// Break is where a chain of receipts stops holding.
type Break struct {
	// Index is the position of the first receipt that does not follow.
	Index     int
	Reference string
	Reason    string
}

func (b *Break) Error() string {
	return fmt.Sprintf("récépissé %d (%s) : %s", b.Index+1, b.Reference, b.Reason)
}

// CheckChain checks receipts of one form, in the order of their sequence:
// each is authentic, comes after the one before in SUBMISSIONS, and names
// its hash as Previous, the first naming first (empty for the form's
// first receipt). It returns the first break, or nil.
func CheckChain(receipts []Receipt, keys Keyring, first string) *Break {
	previous := first
	var sequence uint64
	for i, r := range receipts {
		if err := keys.Verify(r); err != nil {
			reason := err.Error()
			if verdict, verr := verdictOf(err); verr == nil {
				reason = verdict.Message.FR
			}
			return &Break{Index: i, Reference: r.Reference, Reason: reason}
		}
		if i > 0 && r.Form != receipts[0].Form {
			return &Break{Index: i, Reference: r.Reference, Reason: "récépissé d'un autre formulaire, " + r.Form}
		}
		if r.Previous != previous {
			return &Break{Index: i, Reference: r.Reference, Reason: "ne suit pas le récépissé précédent : un récépissé a été retiré, ajouté ou déplacé"}
		}
		if r.Sequence <= sequence {
			return &Break{Index: i, Reference: r.Reference, Reason: "séquence dans le désordre"}
		}
		hash, err := r.Hash()
		if err != nil {
			return &Break{Index: i, Reference: r.Reference, Reason: err.Error()}
		}
		previous, sequence = hash, r.Sequence
	}
	return nil
}
