package submit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/locale"
	"github.com/guichet/guichet/requestid"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/tracing"
)

// Errors of intake, besides schemas.ErrNotFound and *schemas.ValidationError.
var (
	// ErrSignInRequired means the form is internal and nobody is signed in.
	ErrSignInRequired = errors.New("submit: internal form needs a signed-in agent")
	// ErrFormClosed means the form does not accept submissions now.
	ErrFormClosed = errors.New("submit: form not open")
	// ErrIdempotencyConflict means an Idempotency-Key was used before with other data.
	ErrIdempotencyConflict = errors.New("submit: idempotency key reused with other data")
	// ErrIdempotencyKeyTaken means an Idempotency-Key was used before by
	// someone else: the first receipt is theirs alone.
	ErrIdempotencyKeyTaken = errors.New("submit: idempotency key used by another caller")
	// ErrUnavailable means the submission could not be stored; nothing was accepted.
	ErrUnavailable = errors.New("submit: storage unavailable")
)

// Forms finds the published version of a form that submissions go to.
type Forms interface {
	Latest(ctx context.Context, id string) (*schemas.Compiled, error)
}

// Intake validates submissions and publishes them to JetStream.
type Intake struct {
	forms     Forms
	tracker   *Tracker
	bus       *bus.Bus
	js        jetstream.JetStream
	idem      jetstream.KeyValue
	documents jetstream.ObjectStore
	log       *slog.Logger
	now       func() time.Time
	limits    *ClientLimiter
	// writable reports whether storage takes writes at all, and
	// writeFailed tells it of a write that failed.
	writable    func(context.Context) error
	writeFailed func(error)
	// observe, when set, is told each submission's outcome.
	observe func(form, outcome string)
}

// Limit bounds the submissions of each client; see RateLimit.
func (in *Intake) Limit(limit RateLimit) { in.limits = NewClientLimiter(limit) }

// Observe has observe told the outcome of each submission to a form that
// exists (see Outcome); a submission refused by the rate limit is told
// with an empty form, as its form is not read.
func (in *Intake) Observe(observe func(form, outcome string)) { in.observe = observe }

// Outcome names what became of a submission that got err: accepted,
// invalid, refused, rate_limited or unavailable; unknown_form for a form
// that does not exist.
func Outcome(err error) string {
	var invalid *schemas.ValidationError
	switch {
	case err == nil:
		return "accepted"
	case errors.As(err, &invalid):
		return "invalid"
	case errors.Is(err, schemas.ErrNotFound):
		return "unknown_form"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrFormClosed), errors.Is(err, ErrSignInRequired), errors.Is(err, ErrIdempotencyConflict), errors.Is(err, ErrIdempotencyKeyTaken):
		return "refused"
	}
	return "unavailable"
}

// NewIntake wires intake to the registry of forms and the status tracker.
func NewIntake(ctx context.Context, b *bus.Bus, forms Forms, tracker *Tracker, log *slog.Logger) (*Intake, error) {
	idem, err := b.KV(ctx, bus.BucketIdempotency)
	if err != nil {
		return nil, err
	}
	documents, err := b.Documents(ctx)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Intake{forms: forms, tracker: tracker, bus: b, js: b.JS, idem: idem, documents: documents, log: log, now: time.Now, writable: b.Writable, writeFailed: b.WriteFailed}, nil
}

// Request is one submission as it arrives.
type Request struct {
	FormID string
	// Data is the JSON object of answers.
	Data json.RawMessage
	// IdempotencyKey, when set, makes a retry return the first receipt.
	// It must be a secret of the caller's, such as a random UUID: a retry
	// by the same caller (the same account, or nobody signed in) with the
	// same data gets the first receipt, token included.
	IdempotencyKey string
	Principal      identity.Principal
	// Lang is the submitter's language, for what is sent to them later.
	Lang locale.Lang
	// Client names who sends, such as their address, for the rate limit.
	Client string
}

// Receipt is the acknowledgement of an accepted submission. The token is
// shown here only: it is stored as a hash.
type Receipt struct {
	Reference   string
	Token       string
	FormVersion int
	Status      Status
}

// idempotencyRecord remembers the first answer to an Idempotency-Key: the
// envelope to publish and the token to return again, to the caller who
// first used the key only.
type idempotencyRecord struct {
	// DataSHA256 is the hash of the request's data, files included.
	DataSHA256 string `json:"dataSha256"`
	// Caller is the account that first used the key; empty for nobody
	// signed in.
	Caller   string          `json:"caller,omitempty"`
	Token    string          `json:"token"`
	Envelope json.RawMessage `json:"envelope"`
}

// StorageTimeout bounds the time a submission may wait for storage: a
// cluster that lost its quorum, or a stream electing a new leader, gets
// ErrUnavailable after it, and never an acknowledgement.
const StorageTimeout = 5 * time.Second

// Submit validates a request against the latest version of its form and,
// if valid, publishes it. It returns only once JetStream has stored the
// submission.
func (in *Intake) Submit(ctx context.Context, req Request) (receipt Receipt, err error) {
	if in.observe != nil {
		defer func() {
			switch outcome := Outcome(err); outcome {
			case "unknown_form": // not counted: its name is anybody's
			case "rate_limited":
				in.observe("", outcome)
			default:
				in.observe(req.FormID, outcome)
			}
		}()
	}
	if !in.limits.Allow(req.Client, in.now()) {
		return Receipt{}, ErrRateLimited
	}
	// Without a quorum, NATS would keep the request waiting: answer
	// "unavailable" quickly instead, and the client tries again.
	if err := in.writable(ctx); err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	ctx, cancel := context.WithTimeout(ctx, StorageTimeout)
	defer cancel()
	receipt, err = in.submit(ctx, req)
	if err != nil {
		in.writeFailed(err)
		return receipt, err
	}
	// The reference and the form only: the answers are personal data.
	in.log.Info("submission accepted", "reference", receipt.Reference, "form", req.FormID, "version", receipt.FormVersion,
		"request_id", requestid.From(ctx))
	return receipt, nil
}

// submit is Submit once storage is known to take writes.
func (in *Intake) submit(ctx context.Context, req Request) (Receipt, error) {
	form, err := in.forms.Latest(ctx, req.FormID)
	if err != nil {
		return Receipt{}, err
	}
	if form.Audience == schemas.Internal && !req.Principal.IsAgent() {
		return Receipt{}, ErrSignInRequired
	}
	now := in.now().UTC()
	if !form.OpenAt(now) {
		return Receipt{}, ErrFormClosed
	}
	if form.MaxSubmissions > 0 {
		// Requests racing for the last places may pass the limit by a few.
		if n, err := in.received(ctx, form.ID); err != nil {
			return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		} else if n >= uint64(form.MaxSubmissions) {
			return Receipt{}, ErrFormClosed
		}
	}
	if err := checkLimits(req.Data); err != nil {
		return Receipt{}, err
	}
	if err := form.Validate(req.Data); err != nil {
		return Receipt{}, err
	}
	canonical, err := jcs.Transform(req.Data)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: canonicalise: %w", err)
	}
	// The request's own hash tells a retry from other data under one
	// idempotency key, files included.
	requestSum := sha256.Sum256(canonical)
	var files []pendingFile
	if rules := form.FileFields(); len(rules) > 0 {
		var data json.RawMessage
		if data, files, err = extractFiles(req.Data, rules, 0); err != nil {
			return Receipt{}, err
		}
		if canonical, err = jcs.Transform(data); err != nil {
			return Receipt{}, fmt.Errorf("submit: canonicalise: %w", err)
		}
	}
	sum := sha256.Sum256(canonical)
	token := NewToken()
	sub := Submission{
		Reference:   NewReference(now),
		Form:        form.ID,
		FormVersion: form.Version.Version,
		SubmittedAt: now,
		TokenHash:   HashToken(token),
		Data:        canonical,
		DataSHA256:  hex.EncodeToString(sum[:]),
		Lang:        req.Lang,
	}
	for _, f := range files {
		sub.Attachments = append(sub.Attachments, f.Attachment)
	}
	if form.Audience == schemas.Internal {
		sub.AccountID = req.Principal.AccountID
	}
	if req.IdempotencyKey != "" {
		return in.submitOnce(ctx, req, sub, token, hex.EncodeToString(requestSum[:]), files)
	}
	for attempt := 0; ; attempt++ {
		err := in.tracker.create(ctx, RecordOf(sub))
		if errors.Is(err, errReferenceTaken) && attempt < 3 {
			sub.Reference = NewReference(now)
			continue
		}
		if err != nil {
			return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		break
	}
	if err := storeFiles(ctx, in.documents, sub.Reference, 0, files); err != nil {
		return Receipt{}, err
	}
	if err := in.publish(ctx, sub); err != nil {
		if ferr := in.tracker.forget(context.WithoutCancel(ctx), sub.Reference); ferr != nil {
			in.log.Warn("status record of an unpublished submission left behind", "reference", sub.Reference, "error", ferr)
		}
		return Receipt{}, err
	}
	return Receipt{Reference: sub.Reference, Token: token, FormVersion: sub.FormVersion, Status: Received}, nil
}

// submitOnce publishes sub under an idempotency key. The first request
// with a key stores its envelope; any request with the same key then
// publishes that same envelope under the same message id, which JetStream
// keeps once. So a retry, or two requests racing, get the same receipt.
func (in *Intake) submitOnce(ctx context.Context, req Request, sub Submission, token, requestSum string, files []pendingFile) (Receipt, error) {
	envelope, err := json.Marshal(sub)
	if err != nil {
		return Receipt{}, err
	}
	caller := req.Principal.AccountID
	rec := idempotencyRecord{DataSHA256: requestSum, Caller: caller, Token: token, Envelope: envelope}
	raw, err := json.Marshal(rec)
	if err != nil {
		return Receipt{}, err
	}
	sumKey := sha256.Sum256([]byte(req.FormID + "\x00" + req.IdempotencyKey))
	key := hex.EncodeToString(sumKey[:])
	if _, err := in.bus.CreateKey(ctx, in.idem, key, raw); errors.Is(err, jetstream.ErrKeyExists) {
		entry, err := in.idem.Get(ctx, key)
		if err != nil {
			return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		var first idempotencyRecord
		if err := json.Unmarshal(entry.Value(), &first); err != nil {
			return Receipt{}, err
		}
		rec = first
		switch {
		case rec.Caller != caller:
			return Receipt{}, ErrIdempotencyKeyTaken
		case rec.DataSHA256 != requestSum:
			return Receipt{}, ErrIdempotencyConflict
		}
		if err := json.Unmarshal(rec.Envelope, &sub); err != nil {
			return Receipt{}, err
		}
	} else if err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	err = in.tracker.create(ctx, RecordOf(sub))
	if errors.Is(err, errReferenceTaken) {
		existing, gerr := in.tracker.Get(ctx, sub.Reference)
		if gerr != nil || existing.TokenHash != sub.TokenHash {
			// Another submission drew the same 60 random bits.
			return Receipt{}, fmt.Errorf("%w: reference collision", ErrUnavailable)
		}
	} else if err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	// The same data carries the same files: storing them again under the
	// first request's reference repairs a first request that stopped halfway.
	if err := storeFiles(ctx, in.documents, sub.Reference, 0, files); err != nil {
		return Receipt{}, err
	}
	if err := in.publish(ctx, sub); err != nil {
		return Receipt{}, err
	}
	return Receipt{Reference: sub.Reference, Token: rec.Token, FormVersion: sub.FormVersion, Status: Received}, nil
}

// received counts the submissions a form has received.
func (in *Intake) received(ctx context.Context, formID string) (uint64, error) {
	stream, err := in.js.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return 0, err
	}
	subject := bus.SubmissionSubject(formID)
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, err
	}
	return info.State.Subjects[subject], nil
}

func (in *Intake) publish(ctx context.Context, sub Submission) error {
	raw, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: bus.SubmissionSubject(sub.Form), Data: raw, Header: nats.Header{
		jetstream.MsgIDHeader:          []string{sub.Reference},
		jetstream.ExpectedStreamHeader: []string{bus.StreamSubmissions},
	}}
	tracing.Inject(ctx, msg.Header)
	_, err = in.bus.Commit(ctx, bus.StreamSubmissions, msg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}
