package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/identity"
	"github.com/guichet/guichet/internal/test/testkit"
	"github.com/guichet/guichet/uploads"
)

const publicForm = `{
	"title": "Aide au permis de conduire", "audience": "public",
	"schema": {"type": "object", "required": ["nom"], "properties": {"nom": {"type": "string", "title": "Nom"},
		"commune": {"type": "string", "title": "Commune"},
		"piece": {"type": "string", "format": "data-url", "title": "Pièce justificative"}}},
	"routing": {"default": "accueil", "rules": [{"when": {"properties": {"commune": {"const": "Thionville"}}, "required": ["commune"]},
		"department": "finances"}]}
}`

const internalForm = `{
	"title": "Demande de congés", "audience": "internal",
	"schema": {"type": "object", "properties": {"jours": {"type": "number", "title": "Nombre de jours"}}},
	"routing": {"default": "accueil"}
}`

// caller is one kind of visitor of the matrix.
type caller struct {
	name string
	// account signs the caller in: with a bearer token on the API, with a
	// session cookie on pages. Empty for anonymous callers.
	account string
	// bearer, when set, is sent on every route instead: a bad credential.
	bearer string
	// cookie, when set, is an expired session sent on every route.
	cookie string
	// receipt adds the submission's receipt token to the query.
	receipt bool
	// viaSession signs the caller in with a session on the API too.
	viaSession bool
}

// world is the organisation the matrix runs in.
type world struct {
	s         *server
	tokens    map[string]string // account → API token
	reference string
	receipt   string
	created   int
	// decided is the position of the decision on reference, once made.
	decided string
	// messageWithFile is the ID of the applicant's message on reference
	// that carries a file.
	messageWithFile string
}

// setUp creates two departments, one account per role, a public and an
// internal form, and a routed submission.
func setUp(t *testing.T) *world {
	s := startServer(t)
	w := &world{s: s, tokens: map[string]string{}}
	s.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
	s.Must(200, "PUT", "/api/departments/finances", adminToken, `{"name":"Finances"}`)
	for _, a := range []struct{ id, role, dept string }{
		{"agent-a", "agent", "accueil"}, {"agent-b", "agent", "finances"}, {"chef-b", "manager", "finances"},
		{"admin-2", "admin", ""}, {"agent-parti", "agent", "accueil"}, {"agent-reserve", "agent", "accueil"}, {"agent-mdp", "agent", ""},
	} {
		w.tokens[a.id] = s.issueToken(a.id, a.role, true, strings.Fields(a.dept)...)
	}
	s.Must(200, "POST", "/api/accounts/agent-reserve/password", adminToken, `{"password":"une phrase de passe assez longue"}`)
	// The reset revoked its token: a new one.
	w.tokens["agent-reserve"] = s.issueToken("agent-reserve", "agent", true, "accueil")
	s.Must(200, "PUT", "/api/forms/permis/draft", adminToken, publicForm)
	s.Must(200, "POST", "/api/forms/permis/publish", adminToken, "")
	s.Must(200, "PUT", "/api/forms/jetable/draft", adminToken, publicForm)
	s.Must(200, "POST", "/api/forms/jetable/publish", adminToken, "")
	s.Must(200, "PUT", "/api/webhooks/si", adminToken, `{"url":"https://si.example.org/evenements","active":false}`)
	s.Must(200, "PUT", "/api/forms/ancien/draft", adminToken, publicForm)
	s.Must(200, "PUT", "/api/forms/historique/draft", adminToken, publicForm)
	s.Must(200, "PUT", "/api/forms/etapes/draft", adminToken, strings.Replace(publicForm, `"routing"`,
		`"uiSchema": {"ui:steps": [{"title": "Vous", "fields": ["nom"]}, {"title": "Où", "fields": ["commune", "piece"]}]}, "routing"`, 1))
	s.Must(200, "PUT", "/api/forms/retirable/draft", adminToken, publicForm)
	s.Must(200, "POST", "/api/forms/retirable/publish", adminToken, "")
	s.Must(
		200,
		"PUT",
		"/api/forms/valide/draft",
		adminToken,
		strings.Replace(internalForm, `"routing"`, `"workflow": {"steps": [{"title": `+
			`"Responsable", "approver": "manager"}]}, "routing"`, 1),
	)
	s.Must(200, "POST", "/api/forms/valide/publish", adminToken, "")
	s.Must(200, "PUT", "/api/forms/conges/draft", adminToken, internalForm)
	s.Must(200, "POST", "/api/forms/conges/publish", adminToken, "")
	receipt := s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Dupont","piece":"`+samplePDF+`"}}`).JSON(t)
	w.reference, w.receipt = receipt["reference"].(string), receipt["token"].(string)
	s.WaitStatus(w.reference, w.receipt, "routed")
	ctx := context.Background()
	services := s.app.Services
	file, err := services.Uploads.Receive(ctx, "", "quittance.pdf", backoffice.MessageFiles, strings.NewReader(samplePDFContent))
	if err != nil {
		t.Fatal(err)
	}
	if err := services.Conversations.Reply(ctx, identity.Principal{}, w.receipt, w.reference, "Voici la quittance.",
		[]uploads.File{file}); err != nil {
		t.Fatal(err)
	}
	thread, err := services.Conversations.Thread(ctx, w.reference)
	if err != nil || len(thread) != 1 {
		t.Fatalf("the thread: %v, %v", thread, err)
	}
	w.messageWithFile = strconv.FormatUint(thread[0].ID, 10)
	return w
}

// session starts a fresh browser session for an account.
func (w *world) session(account string) *identity.Session {
	id, sess, err := w.s.app.Services.Sessions.Create(context.Background(), account)
	if err != nil {
		w.s.t.Fatal(err)
	}
	sess.CSRF = id + "\x00" + sess.CSRF // carried together to the request
	return &sess
}

// routedDossier submits to the public form and waits until the
// submission reaches the "accueil" inbox, for actions that change a
// dossier's status.
func (w *world) routedDossier() string {
	receipt := w.s.Must(201, "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Dossier"}}`).JSON(w.s.t)
	ref := receipt["reference"].(string)
	w.s.WaitStatus(ref, receipt["token"].(string), "routed")
	return ref
}

// decidedDossier is a dossier of the matrix's, routed to "accueil",
// accepted once (its letter written), and the position of the decision.
func (w *world) decidedDossier() (string, string) {
	if w.decided == "" {
		w.s.Must(200, "POST", "/api/dossiers/"+w.reference+"/actions", adminToken, `{"action":"take-up"}`)
		accepted := w.s.Must(200, "POST", "/api/dossiers/"+w.reference+"/actions", adminToken, `{"action":"accept","reason":"Complet"}`)
		history := accepted.JSON(w.s.t)["history"].([]any)
		w.decided = strconv.Itoa(len(history) - 1)
		deadline := time.Now().Add(10 * time.Second)
		for w.s.Do("GET", "/api/submissions/"+w.reference+"/decisions/"+w.decided, adminToken, "").Status != 200 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return w.reference, w.decided
}

// pendingApproval files an internal request that waits for its manager's
// approval, and returns its reference.
func (w *world) pendingApproval() string {
	token := w.tokens["agent-reserve"]
	ref := w.s.Must(201, "POST", "/api/forms/valide/submissions", token, `{"data":{"jours":1}}`).JSON(w.s.t)["reference"].(string)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, a := range w.s.Must(200, "GET", "/api/approvals", token, "").JSON(w.s.t)["mine"].([]any) {
			if a.(map[string]any)["reference"] == ref {
				return ref
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.s.t.Fatalf("the approval of %s did not start", ref)
	return ""
}

// newDraft saves answers to the public form, as a visitor would, and
// returns the draft's resume token.
func (w *world) newDraft() string {
	const formToken = "jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	r := noRedirect(w.s, "POST", "/f/permis", "", "nom=Brouillon&_action=save&form_csrf="+formToken,
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", "guichet_form_csrf="+formToken)
	m := regexp.MustCompile(`/f/permis/d/([A-Za-z0-9_-]{22})`).FindSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		w.s.t.Fatalf("saving a draft: %d %.300s", r.Status, r.Body)
	}
	return string(m[1])
}

// changedDraft changes the draft of a form kept for it, so that the change
// can be undone; undone, the change is undone already, and can be redone.
func (w *world) changedDraft(undone bool) string {
	w.created++
	w.s.Must(200, "PUT", "/api/forms/historique/draft", adminToken, strings.Replace(publicForm, "Aide au permis de conduire",
		"Historique "+strconv.Itoa(w.created), 1))
	if undone {
		w.s.Must(200, "POST", "/api/forms/historique/undo", adminToken, "")
	}
	return "historique"
}

// route is one HTTP route of the route table, with a request that reaches it.
type route struct {
	method, template string
	access           identity.Access
	page             bool
	// request builds the request for a caller: its path and body.
	request func(c caller) (path, body string)
	// ok is the status of a caller the rule lets through.
	ok int
}

func fixed(path, body string) func(caller) (string, string) {
	return func(caller) (string, string) { return path, body }
}

// requests says how to reach each route and which access rule it must
// declare; a route of the table missing here fails the test, so no
// endpoint is left out, and no rule changes unnoticed.
func (w *world) requests() map[string]route {
	freshToken := func(account string) string {
		if account == "" {
			account = "agent-reserve"
		}
		_, info, err := w.s.app.Services.Tokens.Issue(context.Background(), account, "jetable", time.Hour)
		if err != nil {
			w.s.t.Fatal(err)
		}
		return info.ID
	}
	nextID := func() string { w.created++; return fmt.Sprintf("cree-%d", w.created) }
	ref := w.reference
	return map[string]route{
		"PUT /api/departments/{id}": {
			access:  identity.AdminOnly,
			request: fixed("/api/departments/social", `{"name":"Social"}`),
			ok:      200,
		},
		"GET /api/departments": {access: identity.AnyAgent, request: fixed("/api/departments", ""), ok: 200},
		"GET /api/departments/{id}/submissions": {
			access:  identity.DepartmentAgent,
			request: fixed("/api/departments/accueil/submissions", ""),
			ok:      200,
		},
		"GET /api/accounts":      {access: identity.AdminOnly, request: fixed("/api/accounts", ""), ok: 200},
		"GET /api/accounts/{id}": {access: identity.AdminOnly, request: fixed("/api/accounts/agent-a", ""), ok: 200},
		"PUT /api/accounts/{id}": {
			access:  identity.AdminOnly,
			request: fixed("/api/accounts/nouvel-agent", `{"name":"N","role":"agent","active":true}`),
			ok:      200,
		},
		"POST /api/accounts/{id}/password": {
			access:  identity.AdminOnly,
			request: fixed("/api/accounts/agent-mdp/password", `{}`),
			ok:      200,
		},
		"GET /api/accounts/{id}/tokens": {
			access:  identity.AdminOnly,
			request: fixed("/api/accounts/agent-a/tokens", ""),
			ok:      200,
		},
		"POST /api/accounts/{id}/tokens": {
			access:  identity.AdminOnly,
			request: fixed("/api/accounts/agent-a/tokens", `{"name":"t"}`),
			ok:      201,
		},
		"DELETE /api/accounts/{id}/tokens/{tokenId}": {
			access:  identity.AdminOnly,
			request: func(caller) (string, string) { return "/api/accounts/agent-reserve/tokens/" + freshToken(""), "" },
			ok:      204,
		},
		"GET /api/me":        {access: identity.AnyAgent, request: fixed("/api/me", ""), ok: 200},
		"GET /api/me/tokens": {access: identity.AnyAgent, request: fixed("/api/me/tokens", ""), ok: 200},
		"POST /api/me/tokens": {
			access:  identity.AnyAgent,
			request: fixed("/api/me/tokens", `{"name":"mon script"}`),
			ok:      201,
		},
		"DELETE /api/me/tokens/{tokenId}": {
			access:  identity.AnyAgent,
			request: func(c caller) (string, string) { return "/api/me/tokens/" + freshToken(c.account), "" },
			ok:      204,
		},
		"PUT /api/forms/{id}/draft": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/essai/draft", publicForm),
			ok:      200,
		},
		"GET /api/forms/{id}/draft": {access: identity.AdminOnly, request: fixed("/api/forms/permis/draft", ""), ok: 200},
		"POST /api/forms/{id}/publish": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/publish", ""),
			ok:      200,
		},
		"POST /api/forms/{id}/lint": {access: identity.AdminOnly, request: fixed("/api/forms/permis/lint", ""), ok: 200},
		"GET /api/forms/{id}/diff": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/diff?from=1&to=1", ""),
			ok:      200,
		},
		"GET /api/forms/{id}/export": {access: identity.AdminOnly, request: fixed("/api/forms/permis/export", ""), ok: 200},
		"POST /api/forms/{id}/unpublish": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/jetable/unpublish", ""),
			ok:      204,
		},
		"POST /api/forms/{id}/archive": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/ancien/archive", ""),
			ok:      204,
		},
		"POST /api/forms/{id}/restore": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/ancien/restore", ""),
			ok:      204,
		},
		"POST /api/forms/{id}/routing/dry-run": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/routing/dry-run", `{"samples":[{"commune":"Thionville"}],"replay":5}`),
			ok:      200,
		},
		"GET /api/forms/{id}/fields": {access: identity.AdminOnly, request: fixed("/api/forms/permis/fields", ""), ok: 200},
		"POST /api/forms/{id}/fields": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/fields", `{"type":"short-text","name":"ajout","label":"Ajout"}`),
			ok:      201,
		},
		"PUT /api/forms/{id}/fields/{name}": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/fields/commune", `{"type":"short-text","label":"Commune de résidence"}`),
			ok:      200,
		},
		"DELETE /api/forms/{id}/fields/{name}": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/jetable/fields/commune", ""),
			ok:      204,
		},
		"POST /api/forms/{id}/fields/{name}/move": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/fields/nom/move", `{"by":1}`),
			ok:      200,
		},
		"POST /api/forms/{id}/fields/{name}/duplicate": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/fields/commune/duplicate", ""),
			ok:      201,
		},
		"PUT /api/forms/{id}/fields/{name}/condition": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/jetable/fields/piece/condition", `{"rules":[{"field":"nom","operator":"equals","values":["Dupont"]}]}`),
			ok:      200,
		},
		"POST /api/forms/{id}/undo": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/api/forms/" + w.changedDraft(false) + "/undo", ""
		}, ok: 200},
		"POST /api/forms/{id}/redo": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/api/forms/" + w.changedDraft(true) + "/redo", ""
		}, ok: 200},
		"PUT /api/forms/{id}/steps/{n}/condition": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/etapes/steps/2/condition", `{"rules":[{"field":"nom","operator":"equals","values":["Dupont"]}]}`),
			ok:      200,
		},
		"DELETE /api/forms/{id}/steps/{n}/condition": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/etapes/steps/2/condition", ""),
			ok:      200,
		},
		"DELETE /api/forms/{id}/fields/{name}/condition": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/jetable/fields/piece/condition", ""),
			ok:      200,
		},
		"PUT /api/forms/{id}/steps": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/jetable/steps", `{"steps":[{"title":"Tout","fields":["nom","piece"]}]}`),
			ok:      200,
		},
		"POST /api/forms/import": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/import", `{"id":"importe",`+publicForm[1:]),
			ok:      200,
		},
		"GET /api/forms":      {access: identity.Anyone, request: fixed("/api/forms", ""), ok: 200},
		"GET /api/forms/{id}": {access: identity.Anyone, request: fixed("/api/forms/permis", ""), ok: 200},
		"GET /api/forms/{id}/versions/{n}": {
			access:  identity.Anyone,
			request: fixed("/api/forms/permis/versions/1", ""),
			ok:      200,
		},
		"POST /api/forms/{id}/submissions": {
			access:  identity.Anyone,
			request: fixed("/api/forms/permis/submissions", `{"data":{"nom":"Martin"}}`),
			ok:      201,
		},
		"POST /api/privacy/access": {
			access:  identity.AdminOnly,
			request: fixed("/api/privacy/access", `{"email":"personne@example.org"}`),
			ok:      200,
		},
		"POST /api/privacy/erasure": {
			access:  identity.AdminOnly,
			request: fixed("/api/privacy/erasure", `{"email":"personne-inconnue@example.org","reason":"Demande reçue le 1er décembre"}`),
			ok:      200,
		},
		"GET /api/submissions/{reference}": {
			access:  identity.ReceiptHolder,
			request: fixed("/api/submissions/"+ref, ""),
			ok:      200,
		},
		"GET /api/submissions/{reference}/attachments/{n}": {
			access:  identity.ReceiptHolder,
			request: fixed("/api/submissions/"+ref+"/attachments/0", ""),
			ok:      200,
		},
		"GET /api/submissions/{reference}/receipt": {
			access:  identity.ReceiptHolder,
			request: fixed("/api/submissions/"+ref+"/receipt", ""),
			ok:      200,
		},
		"GET /verify":            {access: identity.Anyone, request: fixed("/verify?r=pas-un-recepisse", ""), ok: 200},
		"POST /verify":           {access: identity.Anyone, request: fixed("/verify", "r=pas-un-recepisse"), ok: 200},
		"GET /api/receipts/keys": {access: identity.Anyone, request: fixed("/api/receipts/keys", ""), ok: 200},
		"POST /api/receipts/verify": {
			access:  identity.Anyone,
			request: fixed("/api/receipts/verify", `{"receipt":"pas-un-recepisse"}`),
			ok:      200,
		},
		"GET /api/submissions/{reference}/pdf": {
			access:  identity.ReceiptHolder,
			request: fixed("/api/submissions/"+ref+"/pdf", ""),
			ok:      200,
		},
		"GET /api/dossiers/{reference}": {access: identity.DossierAgent, request: fixed("/api/dossiers/"+ref, ""), ok: 200},
		"POST /api/dossiers/{reference}/actions": {access: identity.DossierAgent, request: func(caller) (string, string) {
			return "/api/dossiers/" + w.routedDossier() + "/actions", `{"action":"take-up"}`
		}, ok: 200},
		"POST /api/dossiers/{reference}/notes": {
			access:  identity.DossierAgent,
			request: fixed("/api/dossiers/"+ref+"/notes", `{"text":"À rappeler"}`),
			ok:      201,
		},
		"POST /api/dossiers/{reference}/assign": {
			access:  identity.DossierAgent,
			request: fixed("/api/dossiers/"+ref+"/assign", `{}`),
			ok:      204,
		},
		"POST /api/dossiers/{reference}/follow": {
			access:  identity.DossierAgent,
			request: fixed("/api/dossiers/"+ref+"/follow", `{}`),
			ok:      204,
		},
		"GET /api/accounts/{id}/trail": {access: identity.AdminOnly, request: fixed("/api/accounts/agent-a/trail", ""), ok: 200},
		"GET /inbox":                   {access: identity.AnyAgent, request: fixed("/inbox", ""), ok: 200},
		"GET /inbox/{id}": {
			access:  identity.DepartmentAgent,
			request: fixed("/inbox/accueil?status=routed&q=dupont", ""),
			ok:      200,
		},
		"POST /inbox/{id}/actions": {access: identity.DepartmentAgent, request: func(caller) (string, string) {
			return "/inbox/accueil/actions", "action=take-up&ref=" + w.routedDossier()
		}, ok: 200},
		"POST /api/departments/{id}/submissions/actions": {access: identity.DepartmentAgent, request: func(caller) (string, string) {
			return "/api/departments/accueil/submissions/actions", `{"action":"take-up","references":["` + w.routedDossier() + `"]}`
		}, ok: 200},
		"GET /dossiers/{reference}": {access: identity.DossierAgent, request: fixed("/dossiers/"+ref, ""), ok: 200},
		"POST /dossiers/{reference}/actions": {
			access:  identity.DossierAgent,
			request: func(caller) (string, string) { return "/dossiers/" + w.routedDossier() + "/actions", "action=take-up" },
			ok:      303,
		},
		"POST /dossiers/{reference}/notes":  {access: identity.DossierAgent, request: fixed("/dossiers/"+ref+"/notes", "text=Vu"), ok: 303},
		"POST /dossiers/{reference}/assign": {access: identity.DossierAgent, request: fixed("/dossiers/"+ref+"/assign", ""), ok: 303},
		"POST /dossiers/{reference}/follow": {access: identity.DossierAgent, request: fixed("/dossiers/"+ref+"/follow", ""), ok: 303},
		"GET /api/forms/{id}/submissions/export": {
			access:  identity.AnyAgent,
			request: fixed("/api/forms/permis/submissions/export?format=csv", ""),
			ok:      200,
		},
		"GET /api/statistics": {access: identity.AnyAgent, request: fixed("/api/statistics?months=3", ""), ok: 200},
		"PUT /api/forms/{id}/paper/{month}": {
			access:  identity.AdminOnly,
			request: fixed("/api/forms/permis/paper/2026-01", `{"count":12}`),
			ok:      204,
		},
		"GET /statistiques": {access: identity.AnyAgent, request: fixed("/statistiques", ""), ok: 200},
		"POST /statistiques/papier": {
			access:  identity.AdminOnly,
			request: fixed("/statistiques/papier", "form=permis&month=2026-02&count=7"),
			ok:      303,
		},
		"GET /api/approvals": {access: identity.AnyAgent, request: fixed("/api/approvals", ""), ok: 200},
		"POST /api/approvals/{reference}": {access: identity.Approver, request: func(caller) (string, string) {
			return "/api/approvals/" + w.pendingApproval(), `{"round":1,"position":0,"verdict":"approve"}`
		}, ok: 202},
		"GET /approbations": {access: identity.AnyAgent, request: fixed("/approbations", ""), ok: 200},
		"POST /approbations/{reference}": {access: identity.Approver, request: func(caller) (string, string) {
			return "/approbations/" + w.pendingApproval(), "round=1&position=0&verdict=approve"
		}, ok: 303},
		"GET /approbations/{reference}/corriger": {
			access:  identity.Requester,
			request: func(caller) (string, string) { return "/approbations/" + w.pendingApproval() + "/corriger", "" },
		},
		"POST /approbations/{reference}/corriger": {
			access:  identity.Requester,
			request: func(caller) (string, string) { return "/approbations/" + w.pendingApproval() + "/corriger", "jours=2" },
		},
		"POST /api/dossiers/{reference}/messages": {
			access:  identity.DossierAgent,
			request: fixed("/api/dossiers/"+ref+"/messages", `{"text":"Votre dossier est complet."}`),
			ok:      202,
		},
		"POST /dossiers/{reference}/messages": {
			access:  identity.DossierAgent,
			request: fixed("/dossiers/"+ref+"/messages", "text=Merci"),
			ok:      303,
		},
		"POST /dossiers/{reference}/correction": {access: identity.DossierAgent, request: func(caller) (string, string) {
			return "/dossiers/" + w.routedDossier() + "/correction", "field=nom&text=Pr%C3%A9cisez+le+nom"
		}, ok: 303},
		"POST /recu/{reference}/messages": {access: identity.Applicant, request: fixed("/recu/"+ref+"/messages", "text=Bonjour"), ok: 303},
		// The matrix's dossier asks for nothing: its applicant goes back to its page.
		"GET /recu/{reference}/completer":  {access: identity.Applicant, request: fixed("/recu/"+ref+"/completer", ""), ok: 303},
		"POST /recu/{reference}/completer": {access: identity.Applicant, request: fixed("/recu/"+ref+"/completer", "nom=Durand"), ok: 303},
		"GET /api/submissions/{reference}/messages/{message}/files/{n}": {
			access:  identity.ReceiptHolder,
			request: fixed("/api/submissions/"+ref+"/messages/"+w.messageWithFile+"/files/0", ""),
			ok:      200,
		},
		"GET /api/submissions/{reference}/decisions/{n}": {access: identity.ReceiptHolder, request: func(caller) (string, string) {
			ref, n := w.decidedDossier()
			return "/api/submissions/" + ref + "/decisions/" + n, ""
		}, ok: 200},
		"PUT /api/webhooks/{id}": {
			access:  identity.AdminOnly,
			request: fixed("/api/webhooks/si", `{"url":"https://si.example.org/evenements","active":false}`),
			ok:      200,
		},
		"GET /api/webhooks": {access: identity.AdminOnly, request: fixed("/api/webhooks", ""), ok: 200},
		"GET /api/webhooks/{id}/deliveries": {
			access:  identity.AdminOnly,
			request: fixed("/api/webhooks/si/deliveries", ""),
			ok:      200,
		},
		"POST /api/webhooks/{id}/deliveries/{sequence}/replay": {
			access:  identity.AdminOnly,
			request: fixed("/api/webhooks/si/deliveries/1/replay", ""),
			ok:      200,
		},
		// tusd answers 412 to a change without Tus-Resumable, 404 to HEAD of
		// an unknown upload: every
		// caller reaches it; the form's audience is TestUploadsFollowTheForm's.
		"POST /api/uploads":        {access: identity.Anyone, request: fixed("/api/uploads", ""), ok: 412},
		"HEAD /api/uploads/{id}":   {access: identity.Anyone, request: fixed("/api/uploads/inconnu", ""), ok: 404},
		"PATCH /api/uploads/{id}":  {access: identity.Anyone, request: fixed("/api/uploads/inconnu", ""), ok: 412},
		"DELETE /api/uploads/{id}": {access: identity.Anyone, request: fixed("/api/uploads/inconnu", ""), ok: 412},
		"GET /api/deadletters":     {access: identity.AdminOnly, request: fixed("/api/deadletters", ""), ok: 200},
		// Reached: there is no dead letter at that sequence.
		"POST /api/deadletters/{sequence}/replay": {access: identity.AdminOnly, request: fixed("/api/deadletters/999/replay", ""), ok: 404},
		"GET /{$}":              {access: identity.Anyone, request: fixed("/", ""), ok: 200},
		"GET /f/{form}":         {access: identity.Anyone, request: fixed("/f/permis", ""), ok: 200},
		"POST /f/{form}":        {access: identity.Anyone, request: fixed("/f/permis", "nom=Martin"), ok: 303},
		"POST /f/{form}/calcul": {access: identity.Anyone, request: fixed("/f/permis/calcul", "nom=Martin"), ok: 200},
		"GET /f/{form}/d/{draft}": {
			access:  identity.Anyone,
			request: func(caller) (string, string) { return "/f/permis/d/" + w.newDraft(), "" },
			ok:      200,
		},
		"GET /f/{form}/d/{draft}/verifier": {
			access:  identity.Anyone,
			request: func(caller) (string, string) { return "/f/permis/d/" + w.newDraft() + "/verifier", "" },
			ok:      200,
		},
		// Without an SMTP relay in this world, no link is emailed.
		"POST /f/{form}/d/{draft}/courriel": {access: identity.Anyone, request: func(caller) (string, string) {
			return "/f/permis/d/" + w.newDraft() + "/courriel", "email=a%40example.fr"
		}, ok: 404},
		"POST /f/{form}/d/{draft}/verifier": {
			access:  identity.Anyone,
			request: func(caller) (string, string) { return "/f/permis/d/" + w.newDraft() + "/verifier", "" },
			ok:      303,
		},
		"GET /recu/{reference}": {access: identity.ReceiptHolder, request: fixed("/recu/"+ref, ""), ok: 200},
		"GET /login":            {access: identity.Anyone, request: fixed("/login", ""), ok: 200},
		"POST /login": {
			access:  identity.Anyone,
			request: fixed("/login", "id=agent-reserve&password=une+phrase+de+passe+assez+longue"),
			ok:      303,
		},
		"POST /logout":     {access: identity.Anyone, request: fixed("/logout", ""), ok: 303},
		"GET /me":          {access: identity.AnyAgent, request: fixed("/me", ""), ok: 200},
		"GET /api/docs":    {access: identity.Anyone, request: fixed("/api/docs", ""), ok: 200},
		"GET /me/password": {access: identity.AnyAgent, request: fixed("/me/password", ""), ok: 200},
		"POST /me/password": {
			access:  identity.AnyAgent,
			request: fixed("/me/password", "current=x&password=un&confirm=deux"),
			ok:      422,
		},
		"POST /me/tokens": {access: identity.AnyAgent, request: fixed("/me/tokens", "name=poste&days=30"), ok: 201},
		"POST /me/tokens/{tokenId}/revoke": {
			access:  identity.AnyAgent,
			request: func(c caller) (string, string) { return "/me/tokens/" + freshToken(c.account) + "/revoke", "" },
			ok:      303,
		},
		"POST /me/drafts/delete": {access: identity.AnyAgent, request: fixed("/me/drafts/delete", "draft=inconnu"), ok: 404},
		"GET /admin/accounts":    {access: identity.AdminOnly, request: fixed("/admin/accounts", ""), ok: 200},
		"GET /metrics":           {access: identity.AdminOnly, request: fixed("/metrics", ""), ok: 200},
		"GET /admin/traitements": {access: identity.AdminOnly, request: fixed("/admin/traitements", ""), ok: 200},
		"POST /admin/traitements/{sequence}/rejouer": {
			access:  identity.AdminOnly,
			request: fixed("/admin/traitements/999/rejouer", ""),
			ok:      404,
		},
		"GET /admin/webhooks": {access: identity.AdminOnly, request: fixed("/admin/webhooks", ""), ok: 200},
		"GET /admin/lettres":  {access: identity.AdminOnly, request: fixed("/admin/lettres", ""), ok: 200},
		"GET /admin/lettres/{scope}/{id}": {
			access:  identity.AdminOnly,
			request: fixed("/admin/lettres/service/accueil", ""),
			ok:      200,
		},
		"POST /admin/lettres/{scope}/{id}": {
			access:  identity.AdminOnly,
			request: fixed("/admin/lettres/formulaire/permis", "body_fr=%7Bdecision%7D+%7Bmotif%7D&signatory=Jean+Dupont"),
			ok:      303,
		},
		"POST /admin/lettres/{scope}/{id}/apercu": {
			access:  identity.AdminOnly,
			request: fixed("/admin/lettres/service/accueil/apercu", "body_fr=%7Bdecision%7D+%7Bmotif%7D"),
			ok:      200,
		},
		"POST /admin/lettres/{scope}/{id}/supprimer": {
			access:  identity.AdminOnly,
			request: fixed("/admin/lettres/formulaire/jetable/supprimer", ""),
			ok:      303,
		},
		"GET /admin/webhooks/nouveau": {access: identity.AdminOnly, request: fixed("/admin/webhooks/nouveau", ""), ok: 200},
		"POST /admin/webhooks": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/admin/webhooks", "id=" + nextID() + "&url=https%3A%2F%2Fsi.example.org%2Fautre"
		}, ok: 200},
		"GET /admin/webhooks/{id}": {access: identity.AdminOnly, request: fixed("/admin/webhooks/si", ""), ok: 200},
		"POST /admin/webhooks/{id}": {
			access:  identity.AdminOnly,
			request: fixed("/admin/webhooks/si", "url=https%3A%2F%2Fsi.example.org%2Fevenements"),
			ok:      303,
		},
		"POST /admin/webhooks/{id}/envois/{sequence}/rejouer": {
			access:  identity.AdminOnly,
			request: fixed("/admin/webhooks/si/envois/1/rejouer", ""),
			ok:      303,
		},
		"GET /admin/accounts/new": {access: identity.AdminOnly, request: fixed("/admin/accounts/new", ""), ok: 200},
		"POST /admin/accounts": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/admin/accounts", "id=" + nextID() + "&name=Nouveau&role=agent&active=on&handover=password"
		}, ok: 200},
		// An unknown link opens nothing, whoever follows it.
		"GET /connexion/{token}": {access: identity.Anyone, request: fixed("/connexion/lien-inconnu", ""), ok: 410},
		"POST /connexion/{token}": {
			access:  identity.Anyone,
			request: fixed("/connexion/lien-inconnu", "password=une+phrase+de+passe+assez+longue&confirm=une+phrase+de+passe+assez+longue"),
			ok:      410,
		},
		"GET /admin/accounts/{id}": {access: identity.AdminOnly, request: fixed("/admin/accounts/agent-a", ""), ok: 200},
		"POST /admin/accounts/{id}": {
			access:  identity.AdminOnly,
			request: fixed("/admin/accounts/agent-a", "name=Agent+agent-a&role=agent&departments=accueil&active=on"),
			ok:      303,
		},
		"POST /admin/accounts/{id}/password": {
			access:  identity.AdminOnly,
			request: fixed("/admin/accounts/agent-mdp/password", ""),
			ok:      200,
		},
		"POST /admin/accounts/{id}/tokens/{tokenId}/revoke": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/admin/accounts/agent-reserve/tokens/" + freshToken("") + "/revoke", ""
		}, ok: 303},
		"GET /admin/forms": {access: identity.AdminOnly, request: fixed("/admin/forms", ""), ok: 200},
		"POST /admin/forms": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/admin/forms", "id=" + nextID() + "&title=Nouveau&audience=public&department=accueil"
		}, ok: 303},
		// Reached, and refused for want of a file.
		"POST /admin/forms/import":      {access: identity.AdminOnly, request: fixed("/admin/forms/import", ""), ok: 422},
		"GET /admin/forms/{id}":         {access: identity.AdminOnly, request: fixed("/admin/forms/permis", ""), ok: 200},
		"GET /admin/forms/{id}/publier": {access: identity.AdminOnly, request: fixed("/admin/forms/permis/publier", ""), ok: 200},
		"POST /admin/forms/{id}/publish": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/publish", ""),
			ok:      303,
		},
		"POST /admin/forms/{id}/unpublish": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/retirable/unpublish", ""),
			ok:      303,
		},
		"POST /admin/forms/{id}/archive": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/ancien/archive", ""),
			ok:      303,
		},
		"POST /admin/forms/{id}/restore": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/ancien/restore", ""),
			ok:      303,
		},
		"GET /admin/forms/{id}/settings": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/settings", ""),
			ok:      200,
		},
		"POST /admin/forms/{id}/settings": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/settings", "title=Aide+au+permis&audience=public"),
			ok:      303,
		},
		"GET /admin/forms/{id}/fields/new": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/fields/new?type=single-choice", ""),
			ok:      200,
		},
		"POST /admin/forms/{id}/fields": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/fields", "type=short-text&label=Ajout+en+page"),
			ok:      303,
		},
		"GET /admin/forms/{id}/fields/{name}": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/fields/nom", ""),
			ok:      200,
		},
		"POST /admin/forms/{id}/fields/{name}": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/fields/commune", "type=short-text&label=Commune"),
			ok:      303,
		},
		"POST /admin/forms/{id}/fields/{name}/move": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/fields/nom/move", "by=1"),
			ok:      303,
		},
		"POST /admin/forms/{id}/fields/{name}/duplicate": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/fields/commune/duplicate", ""),
			ok:      303,
		},
		"POST /admin/forms/{id}/fields/{name}/delete": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/ancien/fields/commune/delete", ""),
			ok:      303,
		},
		"GET /admin/forms/{id}/steps": {access: identity.AdminOnly, request: fixed("/admin/forms/permis/steps", ""), ok: 200},
		"POST /admin/forms/{id}/annuler": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/admin/forms/" + w.changedDraft(false) + "/annuler", ""
		}, ok: 303},
		"POST /admin/forms/{id}/retablir": {access: identity.AdminOnly, request: func(caller) (string, string) {
			return "/admin/forms/" + w.changedDraft(true) + "/retablir", ""
		}, ok: 303},
		"GET /admin/forms/{id}/traductions": {access: identity.AdminOnly, request: fixed("/admin/forms/permis/traductions", ""), ok: 200},
		"POST /admin/forms/{id}/traductions": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/etapes/traductions", "t.en.nom=Name"),
			ok:      303,
		},
		"POST /admin/forms/{id}/steps/{n}/duplicate": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/etapes/steps/1/duplicate", ""),
			ok:      303,
		},
		"GET /admin/forms/{id}/steps/{n}/condition": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/etapes/steps/2/condition", ""),
			ok:      200,
		},
		"POST /admin/forms/{id}/steps/{n}/condition": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/etapes/steps/2/condition", "rule.0.field=nom&rule.0.operator=filled&rule.0.value="),
			ok:      303,
		},
		"POST /admin/forms/{id}/steps": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/steps", "title="),
			ok:      303,
		},
		"GET /admin/forms/{id}/routing": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/routing", ""),
			ok:      200,
		},
		"POST /admin/forms/{id}/routing": {
			access: identity.AdminOnly,
			request: fixed("/admin/forms/permis/routing", url.Values{
				"default":           {"accueil"},
				"rule.0.field":      {"commune"},
				"rule.0.values":     {"Thionville"},
				"rule.0.department": {"finances"},
			}.Encode()),
			ok: 303,
		},
		"POST /admin/forms/{id}/routing/dry-run": {
			access: identity.AdminOnly,
			request: fixed(
				"/admin/forms/permis/routing/dry-run",
				url.Values{"try.commune": {"Thionville"}, "replay": {"5"}}.Encode(),
			),
			ok: 200,
		},
		"GET /admin/donnees-personnelles": {
			access:  identity.AdminOnly,
			request: fixed("/admin/donnees-personnelles", ""),
			ok:      200,
		},
		"POST /admin/donnees-personnelles": {
			access:  identity.AdminOnly,
			request: fixed("/admin/donnees-personnelles", "email=personne%40example.org"),
			ok:      200,
		},
		"POST /admin/donnees-personnelles/export": {
			access:  identity.AdminOnly,
			request: fixed("/admin/donnees-personnelles/export", "email=personne%40example.org"),
			ok:      200,
		},
		"POST /admin/donnees-personnelles/effacer": {
			access: identity.AdminOnly,
			request: fixed(
				"/admin/donnees-personnelles/effacer",
				"email=personne-inconnue%40example.org&reason=Demande+du+1er+d%C3%A9cembre&confirm=yes",
			),
			ok: 200,
		},
		"GET /admin/forms/{id}/versions": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/versions", ""),
			ok:      200,
		},
		"GET /admin/forms/{form}/preview": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/preview", ""),
			ok:      200,
		},
		"POST /admin/forms/{form}/preview": {
			access:  identity.AdminOnly,
			request: fixed("/admin/forms/permis/preview", "nom=Martin"),
			ok:      200,
		},
	}
}

// routeTable lists every route the server mounts: the operations of the
// OpenAPI document and the HTML pages, each with its declared access rule.
// A form's own submit operation documents the generic one's route, and is
// left out.
func (w *world) routeTable(t *testing.T) []route {
	var doc struct {
		Paths map[string]map[string]struct {
			Access string `json:"x-guichet-access"`
			Form   string `json:"x-guichet-form"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(w.s.Must(200, "GET", "/api/openapi.json", "", "").Body, &doc); err != nil {
		t.Fatal(err)
	}
	var table []route
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Form != "" {
				continue
			}
			if op.Access == "" {
				t.Errorf("%s %s declares no access rule", strings.ToUpper(method), path)
			}
			table = append(table, route{method: strings.ToUpper(method), template: path, access: identity.Access(op.Access)})
		}
	}
	for _, p := range w.s.app.Services.Pages {
		table = append(table, route{method: p.Method, template: p.Pattern, access: p.Access, page: true})
	}
	// The API's docs page, which api.New adds to the pages.
	table = append(table, route{method: http.MethodGet, template: "/api/docs", access: identity.Anyone, page: true})
	slices.SortFunc(table, func(a, b route) int { return strings.Compare(a.template+a.method, b.template+b.method) })
	return table
}

// expected is the status the access rule promises a caller.
func expected(r route, c caller, ok int) int {
	if c.bearer != "" {
		return http.StatusUnauthorized // a bad credential is refused before anything
	}
	roles := map[string]identity.Principal{
		"agent-a": {AccountID: "agent-a", Role: identity.RoleAgent, Departments: []string{"accueil"}},
		"agent-b": {AccountID: "agent-b", Role: identity.RoleAgent, Departments: []string{"finances"}},
		"chef-b":  {AccountID: "chef-b", Role: identity.RoleManager, Departments: []string{"finances"}},
		"admin-2": {AccountID: "admin-2", Role: identity.RoleAdmin},
	}
	p := roles[c.account] // a deactivated account is anonymous
	allowed := r.access.Allows(p)
	switch r.access {
	case identity.DepartmentAgent:
		allowed = p.ServesDepartment("accueil") // every such route is reached through "accueil"
	case identity.Approver:
		allowed = p.IsAdmin() // no agent of the matrix approves agent-reserve's requests
	case identity.Requester:
		allowed = false // the matrix's requests are agent-reserve's, who is not among its callers
	case identity.DossierAgent:
		allowed = p.ServesDepartment("accueil") // every dossier of the matrix is routed to "accueil"
		if !allowed && p.IsAgent() {
			return http.StatusNotFound // another department's dossier is as unknown as one that does not exist
		}
	case identity.Applicant:
		allowed = c.receipt // the matrix's submissions are anonymous
		if !allowed && (p.Anonymous() || p.IsAgent()) {
			return http.StatusNotFound // to anyone else, the request is unknown
		}
	case identity.ReceiptHolder:
		allowed = c.receipt || p.ServesDepartment("accueil")
		if !allowed && (p.Anonymous() || p.IsAgent()) {
			return http.StatusNotFound // the reference alone reveals nothing
		}
	}
	switch {
	case allowed && r.page && r.method == http.MethodGet && r.template == "/login" && !p.Anonymous():
		return http.StatusSeeOther // already signed in
	case allowed:
		return ok
	case p.Anonymous() && r.page:
		return http.StatusSeeOther // to the login page
	case p.Anonymous():
		return http.StatusUnauthorized
	default:
		return http.StatusForbidden
	}
}

// send makes a caller's request, with the caller's credentials.
func (w *world) send(r route, c caller, path, body string) testkit.Response {
	if c.receipt {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "token=" + w.receipt
	}
	headers := []string{}
	token := c.bearer
	switch {
	case c.cookie != "":
		headers = append(headers, "Cookie", "guichet_session="+c.cookie)
	case c.account != "" && token == "" && (r.page || c.viaSession):
		sess := w.session(c.account)
		id, csrf, _ := strings.Cut(sess.CSRF, "\x00")
		headers = append(headers, "Cookie", "guichet_session="+id)
		switch {
		case r.page && r.method == http.MethodPost:
			body = strings.TrimPrefix(body+"&csrf="+csrf, "&")
		case !r.page:
			headers = append(headers, "X-CSRF-Token", csrf)
		}
	case c.account != "" && token == "":
		token = w.tokens[c.account]
	}
	if r.page && r.method == http.MethodPost {
		// Forms posted without a session carry a double-submit token.
		headers = append(headers, "Cookie", "guichet_form_csrf=jeton-du-formulaire-assez-long-pour-etre-un-vrai")
		body += "&form_csrf=jeton-du-formulaire-assez-long-pour-etre-un-vrai"
	}
	if r.page && r.method == http.MethodPost {
		headers = append(headers, "Content-Type", "application/x-www-form-urlencoded")
	}
	return noRedirect(w.s, r.method, path, token, body, headers...)
}

// noRedirect sends a request without following redirects.
func noRedirect(s *server, method, path, token, body string, headers ...string) testkit.Response {
	client := testkit.Client{T: s.t, URL: s.URL, NoRedirects: true}
	return client.Do(method, path, token, body, mergeCookies(headers)...)
}

// mergeCookies joins several Cookie headers into one.
func mergeCookies(headers []string) []string {
	var cookies []string
	var out []string
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Cookie" {
			cookies = append(cookies, headers[i+1])
			continue
		}
		out = append(out, headers[i], headers[i+1])
	}
	if len(cookies) > 0 {
		out = append(out, "Cookie", strings.Join(cookies, "; "))
	}
	return out
}

// Every route of the route table × every kind of caller gets the status
// its declared access rule promises.
func TestAuthorisationMatrix(t *testing.T) {
	w := setUp(t)
	ctx := context.Background()

	// A revoked token, a deactivated account and an expired session.
	revokedToken, info, err := w.s.app.Services.Tokens.Issue(ctx, "agent-a", "révoqué", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.app.Services.Tokens.Revoke(ctx, "agent-a", info.ID); err != nil {
		t.Fatal(err)
	}
	expiredID, _, err := w.s.app.Services.Sessions.Create(ctx, "admin-2")
	if err != nil {
		t.Fatal(err)
	}
	w.s.clock.Advance(31 * time.Minute)
	w.s.Must(
		200,
		"PUT",
		"/api/accounts/agent-parti",
		adminToken,
		`{"name":"Parti","role":"agent","active":false,"departments":["accueil"]}`,
	)

	callers := []caller{
		{name: "anonymous"},
		{name: "receipt holder", receipt: true},
		{name: "agent of the department", account: "agent-a"},
		{name: "agent of another department", account: "agent-b"},
		{name: "manager", account: "chef-b"},
		{name: "admin", account: "admin-2"},
		{name: "deactivated account", account: "agent-parti", viaSession: true},
		{name: "deactivated account's token", bearer: w.tokens["agent-parti"]},
		{name: "expired session", cookie: expiredID},
		{name: "revoked token", bearer: revokedToken},
	}
	requests := w.requests()
	table := w.routeTable(t)
	for _, r := range table {
		key := r.method + " " + r.template
		how, ok := requests[key]
		if !ok {
			t.Errorf("no request in the matrix for %s: add one", key)
			continue
		}
		if r.access != how.access {
			t.Errorf("%s declares access %q; the matrix expects %q", key, r.access, how.access)
		}
		r.request, r.ok = how.request, how.ok
		for _, c := range callers {
			path, body := r.request(c)
			want := expected(r, c, r.ok)
			if got := w.send(r, c, path, body); got.Status != want {
				t.Errorf("%s as %s: %d, want %d (%s): %.200s", key, c.name, got.Status, want, r.access, got.Body)
			}
		}
	}
	if len(table) < len(requests) {
		t.Errorf("the route table has %d routes, the matrix %d: a route disappeared", len(table), len(requests))
	}
}

// What the access rule leaves to the resource: internal forms are for
// agents, an agent sees their own internal submission.
func TestAudienceAndOwnership(t *testing.T) {
	w := setUp(t)
	s := w.s
	agentB := w.tokens["agent-b"]
	for _, c := range []struct {
		method, path, token, body string
		want                      int
	}{
		{"GET", "/api/forms/conges", "", "", 404},
		{"GET", "/api/forms/conges", agentB, "", 200},
		{"GET", "/api/forms/conges/versions/1", "", "", 404},
		{"POST", "/api/forms/conges/submissions", "", `{"data":{"jours":1}}`, 401},
		{"GET", "/api/submissions/" + w.reference + "?token=" + strings.Repeat("A", 22), "", "", 404},
		{"GET", "/api/submissions/" + w.reference + "?token=" + strings.Repeat("A", 22), agentB, "", 404}, // as unknown as no reference
		{"GET", "/healthz", "", "", 200},
		{"GET", "/readyz", "", "", 200},
	} {
		if got := s.Do(c.method, c.path, c.token, c.body); got.Status != c.want {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, got.Status, c.want, got.Body)
		}
	}
	own := s.Must(201, "POST", "/api/forms/conges/submissions", agentB, `{"data":{"jours":2}}`).JSON(t)["reference"].(string)
	s.Must(200, "GET", "/api/submissions/"+own, agentB, "")
	s.Must(404, "GET", "/api/submissions/"+own, "", "")
	// The three public forms of the set-up; not the internal one, nor the unpublished draft.
	if forms := s.Must(200, "GET", "/api/forms", "", "").JSON(t)["items"].([]any); len(forms) != 3 {
		t.Errorf("anonymous catalogue: %v", forms)
	}
}

func TestBadCredentialsAreRefused(t *testing.T) {
	s := startServer(t)
	for _, header := range []string{"Bearer gch_unknown", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer " + adminToken + "x"} {
		r := s.Do("GET", "/api/departments", "", "", "Authorization", header)
		if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %d %v", header, r.Status, r.Header)
		}
	}
}
