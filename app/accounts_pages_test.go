package app_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/guichet/guichet/app"
)

// The accounts' pages read as an admin needs them: departments by name,
// the login id of an account once saved, and only managers offered as
// its manager.
func TestAccountPagesForAdmins(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/transports", adminToken, `{"name":"Transports scolaires"}`)
	in.Must(200, "PUT", "/api/accounts/c-schmitt", adminToken, `{"name":"Claire Schmitt","role":"manager","active":true,`+
		`"departments":["transports"]}`)
	in.Must(200, "PUT", "/api/accounts/p-klein", adminToken, `{"name":"Paul Klein","role":"agent","active":true,`+
		`"departments":["transports"]}`)
	admin := in.signIn("bootstrap-admin")
	if list := admin.get("/admin/accounts"); !strings.Contains(list, `<span class="tag">Transports scolaires</span>`) {
		t.Error("the accounts list does not name the departments")
	}
	page := admin.get("/admin/accounts/p-klein")
	if !strings.Contains(page, `<strong id="login-id">p-klein</strong>`) {
		t.Error("the account's page does not show its login id")
	}
	manager := regexp.MustCompile(`(?s)<select id="manager".*?</select>`).FindString(page)
	if !strings.Contains(manager, "Claire Schmitt") || strings.Contains(manager, "Administrat") {
		t.Errorf("the manager field offers more than the managers:\n%s", manager)
	}
}
