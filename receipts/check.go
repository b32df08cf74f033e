package receipts

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/submit"
)

// FormCheck is what CheckForm found.
type FormCheck struct {
	// Receipts is how many receipts of the form chain.
	Receipts int
	// Erased is how many of their submissions were erased, as the
	// security log records.
	Erased int
	// Break is the first break, or nil.
	Break *Break
}

// CheckForm checks the whole chain of a form's receipts against the
// SUBMISSIONS stream: every receipt is authentic and names the one
// before; every submission in the stream has its receipt; and every
// receipt whose submission is no longer in the stream was erased, as a
// "submission.erased" record of AUDIT says. Receipts hold no personal data
// and outlive erasures, so the chain stays whole.
func CheckForm(ctx context.Context, b *bus.Bus, form string) (FormCheck, error) {
	var check FormCheck
	store, err := OpenStore(ctx, b)
	if err != nil {
		return check, err
	}
	ring, err := store.Keyring(ctx)
	if err != nil {
		return check, err
	}
	chain, err := store.formReceipts(ctx, form)
	if err != nil {
		return check, err
	}
	inStream := map[string]bool{} // versions, by receipt key
	for _, subject := range []string{bus.SubmissionSubject(form), bus.RevisionSubject(form)} {
		versions, err := referencesIn(ctx, b, bus.StreamSubmissions, subject, func(msg jetstream.Msg) string {
			s, err := submit.Decode(msg)
			if err != nil {
				return ""
			}
			return bus.ReceiptKey(s.Reference, s.Revision)
		})
		if err != nil {
			return check, err
		}
		maps.Copy(inStream, versions)
	}
	erased, err := referencesIn(ctx, b, bus.StreamAudit, bus.AuditSubject("submission.erased", "*"), func(msg jetstream.Msg) string {
		var e struct {
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(msg.Data(), &e)
		ref, _, _ := strings.Cut(e.Detail, " ")
		return ref
	})
	if err != nil {
		return check, err
	}
	check.Receipts = len(chain)
	if b := CheckChain(chain, ring, ""); b != nil {
		check.Break = b
		return check, nil
	}
	signed := map[string]bool{}
	for i, r := range chain {
		key := bus.ReceiptKey(r.Reference, r.Revision)
		signed[key] = true
		switch {
		case inStream[key]:
		case erased[r.Reference]:
			check.Erased++
		default:
			check.Break = &Break{
				Index:     i,
				Reference: r.Reference,
				Reason: locale.Text{
					FR: "dépôt retiré du flux SUBMISSIONS sans effacement inscrit au journal de sécurité",
					EN: "submission removed from the SUBMISSIONS stream with no erasure in the security log",
				},
			}
			return check, nil
		}
	}
	for key := range inStream {
		if !signed[key] {
			check.Break = &Break{Index: len(chain), Reference: key, Reason: locale.Text{
				FR: "dépôt du flux SUBMISSIONS sans récépissé", EN: "submission of the SUBMISSIONS stream without a receipt"}}
			return check, nil
		}
	}
	return check, nil
}

// formReceipts reads every receipt of a form, in the order of their
// sequence.
func (s *Store) formReceipts(ctx context.Context, form string) ([]Receipt, error) {
	var chain []Receipt
	lister, err := s.receipts.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	for key := range lister.Keys() {
		if !strings.HasPrefix(key, bus.ChainKey("")) {
			keys = append(keys, key)
		}
	}
	for _, key := range keys {
		r, _, err := bus.GetJSON[Receipt](ctx, s.receipts, key, ErrNoReceipt)
		if err != nil {
			return nil, err
		}
		if r.Form == form {
			chain = append(chain, r)
		}
	}
	slices.SortFunc(chain, func(a, b Receipt) int { return cmp.Compare(a.Sequence, b.Sequence) })
	return chain, nil
}

// referencesIn reads the reference each message of a stream names.
func referencesIn(
	ctx context.Context,
	b *bus.Bus,
	streamName, filter string,
	reference func(jetstream.Msg) string,
) (map[string]bool, error) {
	stream, err := b.JS.Stream(ctx, streamName)
	if err != nil {
		return nil, err
	}
	refs := map[string]bool{}
	err = bus.Scan(ctx, stream, filter, func(msg jetstream.Msg) {
		if ref := reference(msg); ref != "" {
			refs[ref] = true
		}
	})
	return refs, err
}
