package processors_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/internal/test/pdftest"
	"github.com/guichet/guichet/letters"
	"github.com/guichet/guichet/processors"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// A decision letter says the decision as a sentence that agrees with
// "demande", who decided for which service, the reason, and the means and
// time limits of appeal, without which they would not run.
func TestDecisionLetter(t *testing.T) {
	for status, sentence := range map[submit.Status]string{
		submit.Accepted: "Votre demande est acceptée.",
		submit.Rejected: "Votre demande est refusée.",
		submit.Closed:   "Votre demande est classée sans suite.",
	} {
		var buf bytes.Buffer
		err := processors.RenderDecision(&buf, processors.DecisionDocument{
			Organisation: "Département de la Moselle", FormTitle: "Aide au transport scolaire", Reference: "2026-0001-AAAA",
			Decision: submit.Event{Status: status, At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Reason: "Dossier complet."},
			Lang:     locale.French, Service: "Transports scolaires", Signatory: "Marie Weber",
			Addressee: schemas.Applicant{Name: "Anne Klein", Address: []string{"12 rue des Jardins", "57100 Thionville"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.Text(t, buf.Bytes())), " ")
		for _, want := range []string{"Anne Klein 12 rue des Jardins 57100 Thionville", sentence, "Dossier complet.",
			"Pour l'administration, Marie Weber, Transports scolaires",
			"dans un délai de deux mois", "recours gracieux auprès de Département de la Moselle", "tribunal administratif de Strasbourg",
			"Télérecours citoyens"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the letter lacks %q:\n%s", status, want, text)
			}
		}
		if strings.Contains(text, "Accepté") || strings.Contains(text, "Refusé") {
			t.Errorf("%s: the letter says the decision in the masculine:\n%s", status, text)
		}
	}
}

// A template's text, its delegate and the service's address make the
// letter; in English, the default's English text stands in for what the
// template left empty.
func TestDecisionLetterFromTemplate(t *testing.T) {
	template := letters.Template{
		Body: locale.Text{FR: "À l'attention de {destinataire}.\n\n{decision}\n\nMotif : {motif}\n\nLe service {service} reste à votre " +
			"disposition."},
		Signatory: "Jean Dupont", SignatoryTitle: "Directeur des transports",
	}
	for lang, wants := range map[locale.Lang][]string{
		locale.French: {"Hôtel du Département 1 rue du Pont Moreau 57000 Metz", "À l'attention de Anne Klein.",
			"Votre demande est refusée.", "Motif : Revenus au-dessus du plafond.", "Le service Transports scolaires reste à votre disposition.",
			"Pour l'administration et par délégation, Jean Dupont, Directeur des transports", "tribunal administratif de Strasbourg"},
		locale.English: {"Your request is rejected.", "Reason: Revenus au-dessus du plafond.",
			"For the administration and by delegation, Jean Dupont, Directeur des transports", "administrative court of Strasbourg"},
	} {
		var buf bytes.Buffer
		err := processors.RenderDecision(&buf, processors.DecisionDocument{
			Organisation: "Département de la Moselle", FormTitle: "Aide au transport scolaire", Reference: "2026-0001-AAAA",
			SubmittedAt: time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC),
			Decision: submit.Event{Status: submit.Rejected, At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
				Reason: "Revenus au-dessus du plafond."},
			Lang: lang, Service: "Transports scolaires", ServiceAddress: "Hôtel du Département\n1 rue du Pont Moreau\n57000 Metz",
			Signatory: "Marie Weber", Addressee: schemas.Applicant{Name: "Anne Klein"}, Letter: template,
		})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.Text(t, buf.Bytes())), " ")
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the letter lacks %q:\n%s", lang, want, text)
			}
		}
		if strings.Contains(text, "Marie Weber") {
			t.Errorf("%s: the deciding agent signs instead of the delegate:\n%s", lang, text)
		}
	}
}
