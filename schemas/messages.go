package schemas

import (
	"fmt"
	"math/big"

	"github.com/xeipuuv/gojsonschema"

	"github.com/guichet/guichet/internal/platform/locale"
)

var notJSONObject = locale.Text{
	FR: "Les données du formulaire doivent être un objet JSON.",
	EN: "The form data must be a JSON object.",
}

// message says in plain words what is wrong with the field called label.
// Each gojsonschema error type gets its own message; none of gojsonschema's
// own text reaches a person.
func message(re gojsonschema.ResultError, label string) locale.Text {
	d := re.Details()
	fr, en := "« "+label+" »", "“"+label+"”"
	if label == "" {
		fr, en = "Le formulaire", "The form"
	}
	switch re.Type() {
	case "required", "missing_dependency":
		return locale.Text{
			FR: fmt.Sprintf("Le champ %s est obligatoire.", fr),
			EN: fmt.Sprintf("%s is required.", en),
		}
	case "invalid_type":
		kindFR, kindEN := typeName(fmt.Sprint(d["expected"]))
		return locale.Text{
			FR: fmt.Sprintf("%s doit être %s.", fr, kindFR),
			EN: fmt.Sprintf("%s must be %s.", en, kindEN),
		}
	case "enum", "const":
		return locale.Text{
			FR: fmt.Sprintf("Choisissez l'une des réponses proposées pour %s.", fr),
			EN: fmt.Sprintf("Choose one of the answers offered for %s.", en),
		}
	case "string_gte":
		n := count(d["min"])
		if n == 1 {
			return locale.Text{FR: fmt.Sprintf("Le champ %s ne peut pas être vide.", fr), EN: fmt.Sprintf("%s cannot be empty.", en)}
		}
		return locale.Text{
			FR: fmt.Sprintf("%s doit contenir au moins %d caractères.", fr, n),
			EN: fmt.Sprintf("%s must be at least %d characters long.", en, n),
		}
	case "string_lte":
		n := count(d["max"])
		return locale.Text{
			FR: fmt.Sprintf("%s doit contenir au plus %d caractère%s.", fr, n, plural(n)),
			EN: fmt.Sprintf("%s must be at most %d character%s long.", en, n, plural(n)),
		}
	case "pattern":
		return locale.Text{
			FR: fmt.Sprintf("%s n'a pas la forme attendue.", fr),
			EN: fmt.Sprintf("%s is not in the expected form.", en),
		}
	case "format":
		return formatMessage(fmt.Sprint(d["format"]), fr, en)
	case "number_gte":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être supérieur ou égal à %s.", fr, number(d["min"], locale.French)),
			EN: fmt.Sprintf("%s must be %s or more.", en, number(d["min"], locale.English)),
		}
	case "number_gt":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être strictement supérieur à %s.", fr, number(d["min"], locale.French)),
			EN: fmt.Sprintf("%s must be more than %s.", en, number(d["min"], locale.English)),
		}
	case "number_lte":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être inférieur ou égal à %s.", fr, number(d["max"], locale.French)),
			EN: fmt.Sprintf("%s must be %s or less.", en, number(d["max"], locale.English)),
		}
	case "number_lt":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être strictement inférieur à %s.", fr, number(d["max"], locale.French)),
			EN: fmt.Sprintf("%s must be less than %s.", en, number(d["max"], locale.English)),
		}
	case "multiple_of":
		if f, ok := d["multiple"].(*big.Float); ok && f != nil && isAmountStep(f) {
			return locale.Text{
				FR: fmt.Sprintf("%s s'écrit avec deux décimales au plus, les centimes, par exemple 1 500,50.", fr),
				EN: fmt.Sprintf("%s takes two decimals at most, the cents, like 1500.50.", en),
			}
		}
		return locale.Text{
			FR: fmt.Sprintf("%s doit être un multiple de %s.", fr, number(d["multiple"], locale.French)),
			EN: fmt.Sprintf("%s must be a multiple of %s.", en, number(d["multiple"], locale.English)),
		}
	case "array_min_items":
		n := count(d["min"])
		return locale.Text{
			FR: fmt.Sprintf("%s doit comporter au moins %d élément%s.", fr, n, plural(n)),
			EN: fmt.Sprintf("%s needs at least %d item%s.", en, n, plural(n)),
		}
	case "array_max_items":
		n := count(d["max"])
		return locale.Text{
			FR: fmt.Sprintf("%s doit comporter au plus %d élément%s.", fr, n, plural(n)),
			EN: fmt.Sprintf("%s takes at most %d item%s.", en, n, plural(n)),
		}
	case "unique":
		return locale.Text{
			FR: fmt.Sprintf("%s ne doit pas contenir deux fois la même réponse.", fr),
			EN: fmt.Sprintf("%s must not contain the same answer twice.", en),
		}
	case "additional_property_not_allowed":
		return locale.Text{
			FR: fmt.Sprintf("Le champ %s n'existe pas dans ce formulaire.", fr),
			EN: fmt.Sprintf("%s is not a field of this form.", en),
		}
	case "number_any_of", "number_one_of":
		return locale.Text{
			FR: fmt.Sprintf("%s ne correspond à aucune des possibilités prévues.", fr),
			EN: fmt.Sprintf("%s matches none of the expected possibilities.", en),
		}
	case "number_not":
		return locale.Text{
			FR: fmt.Sprintf("Cette réponse n'est pas acceptée pour %s.", fr),
			EN: fmt.Sprintf("This answer is not accepted for %s.", en),
		}
	default:
		return locale.Text{
			FR: fmt.Sprintf("%s n'est pas valide.", fr),
			EN: fmt.Sprintf("%s is not valid.", en),
		}
	}
}

func typeName(jsonType string) (fr, en string) {
	switch jsonType {
	case "string":
		return "un texte", "text"
	case "integer":
		return "un nombre entier", "a whole number"
	case "number":
		return "un nombre", "a number"
	case "boolean":
		return "oui ou non", "yes or no"
	case "array":
		return "une liste", "a list"
	case "object":
		return "un groupe de réponses", "a group of answers"
	case "null":
		return "vide", "empty"
	default:
		return "d'un autre type", "of another type"
	}
}

func formatMessage(format, fr, en string) locale.Text {
	switch format {
	case "email":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être une adresse électronique, par exemple prenom.nom@exemple.fr.", fr),
			EN: fmt.Sprintf("%s must be an email address, like name@example.com.", en),
		}
	case "date":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être une date réelle, au format AAAA-MM-JJ.", fr),
			EN: fmt.Sprintf("%s must be a real date, as YYYY-MM-DD.", en),
		}
	case FormatPastDate:
		return locale.Text{
			FR: fmt.Sprintf("%s doit être une date réelle qui n'est pas dans l'avenir, au format AAAA-MM-JJ.", fr),
			EN: fmt.Sprintf("%s must be a real date that is not in the future, as YYYY-MM-DD.", en),
		}
	case "date-time":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être une date et une heure, par exemple 2026-03-11T14:30:00+01:00.", fr),
			EN: fmt.Sprintf("%s must be a date and time, like 2026-03-11T14:30:00+01:00.", en),
		}
	case "time":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être une heure, par exemple 14:30:00.", fr),
			EN: fmt.Sprintf("%s must be a time, like 14:30:00.", en),
		}
	case FormatSIRET:
		return locale.Text{
			FR: fmt.Sprintf("%s doit être un numéro SIRET valide : 14 chiffres, comme sur l'avis de situation au répertoire Sirene.", fr),
			EN: fmt.Sprintf("%s must be a valid SIRET number: 14 digits, as on the Sirene register notice.", en),
		}
	case FormatIBAN:
		return locale.Text{
			FR: fmt.Sprintf("%s doit être un IBAN valide, par exemple FR76 3000 6000 0112 3456 7890 189.", fr),
			EN: fmt.Sprintf("%s must be a valid IBAN, like FR76 3000 6000 0112 3456 7890 189.", en),
		}
	case FormatPhoneFR:
		return locale.Text{
			FR: fmt.Sprintf("%s doit être un numéro de téléphone français, par exemple 03 87 37 57 57.", fr),
			EN: fmt.Sprintf("%s must be a French phone number, like 03 87 37 57 57.", en),
		}
	case "uri", "url":
		return locale.Text{
			FR: fmt.Sprintf("%s doit être une adresse web complète, commençant par https://.", fr),
			EN: fmt.Sprintf("%s must be a full web address, starting with https://.", en),
		}
	default:
		return locale.Text{
			FR: fmt.Sprintf("%s n'a pas le format attendu.", fr),
			EN: fmt.Sprintf("%s is not in the expected format.", en),
		}
	}
}

// count reads a length bound from gojsonschema's details.
func count(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case *int:
		if n != nil {
			return *n
		}
	}
	return 0
}

func isAmountStep(f *big.Float) bool {
	step, _ := f.Float64()
	return step == AmountStep
}

// number writes a numeric bound from gojsonschema's details as lang
// writes numbers.
func number(v any, lang locale.Lang) string {
	if f, ok := v.(*big.Float); ok && f != nil {
		n, _ := f.Float64()
		return locale.Number(n, lang)
	}
	return fmt.Sprint(v)
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}
