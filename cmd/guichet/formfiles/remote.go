package formfiles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/guichet/guichet/api"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Remote is a running Guichet, reached through its API with an admin's
// token.
type Remote struct {
	// URL is the server's address, for example http://127.0.0.1:8080.
	URL   string
	Token string
	Lang  locale.Lang
	// Client defaults to http.DefaultClient.
	Client *http.Client
}

// Export implements Store.
func (r *Remote) Export(ctx context.Context, id string, version int) (api.ExportBody, error) {
	var body api.ExportBody
	query := url.Values{}
	if version > 0 {
		query.Set("version", strconv.Itoa(version))
	}
	raw, err := r.call(ctx, http.MethodGet, "/api/forms/"+url.PathEscape(id)+"/export?"+query.Encode(), nil)
	if err != nil {
		return body, err
	}
	return body, json.Unmarshal(raw, &body)
}

// Import implements Store.
func (r *Remote) Import(ctx context.Context, body api.ExportBody, publish bool) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	if _, err := r.call(ctx, http.MethodPost, "/api/forms/import", raw); err != nil {
		return 0, err
	}
	if !publish {
		return 0, nil
	}
	raw, err = r.call(ctx, http.MethodPost, "/api/forms/"+url.PathEscape(body.ID)+"/publish", nil)
	if err != nil {
		return 0, err
	}
	var published struct {
		Version int `json:"version"`
	}
	return published.Version, json.Unmarshal(raw, &published)
}

// Close implements Store.
func (r *Remote) Close() {}

// call sends one request and returns the body of a 2xx answer; any other
// answer becomes an error with the server's own explanation.
func (r *Remote) call(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(r.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	req.Header.Set("Accept-Language", string(r.Lang))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return raw, nil
	}
	var problem struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Location string `json:"location"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(raw, &problem) != nil || problem.Title == "" {
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if resp.StatusCode == http.StatusUnprocessableEntity && len(problem.Errors) > 0 {
		refused := &ProblemsError{}
		for _, e := range problem.Errors {
			// The server names the body's fields; the file is the body.
			refused.Problems = append(refused.Problems, schemas.Problem{
				Location: strings.TrimPrefix(e.Location, "body."),
				Message:  locale.Text{FR: e.Message, EN: e.Message},
			})
		}
		return nil, refused
	}
	return nil, fmt.Errorf("%s (%d): %s", problem.Title, resp.StatusCode, problem.Detail)
}
