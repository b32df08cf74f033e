package submit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/platform/requestid"
	"github.com/guichet/guichet/internal/platform/tracing"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/uploads"
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
	forms   Forms
	tracker *Tracker
	bus     *bus.Bus
	js      jetstream.JetStream
	uploads *uploads.Service
	// submissions is SUBMISSIONS, where a retry finds the submission its
	// Idempotency-Key stored.
	submissions jetstream.Stream
	// tokenSecret derives the receipt token of a submission sent with an
	// Idempotency-Key, which a retry gets again (see keyedToken).
	tokenSecret []byte
	log         *slog.Logger
	now         func() time.Time
	limits      *ClientLimiter
	// writable reports whether storage takes writes at all, and
	// writeFailed tells it of a write that failed.
	writable    func(context.Context) error
	writeFailed func(error)
	// observe, when set, is told each submission's outcome.
	observe func(form, outcome string)
}

// IntakeConfig is what intake may be given; its zero value logs nothing,
// bounds no client and tells no one of outcomes.
type IntakeConfig struct {
	Log *slog.Logger
	// Limit bounds the submissions of each client; see RateLimit.
	Limit RateLimit
	// Observe, when set, is told the outcome of each submission to a form
	// that exists (see Outcome); a submission refused by the rate limit is
	// told with an empty form, as its form is not read.
	Observe func(form, outcome string)
	// Uploads receives the files; by default, a service that scans nothing.
	Uploads *uploads.Service
}

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
	case errors.Is(err, ErrFormClosed),
		errors.Is(err, ErrSignInRequired),
		errors.Is(err, ErrIdempotencyConflict),
		errors.Is(err, ErrIdempotencyKeyTaken):
		return "refused"
	}
	return "unavailable"
}

// NewIntake wires intake to the registry of forms and the status tracker.
func NewIntake(ctx context.Context, b *bus.Bus, forms Forms, tracker *Tracker, cfg IntakeConfig) (*Intake, error) {
	files := cfg.Uploads
	if files == nil {
		var err error
		if files, err = uploads.New(ctx, b, uploads.Config{Log: cfg.Log}); err != nil {
			return nil, err
		}
	}
	submissions, err := b.JS.Stream(ctx, bus.StreamSubmissions)
	if err != nil {
		return nil, err
	}
	secret, err := tokenSecret(ctx, b)
	if err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Intake{forms: forms, tracker: tracker, bus: b, js: b.JS, uploads: files, submissions: submissions, tokenSecret: secret,
		log: log, now: time.Now, writable: b.Writable, writeFailed: b.WriteFailed, limits: NewClientLimiter(cfg.Limit), observe: cfg.Observe}, nil
}

// tokenSecret reads the secret that keyed receipt tokens are derived
// from, drawing it the first time: every node reads the same one.
func tokenSecret(ctx context.Context, b *bus.Bus) ([]byte, error) {
	meta, err := b.KV(ctx, bus.BucketMeta)
	if err != nil {
		return nil, err
	}
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	if _, err := meta.Create(ctx, bus.TokenSecretKey, fresh); err == nil {
		return fresh, nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, err
	}
	entry, err := meta.Get(ctx, bus.TokenSecretKey)
	if err != nil {
		return nil, err
	}
	return entry.Value(), nil
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

// Acceptance is what intake answers an accepted submission: its reference
// and the token that opens its receipt page. The token is
// shown here only: it is stored as a hash.
type Acceptance struct {
	Reference   string
	Token       string
	FormVersion int
	Status      Status
}

// Headers of an idempotency mark: the SHA-256 of the request's data,
// files included, which tells a retry from other data under the same key,
// and that of the account that first used the key, empty for nobody
// signed in.
const (
	requestSHA256Header = "Guichet-Request-Sha256"
	callerSHA256Header  = "Guichet-Caller-Sha256"
)

// StorageTimeout bounds the time a submission may wait for storage: a
// cluster that lost its quorum, or a stream electing a new leader, gets
// ErrUnavailable after it, and never an acknowledgement.
const StorageTimeout = 5 * time.Second

// Submit validates a request against the latest version of its form and,
// if valid, publishes it. It returns only once JetStream has stored the
// submission.
func (in *Intake) Submit(ctx context.Context, req Request) (receipt Acceptance, err error) {
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
		return Acceptance{}, ErrRateLimited
	}
	// Without a quorum, NATS would keep the request waiting: answer
	// "unavailable" quickly instead, and the client tries again.
	if err := in.writable(ctx); err != nil {
		return Acceptance{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
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
func (in *Intake) submit(ctx context.Context, req Request) (Acceptance, error) {
	form, err := in.forms.Latest(ctx, req.FormID)
	if err != nil {
		return Acceptance{}, err
	}
	if form.Audience == schemas.Internal && !req.Principal.IsAgent() {
		return Acceptance{}, ErrSignInRequired
	}
	now := in.now().UTC()
	if !form.OpenAt(now) {
		return Acceptance{}, ErrFormClosed
	}
	if form.MaxSubmissions > 0 {
		// Requests racing for the last places may pass the limit by a few.
		if n, err := in.received(ctx, form.ID); err != nil {
			return Acceptance{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		} else if n >= uint64(form.MaxSubmissions) {
			return Acceptance{}, ErrFormClosed
		}
	}
	if err := checkLimits(req.Data); err != nil {
		return Acceptance{}, err
	}
	// The calculated fields are the server's, whatever was sent.
	if req.Data, err = form.Calculate(req.Data); err != nil {
		return Acceptance{}, err
	}
	if err := form.Validate(req.Data); err != nil {
		return Acceptance{}, err
	}
	canonical, err := Canonical(req.Data)
	if err != nil {
		return Acceptance{}, fmt.Errorf("submit: canonicalise: %w", err)
	}
	// The request's own hash tells a retry from other data under one
	// idempotency key, files included.
	requestSum := sha256.Sum256(canonical)
	var files []pendingFile
	if rules := form.FileFields(); len(rules) > 0 {
		var data json.RawMessage
		if data, files, err = extractFiles(req.Data, rules, 0); err != nil {
			return Acceptance{}, err
		}
		if canonical, err = Canonical(data); err != nil {
			return Acceptance{}, fmt.Errorf("submit: canonicalise: %w", err)
		}
	}
	sum := sha256.Sum256(canonical)
	sub := Submission{
		Form:        form.ID,
		FormVersion: form.Version.Version,
		SubmittedAt: now,
		Data:        canonical,
		DataSHA256:  hex.EncodeToString(sum[:]),
		Lang:        req.Lang,
	}
	if form.Audience == schemas.Internal {
		sub.AccountID = req.Principal.AccountID
	}
	if req.IdempotencyKey != "" {
		return in.submitOnce(ctx, req, sub, hex.EncodeToString(requestSum[:]), files)
	}
	token := NewToken()
	sub.TokenHash = HashToken(token)
	if sub.Attachments, err = in.receiveFiles(ctx, files); err != nil {
		return Acceptance{}, err
	}
	acks, err := in.commit(ctx, submissionMsg(ctx, sub))
	if err != nil {
		return Acceptance{}, err
	}
	return Acceptance{Reference: ReferenceOf(acks[0].Sequence, now), Token: token, FormVersion: sub.FormVersion, Status: Received}, nil
}

// submitOnce stores sub under an idempotency key: the submission and the
// key's mark, in one atomic batch, which JetStream refuses if the key has
// a mark already. A retry, or two requests racing, thus store one
// submission, and get its receipt, whose token is derived from the key.
func (in *Intake) submitOnce(ctx context.Context, req Request, sub Submission, requestSum string, files []pendingFile) (Acceptance, error) {
	keySum := sha256.Sum256([]byte(req.FormID + "\x00" + req.IdempotencyKey))
	keyHash := hex.EncodeToString(keySum[:16])
	callerSum := ""
	if caller := req.Principal.AccountID; caller != "" {
		sum := sha256.Sum256([]byte(caller))
		callerSum = hex.EncodeToString(sum[:])
	}
	token := in.keyedToken(keyHash, callerSum)
	sub.TokenHash = HashToken(token)
	mark := &nats.Msg{Subject: bus.IdempotencySubject(sub.Form, keyHash), Header: nats.Header{
		jetstream.ExpectedLastSubjSeqHeader: []string{"0"},
		requestSHA256Header:                 []string{requestSum},
		callerSHA256Header:                  []string{callerSum},
	}}
	if len(files) > 0 {
		// A retry stores no file again: a read first tells.
		if receipt, found, err := in.firstUse(ctx, mark, token); found || err != nil {
			return receipt, err
		}
		var err error
		if sub.Attachments, err = in.receiveFiles(ctx, files); err != nil {
			return Acceptance{}, err
		}
	}
	acks, err := in.commit(ctx, mark, submissionMsg(ctx, sub))
	if bus.IsWrongLastSequence(err) {
		receipt, found, err := in.firstUse(ctx, mark, token)
		if err == nil && !found {
			err = fmt.Errorf("%w: idempotency mark of %s refused, then not found", ErrUnavailable, sub.Form)
		}
		return receipt, err
	}
	if err != nil {
		return Acceptance{}, err
	}
	return Acceptance{
		Reference:   ReferenceOf(acks[1].Sequence, sub.SubmittedAt),
		Token:       token,
		FormVersion: sub.FormVersion,
		Status:      Received,
	}, nil
}

// firstUse finds the submission that an idempotency key stored first,
// right after its mark, and returns its receipt, token included, when the
// same caller sends the same data.
func (in *Intake) firstUse(ctx context.Context, mark *nats.Msg, token string) (Acceptance, bool, error) {
	first, err := in.submissions.GetLastMsgForSubject(ctx, mark.Subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Acceptance{}, false, nil
	}
	if err != nil {
		return Acceptance{}, false, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	switch {
	case first.Header.Get(callerSHA256Header) != mark.Header.Get(callerSHA256Header):
		return Acceptance{}, true, ErrIdempotencyKeyTaken
	case first.Header.Get(requestSHA256Header) != mark.Header.Get(requestSHA256Header):
		return Acceptance{}, true, ErrIdempotencyConflict
	}
	msg, err := in.submissions.GetMsg(ctx, first.Sequence+1)
	if err != nil {
		return Acceptance{}, true, fmt.Errorf("%w: submission after idempotency mark %d: %w", ErrUnavailable, first.Sequence, err)
	}
	s, err := Unmarshal(msg.Sequence, msg.Data)
	if err != nil || !TokenMatches(token, s.TokenHash) {
		return Acceptance{}, true, fmt.Errorf("%w: no submission after idempotency mark %d", ErrUnavailable, first.Sequence)
	}
	return Acceptance{Reference: s.Reference, Token: token, FormVersion: s.FormVersion, Status: Received}, true, nil
}

// keyedToken is the receipt token of a submission sent with an
// Idempotency-Key: derived from the key, the caller and a secret of the
// server's, so that the key's first caller gets it again on a retry, and
// nobody else can.
func (in *Intake) keyedToken(keyHash, callerSum string) string {
	mac := hmac.New(sha256.New, in.tokenSecret)
	mac.Write([]byte(keyHash + "\x00" + callerSum))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
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

// submissionMsg is the message of the first version of a submission.
func submissionMsg(ctx context.Context, sub Submission) *nats.Msg {
	raw, _ := json.Marshal(sub) // a Submission always marshals
	msg := &nats.Msg{
		Subject: sub.Subject(),
		Data:    raw,
		Header:  nats.Header{jetstream.ExpectedStreamHeader: []string{bus.StreamSubmissions}},
	}
	tracing.Inject(ctx, msg.Header)
	return msg
}

// commit stores msgs on SUBMISSIONS in one atomic batch: intake's one
// synced write.
func (in *Intake) commit(ctx context.Context, msgs ...*nats.Msg) ([]*jetstream.PubAck, error) {
	acks, err := in.bus.CommitTogether(ctx, bus.StreamSubmissions, msgs...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return acks, nil
}
