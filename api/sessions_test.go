package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/test/testkit"
)

const agentPassword = "trois pommes vertes sur la table"

func startWithAgent(t *testing.T) (*server, *testkit.Browser) {
	s := startServer(t)
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","email":"marie.weber@moselle.fr","role":"agent",`+
		`"active":true,"departments":["accueil"]}`)
	s.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{"password":"`+agentPassword+`"}`)
	return s, testkit.NewBrowser(t, s.URL)
}

func TestLoginLogoutAndRotation(t *testing.T) {
	s, b := startWithAgent(t)
	if status, _, header := b.Get("/me"); status != http.StatusSeeOther || header.Get("Location") != "/login?next=%2Fme" {
		t.Fatalf("/me before login: %d %s", status, header.Get("Location"))
	}
	_, page, _ := b.Get("/login")
	before := b.Cookie("guichet_session")
	status, body, header := b.Post("/login", url.Values{
		"id":        {"m-weber"},
		"password":  {agentPassword},
		"form_csrf": {testkit.Field(t, page, "form_csrf")},
		"next":      {"/me"},
	})
	if status != http.StatusSeeOther || header.Get("Location") != "/me" {
		t.Fatalf("login: %d %s %s", status, header.Get("Location"), body)
	}
	cookie := b.Cookie("guichet_session")
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
	status, me, _ := b.Get("/me")
	if status != 200 || !strings.Contains(me, "Marie Weber") || !strings.Contains(me, "Accueil") {
		t.Fatalf("/me: %d %s", status, me)
	}
	// Signing in again from a signed-in browser replaces the session.
	first := cookie.Value
	u, _ := url.Parse(b.URL)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{
		Name:  "guichet_form_csrf",
		Value: "jeton-de-formulaire-assez-long-pour-etre-un-vrai",
		Path:  "/",
	}})
	status, _, _ = b.Post("/login", url.Values{"id": {"m-weber"}, "password": {agentPassword},
		"form_csrf": {"jeton-de-formulaire-assez-long-pour-etre-un-vrai"}, "csrf": {testkit.Field(t, me, "csrf")}})
	if status != http.StatusSeeOther || b.Cookie("guichet_session").Value == first {
		t.Errorf("the session id was not rotated at login: %d", status)
	}
	if got := s.Do("GET", "/api/me", "", "", "Cookie", "guichet_session="+first); got.Status != http.StatusUnauthorized {
		t.Errorf("the session before rotation still works: %d", got.Status)
	}

	// Logout needs the CSRF token, then ends the session for good.
	old := b.Cookie("guichet_session").Value
	_, me, _ = b.Get("/me")
	if status, _, _ := b.Post("/logout", url.Values{}); status != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d", status)
	}
	status, _, header = b.Post("/logout", url.Values{"csrf": {testkit.Field(t, me, "csrf")}})
	if status != http.StatusSeeOther || !strings.HasPrefix(header.Get("Location"), "/login") {
		t.Errorf("logout: %d %s", status, header.Get("Location"))
	}
	if got := s.Do("GET", "/api/me", "", "", "Cookie", "guichet_session="+old); got.Status != http.StatusUnauthorized {
		t.Errorf("the session works after logout: %d", got.Status)
	}
	if status, _, _ := b.Get("/me"); status != http.StatusSeeOther {
		t.Errorf("/me after logout: %d", status)
	}
}

func TestSessionExpiryAndRevocation(t *testing.T) {
	s, b := startWithAgent(t)
	if status, _ := b.Login("m-weber", agentPassword); status != http.StatusSeeOther {
		t.Fatal("login failed")
	}
	s.clock.Advance(29 * time.Minute)
	if status, _, _ := b.Get("/me"); status != 200 {
		t.Fatalf("session ended before its idle timeout: %d", status)
	}
	s.clock.Advance(31 * time.Minute)
	if status, _, _ := b.Get("/me"); status != http.StatusSeeOther {
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
		if status, _ := b.Login("m-weber", agentPassword); status != http.StatusSeeOther {
			t.Fatal("login failed")
		}
		revoke()
		if status, _, _ := b.Get("/me"); status != http.StatusSeeOther {
			t.Errorf("revoked session still works: %d", status)
		}
	}
}

func TestCSRFIsRequired(t *testing.T) {
	s, b := startWithAgent(t)
	b.Login("m-weber", agentPassword)
	_, me, _ := b.Get("/me")
	csrf := testkit.Field(t, me, "csrf")
	if status, _, _ := b.Post("/me/tokens", url.Values{"name": {"sans jeton"}}); status != http.StatusForbidden {
		t.Errorf("form without CSRF token: %d", status)
	}
	if status, _, _ := b.Post("/me/tokens", url.Values{"name": {"faux"}, "csrf": {"faux-jeton"}}); status != http.StatusForbidden {
		t.Errorf("form with a wrong CSRF token: %d", status)
	}
	status, page, _ := b.Post("/me/tokens", url.Values{"name": {"export"}, "csrf": {csrf}})
	if status != http.StatusCreated || !regexp.MustCompile(`gch_[A-Za-z0-9_-]{43}`).MatchString(page) {
		t.Errorf("form with its CSRF token: %d", status)
	}
	// The API called with the session cookie needs the token in a header.
	cookie := "guichet_session=" + b.Cookie("guichet_session").Value
	if got := s.Do("POST", "/api/me/tokens", "", `{"name":"x"}`, "Cookie", cookie); got.Status != http.StatusForbidden {
		t.Errorf("API call with a cookie and no CSRF header: %d", got.Status)
	}
	s.Must(201, "POST", "/api/me/tokens", "", `{"name":"x"}`, "Cookie", cookie, "X-CSRF-Token", csrf)
	s.Must(200, "GET", "/api/me/tokens", "", "", "Cookie", cookie)
	// A cross-site post is refused by the browser's own headers, token or not.
	got := s.Do("POST", "/api/me/tokens", "", `{"name":"x"}`, "Cookie", cookie, "X-CSRF-Token", csrf, "Sec-Fetch-Site", "cross-site")
	if got.Status != http.StatusForbidden {
		t.Errorf("cross-site request: %d", got.Status)
	}
	// The login form has its own token.
	if status, _, _ := b.Post("/login", url.Values{"id": {"m-weber"}, "password": {agentPassword}}); status != http.StatusForbidden {
		t.Errorf("login without its CSRF token: %d", status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	_, b := startWithAgent(t)
	for i := range identity.MaxFailuresPerAccountAndAddress {
		if status, _ := b.Login("m-weber", "ce n'est pas le bon"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, status)
		}
	}
	status, page := b.Login("m-weber", agentPassword)
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
	b := testkit.NewBrowser(t, s.URL)
	b.Login("m-weber", "un mauvais mot de passe")
	b.Login("m-weber", generated)
	session := b.Cookie("guichet_session").Value
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, secret := range []string{
		agentPassword,
		generated,
		token,
		session,
		adminToken,
		"un mauvais mot de passe",
		s.app.Bootstrap.Password,
	} {
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
	s.Must(200, "PUT", "/api/accounts/"+identity.BootstrapAdminID, realAdmin, `{"name":"Administrateur initial","role":"admin",`+
		`"active":false}`)
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
	_, page, _ := b.Get("/login")
	req, err := http.NewRequest("POST", s.URL+"/login", strings.NewReader(url.Values{
		"id": {"m-weber"}, "password": {agentPassword}, "form_csrf": {testkit.Field(t, page, "form_csrf")}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	u, _ := url.Parse(s.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	resp, err := b.Client.Do(req)
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
		b := testkit.NewBrowser(t, s.URL)
		_, page, _ := b.Get("/login?next=" + url.QueryEscape(next))
		status, body, header := b.Post("/login", url.Values{
			"id":        {"m-weber"},
			"password":  {agentPassword},
			"form_csrf": {testkit.Field(t, page, "form_csrf")},
			"next":      {next},
		})
		if status != http.StatusSeeOther || header.Get("Location") != "/inbox" {
			t.Errorf("signing in with next=%q: %d, Location %q %s", next, status, header.Get("Location"), body)
		}
		// Already signed in, /login sends on at once.
		status, _, header = b.Get("/login?next=" + url.QueryEscape(next))
		if status != http.StatusSeeOther || header.Get("Location") != "/inbox" {
			t.Errorf("signed in, /login?next=%q: %d, Location %q", next, status, header.Get("Location"))
		}
	}
}

// A generated password is replaced at its holder's first sign-in by one
// they choose: the login leads to the change, which needs the current
// password, twice the new one, and ends the account's other sessions.
func TestTemporaryPasswordIsChangedAtFirstSignIn(t *testing.T) {
	s, _ := startWithAgent(t)
	given := s.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{}`).JSON(t)["password"].(string)
	other := testkit.NewBrowser(t, s.URL)
	b := testkit.NewBrowser(t, s.URL)
	_, page, _ := b.Get("/login")
	status, _, header := b.Post("/login", url.Values{
		"id":        {"m-weber"},
		"password":  {given},
		"form_csrf": {testkit.Field(t, page, "form_csrf")},
		"next":      {"/inbox"},
	})
	if status != http.StatusSeeOther || !strings.HasPrefix(header.Get("Location"), "/me/password?first=1") {
		t.Fatalf("signing in with a given password: %d %s", status, header.Get("Location"))
	}
	if status, _ := other.Login("m-weber", given); status != http.StatusSeeOther {
		t.Fatalf("a second browser: %d", status)
	}
	_, form, _ := b.Get(header.Get("Location"))
	if !strings.Contains(form, "choisi par quelqu&#39;un d&#39;autre") {
		t.Errorf("the change page does not say why")
	}
	csrf := testkit.Field(t, form, "csrf")
	change := func(current, password, confirm string) (int, http.Header) {
		status, _, header := b.Post("/me/password", url.Values{
			"csrf":     {csrf},
			"current":  {current},
			"password": {password},
			"confirm":  {confirm},
			"next":     {"/inbox"},
			"first":    {"1"},
		})
		return status, header
	}
	if status, _ := change("faux", "ma phrase à moi seule connue", "ma phrase à moi seule connue"); status != http.StatusUnprocessableEntity {
		t.Errorf("a wrong current password: %d", status)
	}
	if status, _ := change(given, "ma phrase à moi seule connue", "ma phrase a moi seule connue"); status != http.StatusUnprocessableEntity {
		t.Errorf("two different entries: %d", status)
	}
	if status, _ := change(given, "court", "court"); status != http.StatusUnprocessableEntity {
		t.Errorf("a password too short: %d", status)
	}
	status, header = change(given, "ma phrase à moi seule connue", "ma phrase à moi seule connue")
	if status != http.StatusSeeOther || header.Get("Location") != "/inbox" {
		t.Errorf("the change: %d %s", status, header.Get("Location"))
	}
	if status, _, _ := b.Get("/me"); status != http.StatusOK {
		t.Errorf("the session of the change was ended: %d", status)
	}
	if status, _, _ := other.Get("/me"); status != http.StatusSeeOther {
		t.Errorf("another session outlived the change: %d", status)
	}
	// Signing in with the chosen password goes straight on.
	third := testkit.NewBrowser(t, s.URL)
	_, page, _ = third.Get("/login")
	if _, _, header := third.Post("/login", url.Values{
		"id":        {"m-weber"},
		"password":  {"ma phrase à moi seule connue"},
		"form_csrf": {testkit.Field(t, page, "form_csrf")},
	}); header.Get("Location") != "/inbox" {
		t.Errorf("after the change, the login leads to %s", header.Get("Location"))
	}
}
