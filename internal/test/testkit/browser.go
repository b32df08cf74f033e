package testkit

import (
	"bytes"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
)

// Browser is an HTTP client that keeps cookies and does not follow
// redirects, like a person's browser seen one request at a time: for
// tests of the pages that need no script.
type Browser struct {
	T      testing.TB
	URL    string
	Client *http.Client
}

// NewBrowser opens a browser on the site at base.
func NewBrowser(t testing.TB, base string) *Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Browser{T: t, URL: base, Client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Get loads a page.
func (b *Browser) Get(path string) (int, string, http.Header) {
	b.T.Helper()
	return b.read(b.Client.Get(b.URL + path))
}

// Post sends a form.
func (b *Browser) Post(path string, form url.Values) (int, string, http.Header) {
	b.T.Helper()
	return b.read(b.Client.PostForm(b.URL+path, form))
}

func (b *Browser) read(resp *http.Response, err error) (int, string, http.Header) {
	b.T.Helper()
	if err != nil {
		b.T.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String(), resp.Header
}

// Login signs in with an id and a password through the login page.
func (b *Browser) Login(id, password string) (int, string) {
	b.T.Helper()
	_, page, _ := b.Get("/login")
	status, body, _ := b.Post("/login", url.Values{"id": {id}, "password": {password}, "form_csrf": {Field(b.T, page, "form_csrf")}})
	return status, body
}

// Cookie returns the browser's cookie of that name, or nil.
func (b *Browser) Cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// Field reads a hidden field's value from a page; its absence fails the test.
func Field(t testing.TB, page, name string) string {
	t.Helper()
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no %s field in the page", name)
	return ""
}
