package builder

import (
	"fmt"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
)

// Refusal is a change to a draft refused, with why in words for the
// admin, in French and English, naming fields by their labels. It is a
// schemas.ErrInvalidField.
type Refusal struct{ Message locale.Text }

func (r *Refusal) Error() string { return "builder: refused: " + r.Message.EN }

// Unwrap makes a refusal a schemas.ErrInvalidField.
func (r *Refusal) Unwrap() error { return schemas.ErrInvalidField }

// refuse is a refusal with its French and English text.
func refuse(fr, en string) *Refusal { return &Refusal{Message: locale.Text{FR: fr, EN: en}} }

// named is how a refusal names a field: by its label, or else its name.
func named(f FieldSpec) string {
	if f.Label != "" {
		return "« " + f.Label + " »"
	}
	return "« " + f.Name + " »"
}

// badName refuses a field name that data and exports could not carry.
func badName(name string) *Refusal {
	return refuse(
		fmt.Sprintf("Le nom technique %q ne convient pas : lettres non accentuées, chiffres et _, en commençant par une lettre.", name),
		fmt.Sprintf("The technical name %q does not fit: unaccented letters, digits and _, starting with a letter.", name))
}

// takenName refuses a field name another field has.
func takenName(name string) *Refusal {
	return refuse(fmt.Sprintf("Un autre champ porte déjà le nom technique %q.", name),
		fmt.Sprintf("Another field already has the technical name %q.", name))
}
