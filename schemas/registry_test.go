package schemas

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/guichet/guichet/bus"
)

type knownDepartments map[string]bool

func (k knownDepartments) DepartmentExists(_ context.Context, id string) (bool, error) {
	return k[id], nil
}

func newTestRegistry(t *testing.T, b *bus.Bus) *Registry {
	t.Helper()
	r, err := NewRegistry(context.Background(), b, knownDepartments{"accueil": true, "finances": true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testForm(title string) Form {
	return Form{
		ID: "aide", Title: title, Audience: Public,
		Schema: json.RawMessage(`{"type":"object","properties":{"montant":{"type":"number"}}}`),
		Routing: Routing{
			Default: "accueil",
			Rules:   []Rule{{When: json.RawMessage(`{"properties":{"montant":{"minimum":500}}}`), Department: "finances"}},
		},
	}
}

func TestRegistryRefusesInvalidDefinitions(t *testing.T) {
	r := newTestRegistry(t, bus.StartTest(t))
	ctx := context.Background()
	bad := testForm("")
	bad.ID = "Pas Valide"
	bad.Audience = "tous"
	bad.Schema = json.RawMessage(`{"type":"array"}`)
	bad.Routing = Routing{Default: "inconnu", Rules: []Rule{
		{When: json.RawMessage(`{"$ref":"http://exemple.fr/regle.json"}`), Department: "fantome"},
	}}
	err := r.SaveDraft(ctx, bad)
	var def *DefinitionError
	if !errors.As(err, &def) {
		t.Fatalf("SaveDraft accepted an invalid form: %v", err)
	}
	want := []string{"id", "title", "audience", "schema.type", "routing.default", "routing.rules[0].when.$ref", "routing.rules[0].department"}
	got := map[string]bool{}
	for _, p := range def.Problems {
		got[p.Location] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no problem at %s; problems: %+v", w, def.Problems)
		}
	}
	if _, err := r.Draft(ctx, "pas-valide"); !errors.Is(err, ErrNoDraft) {
		t.Errorf("a refused draft was stored: %v", err)
	}
}

func TestRegistryPublishesImmutableVersions(t *testing.T) {
	b := bus.StartTest(t)
	r := newTestRegistry(t, b)
	ctx := context.Background()
	if _, err := r.Publish(ctx, "aide"); !errors.Is(err, ErrNoDraft) {
		t.Fatalf("publishing without a draft: %v", err)
	}
	if err := r.SaveDraft(ctx, testForm("Aide v1")); err != nil {
		t.Fatal(err)
	}
	v1, err := r.Publish(ctx, "aide")
	if err != nil || v1.Version.Version != 1 {
		t.Fatalf("first publish = %v, %v", v1, err)
	}
	again, err := r.Publish(ctx, "aide")
	if err != nil || again.Version.Version != 1 {
		t.Fatalf("publishing an unchanged draft made version %d (%v)", again.Version.Version, err)
	}
	if err := r.SaveDraft(ctx, testForm("Aide v2")); err != nil {
		t.Fatal(err)
	}
	if latest, _ := r.Latest(ctx, "aide"); latest.Title != "Aide v1" {
		t.Errorf("saving a draft changed the published form: %q", latest.Title)
	}
	v2, err := r.Publish(ctx, "aide")
	if err != nil || v2.Version.Version != 2 {
		t.Fatalf("second publish = %v, %v", v2, err)
	}
	// A fresh registry reads from KV, not from the cache.
	fresh := newTestRegistry(t, b)
	for n, title := range map[int]string{1: "Aide v1", 2: "Aide v2"} {
		v, err := fresh.Version(ctx, "aide", n)
		if err != nil || v.Title != title {
			t.Errorf("version %d = %v, %v; want %q", n, v, err, title)
		}
	}
	if latest, _ := fresh.Latest(ctx, "aide"); latest.Version.Version != 2 {
		t.Errorf("latest = %d, want 2", latest.Version.Version)
	}
	if _, err := fresh.Version(ctx, "aide", 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("version 3: %v", err)
	}
	list, err := fresh.List(ctx)
	if err != nil || len(list) != 1 || list[0].Version.Version != 2 {
		t.Errorf("List = %v, %v", list, err)
	}
	if got := v2.Route(json.RawMessage(`{"montant":900}`)); got != "finances" {
		t.Errorf("route = %s", got)
	}
}
