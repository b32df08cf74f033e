// Package webhooks delivers the status changes of submissions to the
// URLs admins register, signed with HMAC-SHA256, retried with backoff by
// its consumer for as long as the server fails, each delivery recorded so
// that failures are visible and can be replayed at once.
//
// Business layer (internal/test/layering); the wiring runs its consumer and
// the API serves its registry.
package webhooks

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/kvcopy"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Errors of the registry.
var (
	ErrNotFound = errors.New("webhooks: no such webhook")
	ErrInvalid  = errors.New("webhooks: invalid webhook")
	// ErrForbiddenAddress refuses a webhook whose URL names an address
	// inside the network that the webhook-allow setting does not open.
	ErrForbiddenAddress = errors.New("webhooks: address inside the network")
)

// Webhook is a URL told of the status changes of submissions.
type Webhook struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Secret signs the deliveries; it is shown once, when generated.
	Secret string `json:"secret"`
	// RotateSecret, on Put, replaces the secret with a new one.
	RotateSecret bool `json:"-"`
	// Statuses are the statuses it hears of; none is all.
	Statuses []submit.Status `json:"statuses,omitempty"`
	// Department, when set, limits it to that department's submissions.
	Department string `json:"department,omitempty"`
	Active     bool   `json:"active"`
}

// hears reports whether the webhook is told of an event.
func (w Webhook) hears(e submit.Event) bool {
	return w.Active && (len(w.Statuses) == 0 || slices.Contains(w.Statuses, e.Status)) && (w.Department == "" || w.Department == e.Department)
}

// Delivery is the record of one event's delivery to one webhook.
type Delivery struct {
	Webhook  string `json:"webhook"`
	Sequence uint64 `json:"sequence" doc:"Séquence de l'événement dans le flux EVENTS"`
	// State is "delivered" or "failed".
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	// LastError is why the last attempt failed, as a short class that
	// tells nothing of the network beyond it: refused, timeout,
	// unreachable, tls, "forbidden address" (inside the network, see
	// Config.Allow), "redirect <status>" (never followed) or
	// "http <status>".
	LastError string    `json:"lastError,omitempty"`
	At        time.Time `json:"at"`
}

// Delivery states.
const (
	Delivered = "delivered"
	Failed    = "failed"
)

// Service keeps the webhooks and delivers to them.
type Service struct {
	hooks      jetstream.KeyValue
	deliveries jetstream.KeyValue
	events     jetstream.Stream
	client     *http.Client
	guard      *ssrf.Guardian
	now        func() time.Time
	// registered is the consumer's copy of the webhooks, kept by a watch
	// of their bucket, so that each event reads memory where it listed
	// the bucket (a consumer created and deleted on the server, per
	// event). A change reaches the copy a moment after it is stored, as
	// an event reaches the consumer a moment after it is written.
	registered *kvcopy.Copy[Webhook]
}

// New opens the webhooks' buckets.
func New(ctx context.Context, b *bus.Bus, cfg Config) (*Service, error) {
	hooks, err := b.KV(ctx, bus.BucketWebhooks)
	if err != nil {
		return nil, err
	}
	deliveries, err := b.KV(ctx, bus.BucketDeliveries)
	if err != nil {
		return nil, err
	}
	events, err := b.JS.Stream(ctx, bus.StreamEvents)
	if err != nil {
		return nil, err
	}
	guard := guardian(cfg.Allow)
	registered := kvcopy.New(hooks, ">", func(value []byte) (Webhook, bool) {
		var w Webhook
		return w, json.Unmarshal(value, &w) == nil
	})
	return &Service{hooks: hooks, deliveries: deliveries, events: events, client: deliveryClient(guard), guard: guard, now: time.Now,
		registered: registered}, nil
}

// Put registers or changes a webhook and returns it as stored. A new
// webhook without a secret, or one whose secret is rotated, gets a new
// one, which the returned webhook shows: the only time it is shown. A
// change that names no secret keeps the one stored, and the returned
// webhook shows none.
func (s *Service) Put(ctx context.Context, w Webhook) (Webhook, error) {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !schemas.ValidID(w.ID) {
		return w, fmt.Errorf("%w: an id in lower case and an http(s) URL are required", ErrInvalid)
	}
	if !literalAllowed(s.guard, u) {
		return w, fmt.Errorf("%w: %s", ErrForbiddenAddress, u.Hostname())
	}
	old, _, err := bus.GetJSON[Webhook](ctx, s.hooks, w.ID, ErrNotFound)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return w, err
	}
	shown := w.Secret
	switch {
	case w.RotateSecret || (w.Secret == "" && errors.Is(err, ErrNotFound)):
		var random [32]byte
		_, _ = rand.Read(random[:])
		w.Secret = base64.RawURLEncoding.EncodeToString(random[:])
		shown = w.Secret
	case w.Secret == "":
		w.Secret = old.Secret
	}
	raw, err := json.Marshal(w)
	if err != nil {
		return w, err
	}
	if _, err := s.hooks.Put(ctx, w.ID, raw); err != nil {
		return w, err
	}
	w.Secret, w.RotateSecret = shown, false
	return w, nil
}

// Get reads a webhook.
func (s *Service) Get(ctx context.Context, id string) (Webhook, error) {
	w, _, err := bus.GetJSON[Webhook](ctx, s.hooks, id, ErrNotFound)
	return w, err
}

// List reads every webhook.
func (s *Service) List(ctx context.Context) ([]Webhook, error) {
	lister, err := s.hooks.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out []Webhook
	for key := range lister.Keys() {
		w, err := s.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b Webhook) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Subjects are the events the consumer delivers: every status change,
// the stages' included.
func Subjects() []string { return []string{bus.StatusEvents} }

// Handle delivers one event to each webhook that hears it and has not had
// it yet; any failure makes the consumer try again later, for the
// webhooks that failed only.
func (s *Service) Handle(ctx context.Context, msg jetstream.Msg) error {
	md, err := msg.Metadata()
	if err != nil {
		return err
	}
	var e submit.Event
	if err := json.Unmarshal(msg.Data(), &e); err != nil || e.Status == "" {
		return nil // not a status change
	}
	hooks, err := s.registered.Values(ctx)
	if err != nil {
		return err
	}
	var failures []error
	for _, w := range hooks {
		if !w.hears(e) {
			continue
		}
		d, err := s.deliver(ctx, w, md.Sequence.Stream, msg.Data(), false)
		if err == nil && d.State == Failed {
			err = errors.New(d.LastError)
		}
		if err != nil {
			failures = append(failures, fmt.Errorf("webhook %s: %w", w.ID, err))
		}
	}
	return errors.Join(failures...)
}

// deliver posts an event to a webhook unless it had it (or again, when
// replaying), and records and returns the outcome; the error is a failure
// to record it.
func (s *Service) deliver(ctx context.Context, w Webhook, seq uint64, body []byte, replay bool) (Delivery, error) {
	key := w.ID + "." + strconv.FormatUint(seq, 10)
	d, _, err := bus.GetJSON[Delivery](ctx, s.deliveries, key, ErrNotFound)
	if err == nil && d.State == Delivered && !replay {
		return d, nil
	}
	d.Webhook, d.Sequence, d.At = w.ID, seq, s.now().UTC()
	d.Attempts++
	d.State, d.LastError = Delivered, ""
	if err := s.post(ctx, w, seq, body); err != nil {
		d.State, d.LastError = Failed, failureClass(err)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	_, err = s.deliveries.Put(ctx, key, raw)
	return d, err
}

// Signature is the value of the X-Guichet-Signature header: the hex
// HMAC-SHA256, with the webhook's secret, of the timestamp, a dot and the
// body.
func Signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (s *Service) post(ctx context.Context, w Webhook, seq uint64, body []byte) error {
	timestamp := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Guichet-Webhooks")
	req.Header.Set("X-Guichet-Delivery", strconv.FormatUint(seq, 10))
	req.Header.Set("X-Guichet-Timestamp", timestamp)
	req.Header.Set("X-Guichet-Signature", Signature(w.Secret, timestamp, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, answerLimit))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &statusError{code: resp.StatusCode}
	}
	return nil
}

// statusError is an answer other than 2xx.
type statusError struct{ code int }

func (e *statusError) Error() string {
	if e.code >= 300 && e.code < 400 {
		return "redirect " + strconv.Itoa(e.code)
	}
	return "http " + strconv.Itoa(e.code)
}

// failureClass reduces why a delivery failed to a short class, so that the
// delivery records cannot be used to scan the network behind Guichet:
// they never hold an address, a port or a system message.
func failureClass(err error) string {
	var status *statusError
	var dnsErr *net.DNSError
	var timeout interface{ Timeout() bool }
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, ssrf.ErrProhibitedIP):
		return "forbidden address"
	case errors.As(err, &status):
		return status.Error()
	case errors.As(err, &timeout) && timeout.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return "refused"
	case errors.As(err, &certErr), errors.As(err, &recordErr):
		return "tls"
	case errors.As(err, &dnsErr):
		return "unreachable"
	}
	return "unreachable"
}

// Deliveries lists a webhook's recorded deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, id string) ([]Delivery, error) {
	lister, err := s.deliveries.ListKeysFiltered(ctx, id+".*")
	if err != nil {
		return nil, err
	}
	var out []Delivery
	for key := range lister.Keys() {
		d, _, err := bus.GetJSON[Delivery](ctx, s.deliveries, key, ErrNotFound)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Delivery) int { return cmp.Compare(b.Sequence, a.Sequence) })
	return out, nil
}

// Replay delivers an event to a webhook again, whatever happened before.
func (s *Service) Replay(ctx context.Context, id string, seq uint64) (Delivery, error) {
	w, err := s.Get(ctx, id)
	if err != nil {
		return Delivery{}, err
	}
	msg, err := s.events.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Delivery{}, ErrNotFound
	}
	if err != nil {
		return Delivery{}, err
	}
	return s.deliver(ctx, w, seq, msg.Data, true)
}
