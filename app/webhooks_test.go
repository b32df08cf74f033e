package app_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/webhooks"
)

// receiver is a webhook endpoint that checks signatures and can fail.
type receiver struct {
	mu       sync.Mutex
	secret   string
	failing  bool
	statuses []string
	bad      int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if webhooks.Signature(r.secret, req.Header.Get("X-Guichet-Timestamp"), body) != req.Header.Get("X-Guichet-Signature") {
		r.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.failing {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	for _, s := range []string{"received", "documented", "routed"} {
		if strings.Contains(string(body), `"status":"`+s+`"`) {
			r.statuses = append(r.statuses, s)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// hits counts the requests r had, signed rightly or not.
func (r *receiver) hits() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.statuses) + r.bad
}

func (r *receiver) seen() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.statuses, " ")
}

// loopback opens the test's own listeners to the webhooks, which
// otherwise call public addresses only.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// startWithGrantForm starts Guichet with the grant form published for
// the reception department, its webhooks allowed to call allow.
func startWithGrantForm(t *testing.T, allow ...netip.Prefix) *instance {
	in := startWith(t, app.Config{DataDir: t.TempDir(), WebhookAllow: allow})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	in.Must(200, "PUT", "/api/forms/bourse/draft", adminToken, grantForm)
	in.Must(200, "POST", "/api/forms/bourse/publish", adminToken, "")
	return in
}

// waitHeard submits a grant request, waits until it is routed, and then
// until r has heard want.
func (in *instance) waitHeard(r *receiver, want string) {
	in.t.Helper()
	receipt := in.must(201, "POST", "/api/forms/bourse/submissions", "", `{"data":{"nom":"Weber"}}`)
	in.WaitStatus(receipt["reference"].(string), receipt["token"].(string), "routed")
	deadline := time.Now().Add(10 * time.Second)
	for r.seen() != want {
		if time.Now().After(deadline) {
			in.t.Fatalf("the webhook heard %q, want %q", r.seen(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Status changes reach a webhook, signed; while it fails the deliveries
// are retried then shown failed, and a replay delivers them after the fix.
func TestWebhooks(t *testing.T) {
	in := startWithGrantForm(t, loopback...)
	r := &receiver{secret: "un secret partagé assez long"}
	server := httptest.NewServer(r)
	defer server.Close()
	saved := in.must(
		200,
		"PUT",
		"/api/webhooks/si-metier",
		adminToken,
		`{"url":"`+server.URL+`","secret":"`+r.secret+`","statuses":["received","routed"],"active":true}`,
	)
	if saved["secret"] != r.secret {
		t.Errorf("saved webhook: %v", saved)
	}
	if list := string(in.Must(200, "GET", "/api/webhooks", adminToken, "").Body); strings.Contains(list, r.secret) {
		t.Errorf("the list shows the secret: %s", list)
	}
	in.Must(422, "PUT", "/api/webhooks/Mauvais", adminToken, `{"url":"ftp://x","active":true}`)

	in.waitHeard(r, "received routed")
	deadline := time.Now().Add(10 * time.Second)

	r.mu.Lock()
	r.failing = true
	r.mu.Unlock()
	in.must(201, "POST", "/api/forms/bourse/submissions", "", `{"data":{"nom":"Klein"}}`)
	var failed map[string]any
	for failed == nil {
		for _, d := range in.must(200, "GET", "/api/webhooks/si-metier/deliveries", adminToken, "")["items"].([]any) {
			if d := d.(map[string]any); d["state"] == "failed" && d["attempts"].(float64) >= 6 {
				failed = d
			}
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf(
				"no delivery shown failed after its attempts: %s",
				in.Must(200, "GET", "/api/webhooks/si-metier/deliveries", adminToken, "").Body,
			)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(failed["lastError"].(string), "503") {
		t.Errorf("failed delivery: %v", failed)
	}
	r.mu.Lock()
	r.failing = false
	r.mu.Unlock()
	replayed := in.must(
		200,
		"POST",
		fmt.Sprintf("/api/webhooks/si-metier/deliveries/%d/replay", int(failed["sequence"].(float64))),
		adminToken,
		"",
	)
	// The replayed "received" arrives; the consumer's own retries may deliver
	// the rest in any order.
	if replayed["state"] != "delivered" || strings.Count(r.seen(), "received") < 2 {
		t.Errorf("replay: %v, heard %q", replayed, r.seen())
	}
	in.Must(404, "POST", "/api/webhooks/inconnu/deliveries/1/replay", adminToken, "")
	if r.bad != 0 {
		t.Errorf("%d deliveries with a bad signature", r.bad)
	}
}

// waitDelivery polls a webhook's deliveries until one failed, and returns it.
func (in *instance) waitFailedDelivery(id string) map[string]any {
	in.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, d := range in.must(200, "GET", "/api/webhooks/"+id+"/deliveries", adminToken, "")["items"].([]any) {
			if d := d.(map[string]any); d["state"] == "failed" {
				return d
			}
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("no failed delivery to %s", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A webhook's secret is shown once, when it is generated; deliveries
// follow no redirect; a failure is recorded as a short class, never with
// the address or the system's message.
func TestWebhookSecretsRedirectsAndErrors(t *testing.T) {
	in := startWithGrantForm(t, loopback...)

	r := &receiver{}
	server := httptest.NewServer(r)
	defer server.Close()
	created := in.must(200, "PUT", "/api/webhooks/si-metier", adminToken, `{"url":"`+server.URL+`","statuses":["received"],"active":true}`)
	secret, _ := created["secret"].(string)
	if len(secret) < 40 {
		t.Fatalf("a new webhook's secret: %v", created)
	}
	changed := in.Must(
		200,
		"PUT",
		"/api/webhooks/si-metier",
		adminToken,
		`{"url":"`+server.URL+`/v2","statuses":["received"],"active":true}`,
	)
	if strings.Contains(string(changed.Body), secret) || strings.Contains(string(changed.Body), `"secret"`) {
		t.Errorf("a change without a secret shows the stored one: %s", changed.Body)
	}
	r.mu.Lock()
	r.secret = secret // kept through the change
	r.mu.Unlock()
	receipt := in.must(201, "POST", "/api/forms/bourse/submissions", "", `{"data":{"nom":"Weber"}}`)
	in.WaitStatus(receipt["reference"].(string), receipt["token"].(string), "routed")
	for deadline := time.Now().Add(10 * time.Second); r.seen() != "received"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the webhook heard %q, bad signatures %d", r.seen(), r.bad)
		}
	}
	rotated := in.must(200, "PUT", "/api/webhooks/si-metier", adminToken, `{"url":"`+server.URL+`","rotateSecret":true,"active":false}`)
	if s, _ := rotated["secret"].(string); len(s) < 40 || s == secret {
		t.Errorf("a rotated secret: %v", rotated)
	}

	// A redirect is never followed, with its signed body.
	target := &receiver{}
	elsewhere := httptest.NewServer(target)
	defer elsewhere.Close()
	redirecting := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/interne", http.StatusTemporaryRedirect))
	defer redirecting.Close()
	in.must(200, "PUT", "/api/webhooks/redirige", adminToken, `{"url":"`+redirecting.URL+`","statuses":["received"],"active":true}`)
	// A closed port: the error says refused, and nothing of the address.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	in.must(200, "PUT", "/api/webhooks/ferme", adminToken, `{"url":"`+closedURL+`","statuses":["received"],"active":true}`)
	in.must(201, "POST", "/api/forms/bourse/submissions", "", `{"data":{"nom":"Klein"}}`)

	if d := in.waitFailedDelivery("redirige"); d["lastError"] != "redirect 307" {
		t.Errorf("a redirected delivery: %v", d)
	}
	if hits := target.hits(); hits != 0 {
		t.Errorf("the redirect was followed: %d requests reached its target", hits)
	}
	if d := in.waitFailedDelivery("ferme"); d["lastError"] != "refused" {
		t.Errorf("a delivery to a closed port: %v", d)
	}
	body := string(in.Must(200, "GET", "/api/webhooks/ferme/deliveries", adminToken, "").Body)
	if strings.Contains(body, "127.0.0.1") || strings.Contains(body, "connect") {
		t.Errorf("the delivery records tell of the network: %s", body)
	}
}

// A change to a webhook applies to the events handled after it, although
// the consumer reads the webhooks from its own copy.
func TestWebhookChangeHeard(t *testing.T) {
	in := startWithGrantForm(t, loopback...)
	r := &receiver{secret: "un secret partagé assez long"}
	server := httptest.NewServer(r)
	defer server.Close()
	hook := func(status string) {
		in.Must(
			200,
			"PUT",
			"/api/webhooks/si-metier",
			adminToken,
			`{"url":"`+server.URL+`","secret":"`+r.secret+`","statuses":["`+status+`"],"active":true}`,
		)
	}
	hook("routed")
	in.waitHeard(r, "routed")
	hook("received")
	in.waitHeard(r, "routed received")
	in.Must(200, "PUT", "/api/webhooks/si-metier", adminToken, `{"url":"`+server.URL+`","active":false}`)
	// The events of the submissions before are all handled: a webhook
	// registered now hears only what comes after.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := in.app.Bus.JS.Consumer(t.Context(), bus.StreamEvents, bus.ConsumerWebhooks)
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(t.Context())
		if err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhooks' consumer still has events to handle: %v %v", info, err)
		}
	}
	other := &receiver{secret: "un autre secret assez long"}
	otherServer := httptest.NewServer(other)
	defer otherServer.Close()
	in.Must(
		200,
		"PUT",
		"/api/webhooks/autre",
		adminToken,
		`{"url":"`+otherServer.URL+`","secret":"`+other.secret+`","statuses":["routed"],`+
			`"active":true}`,
	)
	in.waitHeard(other, "routed")
	if r.seen() != "routed received" {
		t.Errorf("the deactivated webhook heard %q", r.seen())
	}
}

// listenOn starts a test server on address, such as "[::1]:0".
func listenOn(t *testing.T, address string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", address)
	if err != nil {
		t.Skipf("no listener on %s: %v", address, err)
	}
	server := httptest.NewUnstartedServer(h)
	server.Listener = ln
	server.Start()
	t.Cleanup(server.Close)
	return server
}

// By default a webhook never reaches inside the network: an address
// inside it is refused at registration, a name that resolves inside it is
// refused when the delivery connects, and the refusal is recorded. The
// webhook-allow setting opens a network on purpose, and a redirect from
// an allowed host is still not followed.
func TestWebhooksStayOutsideTheNetwork(t *testing.T) {
	r := &receiver{}
	v4 := listenOn(t, "127.0.0.1:0", r)
	v6 := listenOn(t, "[::1]:0", r)
	port := v4.Listener.Addr().(*net.TCPAddr).Port

	in := startWithGrantForm(t)
	for _, url := range []string{
		v4.URL, v6.URL, "http://[::ffff:127.0.0.1]:" + strconv.Itoa(port), "http://169.254.169.254/latest/meta-data/",
		"http://10.1.2.3/", "http://192.168.1.1/", "http://[fd00::1]/", "http://[fe80::1]/", "http://0.0.0.0/", "http://224.0.0.1/",
	} {
		got := in.Do("PUT", "/api/webhooks/interne", adminToken, `{"url":"`+url+`","active":true}`)
		if got.Status != http.StatusUnprocessableEntity || !strings.Contains(string(got.Body), "webhook-allow") {
			t.Errorf("%s: %d %s, want 422 naming webhook-allow", url, got.Status, got.Body)
		}
	}
	// localhost is a name: it is checked when the delivery connects.
	in.must(200, "PUT", "/api/webhooks/nom-local", adminToken,
		`{"url":"http://localhost:`+strconv.Itoa(port)+`/","statuses":["received"],"active":true}`)
	in.must(201, "POST", "/api/forms/bourse/submissions", "", `{"data":{"nom":"Weber"}}`)
	if d := in.waitFailedDelivery("nom-local"); d["lastError"] != "forbidden address" {
		t.Errorf("a delivery to a name inside the network: %v", d)
	}
	if hits := r.hits(); hits != 0 {
		t.Errorf("the listener inside the network was reached %d times", hits)
	}

	// Opened on purpose: [::1] is called, and its redirect to 127.0.0.1
	// is not followed.
	allowed := startWithGrantForm(t, netip.MustParsePrefix("::1/128"))
	heard := &receiver{secret: "un secret partagé assez long"}
	target := listenOn(t, "[::1]:0", heard)
	allowed.must(200, "PUT", "/api/webhooks/ouvert", adminToken,
		`{"url":"`+target.URL+`","secret":"`+heard.secret+`","statuses":["received"],"active":true}`)
	redirecting := listenOn(t, "[::1]:0", http.RedirectHandler(v4.URL+"/interne", http.StatusFound))
	allowed.must(200, "PUT", "/api/webhooks/redirige", adminToken, `{"url":"`+redirecting.URL+`","statuses":["received"],"active":true}`)
	allowed.waitHeard(heard, "received")
	if d := allowed.waitFailedDelivery("redirige"); d["lastError"] != "redirect 302" {
		t.Errorf("a redirect to 127.0.0.1: %v", d)
	}
	if hits := r.hits(); hits != 0 {
		t.Errorf("the redirect reached 127.0.0.1: %d requests", hits)
	}
}
