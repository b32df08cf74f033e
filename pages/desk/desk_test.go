package desk_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/internal/test/testkit"
)

const adminToken = "jeton-admin-des-tests"

const agentPassword = "trois pommes vertes sur la table"

const familyAid = `{
	"title": "Aide aux familles", "audience": "public",
	"schema": {"type": "object", "required": ["nom", "commune"], "properties": {
		"nom": {"type": "string", "title": "Nom et prénom"},
		"commune": {"type": "string", "title": "Commune", "enum": ["Metz", "Thionville", "Forbach"]},
		"enfants": {"type": "integer", "title": "Nombre d'enfants", "minimum": 0}}},
	"routing": {"default": "solidarites"}
}`

// receipt is what a submitter keeps.
type receipt struct{ reference, token string }

// start runs Guichet with a department, its agent, a form and three
// routed submissions.
func start(t *testing.T) (testkit.Client, string, []receipt) {
	_, base := testkit.StartApp(t, app.Config{AdminToken: adminToken})
	api := testkit.Client{T: t, URL: base}
	api.Must(200, "PUT", "/api/departments/solidarites", adminToken, `{"name":"Direction de la Solidarité"}`)
	api.Must(200, "PUT", "/api/departments/culture", adminToken, `{"name":"Culture"}`)
	api.Must(200, "PUT", "/api/accounts/m-weber", adminToken, `{"name":"Marie Weber","role":"agent","active":true,`+
		`"departments":["solidarites"]}`)
	api.Must(200, "POST", "/api/accounts/m-weber/password", adminToken, `{"password":"`+agentPassword+`"}`)
	api.Must(200, "PUT", "/api/forms/aide-familles/draft", adminToken, familyAid)
	api.Must(200, "POST", "/api/forms/aide-familles/publish", adminToken, "")
	var receipts []receipt
	for _, data := range []string{
		`{"nom":"Anne Weber","commune":"Metz","enfants":2}`,
		`{"nom":"Paul Schmitt","commune":"Thionville","enfants":3}`,
		`{"nom":"Élise Klein","commune":"Forbach"}`,
	} {
		r := api.Must(201, "POST", "/api/forms/aide-familles/submissions", "", `{"data":`+data+`}`).JSON(t)
		receipts = append(receipts, receipt{r["reference"].(string), r["token"].(string)})
		api.WaitStatus(receipts[len(receipts)-1].reference, receipts[len(receipts)-1].token, "routed")
	}
	return api, base, receipts
}

// In chromium: an agent signs in, filters the inbox, opens a dossier,
// takes it up, decides with a reason, notes; the submitter then sees the
// decision. Inbox and dossier pass axe-core and are photographed.
func TestAgentDecides(t *testing.T) {
	api, base, receipts := start(t)
	schmitt := receipts[1]
	ctx := browsertest.New(t)
	load := func(want int64, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if status := browsertest.Load(t, ctx, actions...); status != want {
			t.Fatalf("status %d, want %d: %s", status, want, browsertest.Text(t, ctx, "main"))
		}
	}
	check := func(name string) {
		t.Helper()
		for _, v := range browsertest.Axe(t, ctx) {
			t.Errorf("%s: %s", name, v)
		}
		browsertest.Screenshot(t, ctx, name)
		browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))
	}
	rows := func() string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#dossiers tbody tr")].map(tr => `+
			`tr.querySelector("a").textContent + (tr.classList.contains("unread") ? "*" : "")).join(" ")`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	load(http.StatusOK, chromedp.Navigate(base+"/login?next=/inbox"))
	load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#id"), "m-weber"), chromedp.SendKeys(chromedp.CSS("#password"), agentPassword),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	if h1 := browsertest.Text(t, ctx, "h1"); h1 != "Direction de la Solidarité" {
		t.Fatalf("the agent lands on %q", h1)
	}
	if got, want := rows(), receipts[2].reference+"* "+schmitt.reference+"* "+receipts[0].reference+"*"; got != want {
		t.Errorf("inbox = %s, want %s", got, want)
	}
	check("17-inbox")

	load(http.StatusOK, chromedp.SendKeys(chromedp.CSS("#q"), "schmitt"), chromedp.Click(chromedp.CSS("#filter")))
	if got := rows(); got != schmitt.reference+"*" {
		t.Errorf("searching “schmitt”: %s", got)
	}
	load(http.StatusOK, chromedp.Click(chromedp.CSS("#dossiers tbody a")))
	answers := browsertest.Text(t, ctx, "#answers")
	if !strings.Contains(answers, "Nom et prénom") || !strings.Contains(answers, "Paul Schmitt") ||
		!strings.Contains(answers, "Thionville") {
		t.Errorf("answers: %q", answers)
	}
	load(http.StatusOK, chromedp.Click(chromedp.CSS("#action-take-up")))
	if status := browsertest.Text(t, ctx, "#status"); status != "En instruction" {
		t.Errorf("after taking up: %q", status)
	}
	// A decision without its reason comes back with the choice kept.
	load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS("#decision-reject")), chromedp.Click(chromedp.CSS("#decide")))
	if checked := browsertest.HasAttribute(t, ctx, "#decision-reject", "checked"); !checked {
		t.Error("the refused decision lost the choice")
	}
	load(http.StatusOK, chromedp.Click(chromedp.CSS("#decision-accept")), chromedp.SendKeys(chromedp.CSS("#reason"), "Dossier complet : "+
		"aide accordée pour trois enfants."),
		chromedp.Click(chromedp.CSS("#decide")))
	if status := browsertest.Text(t, ctx, "#status"); status != "Accepté" {
		t.Errorf("after deciding: %q", status)
	}
	load(
		http.StatusOK,
		chromedp.SendKeys(chromedp.CSS("#note"), "Courrier de notification envoyé le jour même."),
		chromedp.Click(chromedp.CSS("#add-note")),
	)
	notes := browsertest.Text(t, ctx, "#notes")
	if !strings.Contains(notes, "Courrier de notification") || !strings.Contains(notes, "Marie Weber") {
		t.Errorf("notes: %q", notes)
	}
	load(
		http.StatusOK,
		chromedp.SendKeys(chromedp.CSS("#message"), "Votre aide sera versée le mois prochain."),
		chromedp.Click(chromedp.CSS("#send-message")),
	)
	// No relay is configured here: the agent is told nobody was emailed.
	if messages := browsertest.Text(t, ctx, "#thread"); !strings.Contains(messages, "versée le mois prochain") ||
		!strings.Contains(messages, "Aucun courriel envoyé") {
		t.Errorf("messages: %q", messages)
	}
	history := browsertest.Text(t, ctx, "#history")
	if !strings.Contains(history, "Accepté") || !strings.Contains(history, "aide accordée pour "+
		"trois enfants") {
		t.Errorf("history: %q", history)
	}
	check("18-dossier")

	load(http.StatusOK, chromedp.Navigate(base+"/inbox/solidarites?status=accepted"))
	if got := rows(); got != schmitt.reference {
		t.Errorf("accepted and read: %s", got)
	}

	// A batch: two routed dossiers taken up, the decided one refused.
	load(http.StatusOK, chromedp.Navigate(base+"/inbox/solidarites"))
	load(
		http.StatusOK,
		chromedp.Click(chromedp.CSS(`[id="ref-`+receipts[0].reference+`"]`)),
		chromedp.Click(chromedp.CSS(`[id="ref-`+receipts[2].reference+`"]`)),
		chromedp.Click(
			chromedp.CSS(`[id="ref-`+schmitt.reference+`"]`),
		),
		chromedp.SetValue(chromedp.CSS("#batch-action"), "take-up"),
		chromedp.Click(chromedp.CSS("#batch-submit")),
	)
	if done := browsertest.Text(t, ctx, "#batch-done"); !strings.Contains(done, "2 dossiers") {
		t.Errorf("batch done: %q", done)
	}
	refused := browsertest.Text(t, ctx, "#batch-refused")
	if !strings.Contains(refused, schmitt.reference) || !strings.Contains(refused, "pas possible") {
		t.Errorf("batch refused: %q", refused)
	}
	for _, r := range []receipt{receipts[0], receipts[2]} {
		api.WaitStatus(r.reference, r.token, "in_review")
	}
	// The batch offers an agent only what an agent may do: reopening a
	// decision is an admin's.
	if offered, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#batch-action option")].map(o => `+
		`o.value).join(" ")`)); offered != "take-up accept reject close" {
		t.Errorf("the batch offers an agent %q", offered)
	}

	// Online only so far: all of it online.
	load(http.StatusOK, chromedp.Navigate(base+"/statistiques"))
	if forms := browsertest.Text(t, ctx, "#forms tbody tr"); !strings.Contains(forms, "Aide aux familles\t3\t0\t100,0 %") {
		t.Errorf("statistics without paper: %q", forms)
	}

	// The statistics count the three submissions and the decision.
	api.Must(204, "PUT", "/api/forms/aide-familles/paper/"+time.Now().In(locale.Paris).Format("2006-01"), adminToken, `{"count":9}`)
	load(http.StatusOK, chromedp.Navigate(base+"/statistiques"))
	if forms := browsertest.Text(t, ctx, "#forms tbody tr"); !strings.Contains(forms, "Aide aux familles\t3\t9\t25,0 %\t1") {
		t.Errorf("statistics per form: %q", forms)
	}
	if bars, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.chart rect").length`)); bars != 2 {
		t.Errorf("the chart has %d bars, want this month's two", bars)
	}
	check("19-statistics")

	// The submitter sees the decision and its reason, not who made it.
	status := api.Must(200, "GET", "/api/submissions/"+schmitt.reference+"?token="+schmitt.token, "", "")
	body := string(status.Body)
	if !strings.Contains(body, `"status":"accepted"`) || !strings.Contains(body, "aide accordée") || strings.Contains(body, "m-weber") {
		t.Errorf("the submitter's view: %s", body)
	}
	load(http.StatusOK, chromedp.Navigate(base+"/recu/"+schmitt.reference+"?token="+schmitt.token))
	if got := browsertest.Text(t, ctx, "#status"); got != "Accepté" {
		t.Errorf("the receipt page says %q", got)
	}
	if got := browsertest.Text(t, ctx, "#decision"); !strings.Contains(got, "aide accordée pour trois enfants") {
		t.Errorf("the receipt page's decision: %q", got)
	}
	letter := browsertest.Attribute(t, ctx, "#decision-pdf", "href")
	deadline := time.Now().Add(10 * time.Second)
	for api.Do("GET", letter, "", "").Status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("the decision letter %s never came", letter)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
