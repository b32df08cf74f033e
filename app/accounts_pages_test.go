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

// An inbox's form filter offers the forms its department receives, not
// the others' nor archived ones; a part of a reference finds its dossier.
func TestInboxFilterAndSearch(t *testing.T) {
	in := startWith(t, app.Config{DataDir: t.TempDir()})
	in.Must(200, "PUT", "/api/departments/transports", adminToken, `{"name":"Transports scolaires"}`)
	in.Must(200, "PUT", "/api/departments/rh", adminToken, `{"name":"Ressources humaines"}`)
	publish := func(id, title, department string) {
		in.Must(200, "PUT", "/api/forms/"+id+"/draft", adminToken, `{"title":"`+title+`","audience":"public","schema":{"type":"object",`+
			`"properties":{"nom":{"type":"string","title":"Nom"}}},"routing":{"default":"`+department+`"}}`)
		in.Must(200, "POST", "/api/forms/"+id+"/publish", adminToken, "")
	}
	publish("carte", "Carte de transport", "transports")
	publish("conges", "Demande de congés", "rh")
	publish("ancien", "Ancien formulaire", "transports")
	in.Must(204, "POST", "/api/forms/ancien/archive", adminToken, "")
	receipt := in.Must(201, "POST", "/api/forms/carte/submissions", "", `{"data":{"nom":"Weber"}}`).JSON(t)
	ref := receipt["reference"].(string)
	in.WaitProcessed(ref, receipt["token"].(string))

	admin := in.signIn("bootstrap-admin")
	page := admin.get("/inbox/transports")
	options := regexp.MustCompile(`(?s)<select id="form" name="form">.*?</select>`).FindString(page)
	if !strings.Contains(options, "Carte de transport") || strings.Contains(options, "Demande de congés") ||
		strings.Contains(options, "Ancien formulaire") {
		t.Errorf("the form filter of the transports' inbox:\n%s", options)
	}
	if found := admin.get("/inbox/transports?q=" + strings.ToLower(ref[len(ref)-4:])); !strings.Contains(found, ref) {
		t.Errorf("part of the reference %s does not find it", ref)
	}
	if found := admin.get("/inbox/transports?q=weber"); !strings.Contains(found, ref) {
		t.Errorf("the applicant's name does not find %s", ref)
	}
	if found := admin.get("/inbox/transports?q=schmitt"); strings.Contains(found, ref) {
		t.Errorf("another name finds %s", ref)
	}
}
