package builder

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Advice is an accessibility warning about what an admin wrote: it does
// not keep the form from being published, and names the criterion of the
// RGAA (the French accessibility framework) it is about.
type Advice struct {
	// Field is the field concerned, by its name.
	Field   string
	Message locale.Text
	// Criterion is the RGAA criterion, "11.2"; Link, its page.
	Criterion string
}

// Link is the page of the advice's RGAA criterion.
func (a Advice) Link() string {
	return "https://accessibilite.numerique.gouv.fr/methode/criteres-et-tests/#" + a.Criterion
}

// Limits of the advice.
const (
	// MaxRadios is how many answers a single choice shows as radio
	// buttons before a list reads better.
	MaxRadios = 10
	// MaxLabel is the length, in characters, past which a label is long:
	// its details go in the help.
	MaxLabel = 120
)

// Advise lists the accessibility warnings about a draft's fields: a
// label that repeats another, a long label, a placeholder that stands for
// the help, a date without its expected format in the help, a long choice
// shown as radio buttons, a heading followed by another or by nothing.
func Advise(f schemas.Form) []Advice {
	specs, err := Fields(f)
	if err != nil {
		return nil
	}
	var out []Advice
	// add words an advice on s, named where the text says {field}.
	add := func(s FieldSpec, criterion, fr, en string) {
		out = append(out, Advice{Field: s.Name, Criterion: criterion, Message: locale.Text{
			FR: strings.ReplaceAll(fr, "{field}", named(s)), EN: strings.ReplaceAll(en, "{field}", named(s))}})
	}
	labels := map[string]bool{}
	for i, s := range specs {
		heading := s.Type == Heading
		key := strings.ToLower(strings.TrimSpace(s.Label))
		if !heading && s.Type != Paragraph && s.Label != "" {
			if labels[key] {
				add(s, "11.2", "Le libellé de {field} répète celui d'un autre champ : une personne qui va de champ en champ ne les "+
					"distingue pas.", "The label of {field} repeats another field's: a person moving from field to field cannot tell them "+
					"apart.")
			}
			labels[key] = true
		}
		if utf8.RuneCountInString(s.Label) > MaxLabel {
			add(s, "11.2", "Le libellé de {field} est long : gardez la question, et mettez les précisions dans l'aide.",
				"The label of {field} is long: keep the question, and put the details in the help.")
		}
		if s.Placeholder != "" && s.Hint == "" {
			add(s, "11.10", "{field} n'a d'aide que son exemple dans la zone de saisie, qui disparaît dès qu'on tape : écrivez-la en aide.",
				"{field} has no help but its placeholder, which goes as soon as one types: write it as the help.")
		}
		if (s.Type == Date || s.Type == PastDate) && s.Hint == "" {
			add(s, "11.10", "La date {field} ne dit pas le format attendu : ajoutez une aide, par exemple « jj/mm/aaaa ».",
				"The date {field} does not say the format expected: add a help, for example “dd/mm/yyyy”.")
		}
		if s.Type == SingleChoice && !s.AsList && len(s.Choices) > MaxRadios {
			add(s, "11.5", fmt.Sprintf("{field} propose %d réponses en boutons radio : au-delà de %d, une liste déroulante se parcourt mieux.",
				len(s.Choices), MaxRadios), fmt.Sprintf("{field} offers %d answers as radio buttons: past %d, a drop-down list reads better.",
				len(s.Choices), MaxRadios))
		}
		if heading && (i+1 == len(specs) || specs[i+1].Type == Heading) {
			add(s, "9.1", "L'intertitre {field} n'est suivi d'aucun champ : retirez-le, ou placez des champs dessous.",
				"The heading {field} is followed by no field: remove it, or put fields under it.")
		}
	}
	return out
}
