package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/identity"
)

// browser is an HTTP client with cookies, like a person's browser.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	return b.read(b.client.Get(b.base + path))
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	return b.read(b.client.PostForm(b.base+path, form))
}

func (b *browser) read(resp *http.Response, err error) (int, string, http.Header) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String(), resp.Header
}

var hiddenField = regexp.MustCompile(`name="(csrf|form_csrf)" value="([^"]+)"`)

// field reads a hidden field's value from a page.
func field(t *testing.T, page, name string) string {
	t.Helper()
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no %s field in the page", name)
	return ""
}

func (b *browser) login(id, password string) (int, string) {
	b.t.Helper()
	_, page, _ := b.get("/login")
	status, body, _ := b.post("/login", url.Values{"id": {id}, "password": {password}, "form_csrf": {field(b.t, page, "form_csrf")}})
	return status, body
}

func (b *browser) sessionCookie() *http.Cookie {
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "guichet_session" {
			return c
		}
	}
	return nil
}

const agentPassword = "trois pommes vertes sur la table"

func startWithAgent(t *testing.T) (*server, *browser) {
	s := startServer(t)
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","email":"marie.weber@moselle.fr","role":"agent","active":true,"departments":["accueil"]}`)
	s.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{"password":"`+agentPassword+`"}`)
	return s, newBrowser(t, s.URL)
}

func TestLoginLogoutAndRotation(t *testing.T) {
	s, b := startWithAgent(t)
	if status, _, header := b.get("/me"); status != http.StatusSeeOther || header.Get("Location") != "/login?next=%2Fme" {
		t.Fatalf("/me before login: %d %s", status, header.Get("Location"))
	}
	_, page, _ := b.get("/login")
	before := b.sessionCookie()
	status, body, header := b.post("/login", url.Values{"id": {"m-weber"}, "password": {agentPassword}, "form_csrf": {field(t, page, "form_csrf")}, "next": {"/me"}})
	if status != http.StatusSeeOther || header.Get("Location") != "/me" {
		t.Fatalf("login: %d %s %s", status, header.Get("Location"), body)
	}
	cookie := b.sessionCookie()
	if cookie == nil || (before != nil && before.Value == cookie.Value) {
		t.Fatalf("no new session cookie after login: %v", cookie)
	}
	setCookie := header.Values("Set-Cookie")
	var sessionHeader string
	for _, c := range setCookie {
		if strings.HasPrefix(c, "guichet_session=") {
			sessionHeader = c
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sessionHeader, want) {
			t.Errorf("session cookie %q lacks %s", sessionHeader, want)
		}
	}
	status, me, _ := b.get("/me")
	if status != 200 || !strings.Contains(me, "Marie Weber") || !strings.Contains(me, "Accueil") {
		t.Fatalf("/me: %d %s", status, me)
	}
	// Signing in again from a signed-in browser replaces the session.
	first := cookie.Value
	u, _ := url.Parse(b.base)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "guichet_form_csrf", Value: "jeton-de-formulaire-assez-long-pour-etre-un-vrai", Path: "/"}})
	status, _, _ = b.post("/login", url.Values{"id": {"m-weber"}, "password": {agentPassword},
		"form_csrf": {"jeton-de-formulaire-assez-long-pour-etre-un-vrai"}, "csrf": {field(t, me, "csrf")}})
	if status != http.StatusSeeOther || b.sessionCookie().Value == first {
		t.Errorf("the session id was not rotated at login: %d", status)
	}
	if got := s.Do("GET", "/api/me", "", "", "Cookie", "guichet_session="+first); got.Status != http.StatusUnauthorized {
		t.Errorf("the session before rotation still works: %d", got.Status)
	}

	// Logout needs the CSRF token, then ends the session for good.
	old := b.sessionCookie().Value
	_, me, _ = b.get("/me")
	if status, _, _ := b.post("/logout", url.Values{}); status != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d", status)
	}
	if status, _, header := b.post("/logout", url.Values{"csrf": {field(t, me, "csrf")}}); status != http.StatusSeeOther || !strings.HasPrefix(header.Get("Location"), "/login") {
		t.Errorf("logout: %d %s", status, header.Get("Location"))
	}
	if got := s.Do("GET", "/api/me", "", "", "Cookie", "guichet_session="+old); got.Status != http.StatusUnauthorized {
		t.Errorf("the session works after logout: %d", got.Status)
	}
	if status, _, _ := b.get("/me"); status != http.StatusSeeOther {
		t.Errorf("/me after logout: %d", status)
	}
}

func TestSessionExpiryAndRevocation(t *testing.T) {
	s, b := startWithAgent(t)
	if status, _ := b.login("m-weber", agentPassword); status != http.StatusSeeOther {
		t.Fatal("login failed")
	}
	s.clock.Advance(29 * time.Minute)
	if status, _, _ := b.get("/me"); status != 200 {
		t.Fatalf("session ended before its idle timeout: %d", status)
	}
	s.clock.Advance(31 * time.Minute)
	if status, _, _ := b.get("/me"); status != http.StatusSeeOther {
		t.Errorf("idle session still works: %d", status)
	}
	// Deactivating the account, or resetting its password, ends its sessions.
	for _, revoke := range []func(){
		func() {
			s.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","role":"agent","active":false,"departments":["accueil"]}`)
			s.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","role":"agent","active":true,"departments":["accueil"]}`)
		},
		func() {
			s.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{"password":"`+agentPassword+`"}`)
		},
	} {
		if status, _ := b.login("m-weber", agentPassword); status != http.StatusSeeOther {
			t.Fatal("login failed")
		}
		revoke()
		if status, _, _ := b.get("/me"); status != http.StatusSeeOther {
			t.Errorf("revoked session still works: %d", status)
		}
	}
}

func TestCSRFIsRequired(t *testing.T) {
	s, b := startWithAgent(t)
	b.login("m-weber", agentPassword)
	_, me, _ := b.get("/me")
	csrf := field(t, me, "csrf")
	if status, _, _ := b.post("/me/tokens", url.Values{"name": {"sans jeton"}}); status != http.StatusForbidden {
		t.Errorf("form without CSRF token: %d", status)
	}
	if status, _, _ := b.post("/me/tokens", url.Values{"name": {"faux"}, "csrf": {"faux-jeton"}}); status != http.StatusForbidden {
		t.Errorf("form with a wrong CSRF token: %d", status)
	}
	status, page, _ := b.post("/me/tokens", url.Values{"name": {"export"}, "csrf": {csrf}})
	if status != http.StatusCreated || !regexp.MustCompile(`gch_[A-Za-z0-9_-]{43}`).MatchString(page) {
		t.Errorf("form with its CSRF token: %d", status)
	}
	// The API called with the session cookie needs the token in a header.
	cookie := "guichet_session=" + b.sessionCookie().Value
	if got := s.Do("POST", "/api/me/tokens", "", `{"name":"x"}`, "Cookie", cookie); got.Status != http.StatusForbidden {
		t.Errorf("API call with a cookie and no CSRF header: %d", got.Status)
	}
	s.Must(201, "POST", "/api/me/tokens", "", `{"name":"x"}`, "Cookie", cookie, "X-CSRF-Token", csrf)
	s.Must(200, "GET", "/api/me/tokens", "", "", "Cookie", cookie)
	// A cross-site post is refused by the browser's own headers, token or not.
	if got := s.Do("POST", "/api/me/tokens", "", `{"name":"x"}`, "Cookie", cookie, "X-CSRF-Token", csrf, "Sec-Fetch-Site", "cross-site"); got.Status != http.StatusForbidden {
		t.Errorf("cross-site request: %d", got.Status)
	}
	// The login form has its own token.
	if status, _, _ := b.post("/login", url.Values{"id": {"m-weber"}, "password": {agentPassword}}); status != http.StatusForbidden {
		t.Errorf("login without its CSRF token: %d", status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	_, b := startWithAgent(t)
	for i := range identity.MaxFailuresPerAccountAndAddress {
		if status, _ := b.login("m-weber", "ce n'est pas le bon"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, status)
		}
	}
	status, page := b.login("m-weber", agentPassword)
	if status != http.StatusTooManyRequests || !strings.Contains(page, "Trop de tentatives") {
		t.Errorf("after %d failures the right password gives %d", identity.MaxFailuresPerAccountAndAddress, status)
	}
}

// Passwords, tokens and session ids never reach the logs.
func TestSecretsStayOutOfLogs(t *testing.T) {
	var logs bytes.Buffer
	s := startServerWith(t, app.Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	s.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","role":"agent","active":true}`)
	s.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{"password":"`+agentPassword+`"}`)
	generated := s.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{}`).JSON(t)["password"].(string)
	token := s.Must(201, "POST", "/api/accounts/m-weber/tokens", adminToken, `{"name":"t"}`).JSON(t)["token"].(string)
	b := newBrowser(t, s.URL)
	b.login("m-weber", "un mauvais mot de passe")
	b.login("m-weber", generated)
	session := b.sessionCookie().Value
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, secret := range []string{agentPassword, generated, token, session, adminToken, "un mauvais mot de passe", s.app.Bootstrap.Password} {
		if secret != "" && strings.Contains(logs.String(), secret) {
			t.Errorf("a secret is in the logs: %.8s…", secret)
		}
	}
}

// The bootstrap admin creates the first real admin, who then disables it;
// the last active admin cannot be disabled.
func TestBootstrapAdminHandsOver(t *testing.T) {
	s := startServer(t)
	s.Must(200, "PUT", "/api/accounts/a-roth", adminToken, `{"name":"Hélène Roth","role":"admin","active":true}`)
	realAdmin := s.Must(201, "POST", "/api/accounts/a-roth/tokens", adminToken, `{"name":"poste"}`).JSON(t)["token"].(string)
	s.Must(200, "PUT", "/api/accounts/"+identity.BootstrapAdminID, realAdmin, `{"name":"Administrateur initial","role":"admin","active":false}`)
	s.Must(401, "GET", "/api/accounts", adminToken, "")
	s.Must(200, "GET", "/api/accounts", realAdmin, "")
	problem := s.Must(409, "PUT", "/api/accounts/a-roth", realAdmin, `{"name":"Hélène Roth","role":"agent","active":true}`).JSON(t)
	if !strings.Contains(problem["detail"].(string), "dernier administrateur actif") {
		t.Errorf("demoting the last admin: %v", problem)
	}
	s.Must(409, "PUT", "/api/accounts/a-roth", realAdmin, `{"name":"Hélène Roth","role":"admin","active":false}`)
}

// Behind a TLS-terminating proxy the session cookie is Secure and bound to the host.
func TestSecureCookieBehindTLSProxy(t *testing.T) {
	s, b := startWithAgent(t)
	_, page, _ := b.get("/login")
	req, err := http.NewRequest("POST", s.URL+"/login", strings.NewReader(url.Values{
		"id": {"m-weber"}, "password": {agentPassword}, "form_csrf": {field(t, page, "form_csrf")}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	u, _ := url.Parse(s.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "__Host-guichet_session=") {
			cookie = c
		}
	}
	for _, want := range []string{"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
}

// ?next= never sends anyone off the site after signing in, whatever a
// browser would make of its tabs, newlines or backslashes.
func TestNoOpenRedirectAfterSignIn(t *testing.T) {
	s, _ := startWithAgent(t)
	for _, next := range []string{"/\t/evil.example/x", "/\\evil.example", "//evil.example", "https://evil.example", "/\r\n/evil.example"} {
		b := newBrowser(t, s.URL)
		_, page, _ := b.get("/login?next=" + url.QueryEscape(next))
		status, body, header := b.post("/login", url.Values{"id": {"m-weber"}, "password": {agentPassword}, "form_csrf": {field(t, page, "form_csrf")}, "next": {next}})
		if status != http.StatusSeeOther || header.Get("Location") != "/me" {
			t.Errorf("signing in with next=%q: %d, Location %q %s", next, status, header.Get("Location"), body)
		}
		// Already signed in, /login sends on at once.
		if status, _, header := b.get("/login?next=" + url.QueryEscape(next)); status != http.StatusSeeOther || header.Get("Location") != "/me" {
			t.Errorf("signed in, /login?next=%q: %d, Location %q", next, status, header.Get("Location"))
		}
	}
}
