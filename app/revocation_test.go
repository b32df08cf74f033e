package app_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/guichet/guichet/app"
)

// A password reset, a deactivation and a change of role end the account's
// sessions and revoke its API tokens, through the API and the pages; a
// token lasts 90 days unless it says otherwise, or the operator does.
func TestResetsRevokeTokensAndSessions(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir(), TokenLifetime: 30 * 24 * time.Hour})
	in.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	account := func(role string, active bool) {
		t.Helper()
		body := `{"name":"Marie Weber","role":"` + role + `","active":` + map[bool]string{
			true:  "true",
			false: "false",
		}[active] + `,"departments":["accueil"]}`
		in.Must(200, "PUT", "/api/accounts/m-weber", adminToken, body)
	}
	account("agent", true)
	ways := func() (token, session string) {
		t.Helper()
		issued := in.must(201, "POST", "/api/accounts/m-weber/tokens", adminToken, `{"name":"poste"}`)
		expires, err := time.Parse(time.RFC3339, issued["expiresAt"].(string))
		if err != nil || time.Until(expires) < 29*24*time.Hour || time.Until(expires) > 31*24*time.Hour {
			t.Errorf("a token without a lifetime expires at %v, want in 30 days", issued["expiresAt"])
		}
		id, _, err := in.app.Services.Sessions.Create(t.Context(), "m-weber")
		if err != nil {
			t.Fatal(err)
		}
		in.Must(200, "GET", "/api/me", issued["token"].(string), "")
		in.Must(200, "GET", "/api/me", "", "", "Cookie", "guichet_session="+id)
		return issued["token"].(string), "guichet_session=" + id
	}
	revoked := func(what, token, session string) {
		t.Helper()
		if got := in.Do("GET", "/api/me", token, ""); got.Status != 401 {
			t.Errorf("after %s, the API token still works: %d", what, got.Status)
		}
		if got := in.Do("GET", "/api/me", "", "", "Cookie", session); got.Status != 401 {
			t.Errorf("after %s, the session still works: %d", what, got.Status)
		}
	}

	token, session := ways()
	in.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{}`)
	revoked("a password reset", token, session)

	token, session = ways()
	account("manager", true)
	revoked("a change of role", token, session)

	token, session = ways()
	account("manager", false)
	account("manager", true)
	revoked("a deactivation", token, session)

	token, session = ways()
	in.signIn("bootstrap-admin").post(200, "/admin/accounts/m-weber/password", url.Values{})
	revoked("a password reset on the account's page", token, session)

	issued := in.must(201, "POST", "/api/accounts/m-weber/tokens", adminToken, `{"name":"court","expiresInDays":7}`)
	if issued["expiresAt"] == nil {
		t.Errorf("a token of 7 days: %v", issued)
	}
}
