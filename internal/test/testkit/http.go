package testkit

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client sends requests to a Guichet under test over real HTTP.
type Client struct {
	T   testing.TB
	URL string
	// NoRedirects returns redirects as they come instead of following them.
	NoRedirects bool
}

// Response is an HTTP response, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v: %.500s", err, r.Body)
	}
	return v
}

// Do sends a request with an optional bearer token and JSON body; extra
// headers come in name, value pairs.
func (c Client) Do(method, path, token, body string, headers ...string) Response {
	c.T.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.URL+path, reader)
	if err != nil {
		c.T.Fatal(err)
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := http.DefaultClient
	if c.NoRedirects {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.T.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Must is Do, failing the test unless the answer has status.
func (c Client) Must(status int, method, path, token, body string, headers ...string) Response {
	c.T.Helper()
	r := c.Do(method, path, token, body, headers...)
	if r.Status != status {
		c.T.Fatalf("%s %s: status %d, want %d: %.500s", method, path, r.Status, status, r.Body)
	}
	return r
}

// WaitStatus polls a submission with its receipt token until it has been
// through status (its history holds it: a workflow may already have moved
// it on), and returns it.
func (c Client) WaitStatus(reference, token, status string) map[string]any {
	c.T.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := c.Do("GET", "/api/submissions/"+reference+"?token="+token, "", "")
		if r.Status == http.StatusOK {
			body := r.JSON(c.T)
			if reached(body, status) {
				return body
			}
		}
		if time.Now().After(deadline) {
			c.T.Fatalf("submission %s did not reach %s: %d %.500s", reference, status, r.Status, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitProcessed polls a submission's status until every stage has done
// its work: routed into its inbox, and its PDF record stored.
func (c Client) WaitProcessed(reference, token string) map[string]any {
	c.T.Helper()
	c.WaitStatus(reference, token, "documented")
	return c.WaitStatus(reference, token, "routed")
}

// reached reports whether a submission's status, as the API gives it, has
// been through status; "documented" is its PDF record being stored.
func reached(body map[string]any, status string) bool {
	if status == "documented" {
		return body["documented"] == true
	}
	history, _ := body["history"].([]any)
	for _, change := range history {
		if change.(map[string]any)["status"] == status {
			return true
		}
	}
	return false
}

// WaitReceipt polls a submission's signed receipt until it is ready, and
// returns the answer: the receipt, its encoded form and its verification
// path.
func (c Client) WaitReceipt(reference, token string) Response {
	c.T.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := c.Do("GET", "/api/submissions/"+reference+"/receipt?token="+token, "", "")
		if r.Status == http.StatusOK {
			return r
		}
		if r.Status != http.StatusNotFound || time.Now().After(deadline) {
			c.T.Fatalf("receipt of %s: %d %.500s", reference, r.Status, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
