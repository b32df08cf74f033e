package app_test

import (
	"strings"
	"testing"
)

// After submissions, /metrics counts them by form and outcome, counts the
// requests by route (the pattern, not the path) and status, and reports
// what SUBMISSIONS holds.
func TestMetricsAfterSubmissions(t *testing.T) {
	g := start(t, t.TempDir(), true)
	g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	g.must(201, "POST", "/api/forms/subvention-association/submissions", "", association)
	g.Must(422, "POST", "/api/forms/subvention-association/submissions", "", `{"data":{}}`)
	g.Must(404, "POST", "/api/forms/inconnu-123/submissions", "", association)
	body := string(g.Must(200, "GET", "/metrics", adminToken, "").Body)
	for _, line := range []string{
		`guichet_submissions_total{form="subvention-association",outcome="accepted"} 2`,
		`guichet_submissions_total{form="subvention-association",outcome="invalid"} 1`,
		`guichet_http_requests_total{code="201",method="post",route="POST /api/forms/{id}/submissions"} 2`,
		`guichet_http_requests_total{code="422",method="post",route="POST /api/forms/{id}/submissions"} 1`,
		`guichet_http_request_duration_seconds_count{method="post",route="POST /api/forms/{id}/submissions"} 4`,
		`guichet_stream_messages{stream="SUBMISSIONS"} 2`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("no %s in /metrics", line)
		}
	}
	// A form that does not exist is not a label: anybody could make
	// up as many as they like.
	if strings.Contains(body, "inconnu-123") {
		t.Error("an unknown form's name is in /metrics")
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}
