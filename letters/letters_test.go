package letters_test

import (
	"errors"
	"testing"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/letters"
)

// A form's template wins over its department's, the default stands in
// for both, and a text left empty is the default's; a template with an
// unknown merge field, or without the decision or its reason, is refused.
func TestTemplatesInTheirOrder(t *testing.T) {
	ctx := t.Context()
	s, err := letters.NewStore(ctx, bus.StartTest(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.For(ctx, "carte", "transports"); err != nil || got.Body != letters.Default.Body {
		t.Fatalf("without templates: %+v, %v", got, err)
	}
	department := letters.Template{Body: locale.Text{FR: "Au service {service} : {decision} {motif}"}, Signatory: "Jean Dupont",
		SignatoryTitle: "Directeur des transports"}
	if err := s.Put(ctx, letters.ForDepartment, "transports", department, "admin"); err != nil {
		t.Fatal(err)
	}
	got, err := s.For(ctx, "carte", "transports")
	if err != nil || got.Body.FR != department.Body.FR || got.Body.EN != letters.Default.Body.EN ||
		got.Appeal != letters.Default.Appeal || got.Signatory != "Jean Dupont" {
		t.Errorf("the department's template: %+v, %v", got, err)
	}
	form := letters.Template{Body: locale.Text{FR: "Carte : {decision} {motif}"}}
	if err := s.Put(ctx, letters.ForForm, "carte", form, "admin"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.For(ctx, "carte", "transports"); got.Body.FR != form.Body.FR || got.Signatory != "" {
		t.Errorf("the form's template: %+v", got)
	}
	if err := s.Delete(ctx, letters.ForForm, "carte"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.For(ctx, "carte", "transports"); got.Body.FR != department.Body.FR {
		t.Errorf("after deleting the form's: %+v", got)
	}
	for _, bad := range []letters.Template{
		{Body: locale.Text{FR: "{decision} {motif} {prenom}"}},
		{Body: locale.Text{FR: "Votre demande est traitée. {motif}"}},
		{Appeal: locale.Text{EN: "Appeal to {tribunal}."}},
	} {
		if len(bad.Problems()) == 0 || !errors.Is(s.Put(ctx, letters.ForForm, "carte", bad, "admin"), letters.ErrInvalid) {
			t.Errorf("taken: %+v", bad)
		}
	}
	fields := letters.Fields{Addressee: "Anne Klein", Decision: "Votre demande est acceptée.", Reason: "Dossier complet."}
	want := "Anne Klein : Votre demande est acceptée. Motif : Dossier complet."
	if got := fields.Merge("{destinataire} : {decision} Motif : {motif}"); got != want {
		t.Errorf("merged: %q", got)
	}
}
