package editor_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guichet/guichet/internal/test/browsertest"
	"github.com/guichet/guichet/schemas"
)

// Each operator of the builder's conditions, alone and combined, shows
// its field in the page (by the page's script, as the answers are given)
// exactly when the JSON Schema validator of the server applies it, on the
// same answers.
func TestConditionOperatorsInThePage(t *testing.T) {
	api, base := startWithAdmin(t)
	api.Must(200, "PUT", "/api/forms/operateurs/draft", adminToken, `{"title":"Opérateurs","audience":"public",
		"schema":{"type":"object","properties":{
			"boursier":{"type":"boolean","title":"Boursier"},
			"revenus":{"type":"number","title":"Revenus"},
			"commune":{"type":"string","title":"Commune","oneOf":[{"const":"metz","title":"Metz"},{"const":"forbach","title":"Forbach"},
				{"const":"bitche","title":"Bitche"}]},
			"aides":{"type":"array","title":"Aides","uniqueItems":true,"items":{"type":"string","oneOf":[{"const":"rsa","title":"RSA"},
				{"const":"apl","title":"APL"}]}},
			"note":{"type":"string","title":"Note"}}},
		"routing":{"default":"transports"}}`)
	conditions := []string{
		`{"rules":[{"field":"boursier","operator":"equals","values":[true]}]}`,
		`{"rules":[{"field":"commune","operator":"differs","values":["metz"]}]}`,
		`{"rules":[{"field":"commune","operator":"one-of","values":["forbach","bitche"]}]}`,
		`{"rules":[{"field":"revenus","operator":"greater","values":[1000]}]}`,
		`{"rules":[{"field":"revenus","operator":"less","values":[1000]}]}`,
		`{"rules":[{"field":"note","operator":"filled"}]}`,
		`{"rules":[{"field":"note","operator":"empty"}]}`,
		`{"rules":[{"field":"aides","operator":"contains","values":["apl"]}]}`,
		`{"rules":[{"field":"boursier","operator":"equals","values":[true]},{"field":"revenus","operator":"less","values":[1000]}]}`,
		`{"any":true,"rules":[{"field":"commune","operator":"equals","values":["metz"]},` +
			`{"field":"aides","operator":"contains","values":["rsa"]}]}`,
	}
	for i, c := range conditions {
		name := fmt.Sprintf("c%d", i)
		api.Must(201, "POST", "/api/forms/operateurs/fields", adminToken, `{"type":"short-text","name":"`+name+`","label":"Cas `+name+`"}`)
		api.Must(200, "PUT", "/api/forms/operateurs/fields/"+name+"/condition", adminToken, c)
	}
	api.Must(200, "POST", "/api/forms/operateurs/publish", adminToken, "")
	var published struct {
		Schema json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(api.Must(200, "GET", "/api/forms/operateurs/versions/1", adminToken, "").Body, &published); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t)
	for _, answers := range []struct {
		boursier bool
		revenus  string
		commune  string
		aides    []string
		note     string
	}{
		{},
		{boursier: true, revenus: "800", commune: "metz", note: "urgent"},
		{revenus: "1000", commune: "forbach", aides: []string{"apl"}},
		{boursier: true, revenus: "1500,5", commune: "bitche", aides: []string{"rsa", "apl"}, note: " "},
	} {
		browsertest.Load(t, ctx, chromedp.Navigate(base+"/f/operateurs"))
		var actions []chromedp.Action[chromedp.Void]
		data := map[string]any{}
		if answers.boursier {
			actions = append(actions, chromedp.Click(chromedp.CSS(`[name="boursier"]`)))
		}
		data["boursier"] = answers.boursier // a yes-or-no question is always answered
		if answers.revenus != "" {
			actions = append(actions, chromedp.SendKeys(chromedp.CSS(`[name="revenus"]`), answers.revenus))
			var v float64
			_, _ = fmt.Sscan(strings.Replace(answers.revenus, ",", ".", 1), &v)
			data["revenus"] = v
		}
		if answers.commune != "" {
			actions = append(actions, chromedp.Click(chromedp.CSS(`[name="commune"][value="`+answers.commune+`"]`)))
			data["commune"] = answers.commune
		}
		for _, a := range answers.aides {
			actions = append(actions, chromedp.Click(chromedp.CSS(`[name="aides"][value="`+a+`"]`)))
		}
		if len(answers.aides) > 0 {
			data["aides"] = answers.aides
		}
		if answers.note != "" {
			actions = append(actions, chromedp.SendKeys(chromedp.CSS(`[name="note"]`), answers.note))
			// The page, like the server, reads a text trimmed.
			if note := strings.TrimSpace(answers.note); note != "" {
				data["note"] = note
			}
		}
		browsertest.Do(t, ctx, actions...)
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".conditional")].filter(el => !el.hidden)`+
			`.map(el => el.querySelector("input").name)`))
		if err != nil {
			t.Fatal(err)
		}
		var applied []string
		for _, b := range schemas.BranchesOf(published.Schema) {
			if b.Holds(data) {
				applied = append(applied, b.Fields()...)
			}
		}
		slices.Sort(shown)
		slices.Sort(applied)
		if !slices.Equal(shown, applied) || len(applied) == 0 {
			t.Errorf("answers %+v: the page shows %v, the server applies %v", answers, shown, applied)
		}
	}
}
