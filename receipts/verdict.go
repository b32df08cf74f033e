package receipts

import (
	"errors"

	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/submit"
)

// Verdict is the outcome of a receipt's check, as the API and the
// verification page tell it.
type Verdict struct {
	// Code is authentic, altered, unknown_key, outside_validity,
	// malformed, or reference for a dossier's reference given instead of
	// its receipt.
	Code    string
	Message locale.Text
}

// Authentic tells whether the receipt checked out.
func (v Verdict) Authentic() bool { return v.Code == "authentic" }

var verdicts = []struct {
	err error
	Verdict
}{
	{
		nil,
		Verdict{
			"authentic",
			locale.Text{
				FR: "Ce récépissé est authentique et intact : l'administration l'a signé, et rien n'y a changé depuis.",
				EN: "This receipt is authentic and intact: the administration signed it, and nothing in it has changed since.",
			},
		},
	},
	{
		ErrBadSignature,
		Verdict{
			"altered",
			locale.Text{
				FR: "Ce récépissé n'est pas authentique : sa signature ne correspond pas à son contenu. Il a été modifié, ou n'a pas été signé par " +
					"l'administration.",
				EN: "This receipt is not authentic: its signature does not match its content. It was altered, or not signed by the administration.",
			},
		},
	},
	{
		ErrUnknownKey,
		Verdict{
			"unknown_key",
			locale.Text{
				FR: "Ce récépissé n'est pas authentique : il est signé par une clé que l'administration n'a jamais utilisée.",
				EN: "This receipt is not authentic: it is signed with a key the administration never used.",
			},
		},
	},
	{
		ErrOutsideValidity,
		Verdict{
			"outside_validity",
			locale.Text{
				FR: "Ce récépissé n'est pas authentique : la clé qui l'a signé n'était pas en service à la date qu'il indique.",
				EN: "This receipt is not authentic: the key that signed it was not in service on the date it gives.",
			},
		},
	},
	{
		ErrMalformed,
		Verdict{
			"malformed",
			locale.Text{
				FR: "Ce texte n'est pas un récépissé : vérifiez qu'il a été copié en entier.",
				EN: "This text is not a receipt: check that it was copied whole.",
			},
		},
	},
}

// notAReceipt is the verdict on a dossier's reference given in place of
// its receipt: it is not a receipt, and nothing about it is false.
var notAReceipt = Verdict{
	"reference",
	locale.Text{
		FR: "Ceci est un numéro de dossier, pas un récépissé. Pour vérifier un récépissé, scannez le code QR de votre récapitulatif PDF, " +
			"collez le lien qu'il porte, ou déposez le PDF ci-dessous.",
		EN: "This is a dossier number, not a receipt. To check a receipt, scan the QR code of your PDF record, paste the link it carries, or " +
			"upload the PDF below.",
	},
}

// Receipt tells whether the check read a receipt at all: it did unless
// the text was malformed or a reference.
func (v Verdict) Receipt() bool { return v.Code != "malformed" && v.Code != notAReceipt.Code }

// Check decodes an encoded receipt and verifies it against ring. It
// returns the receipt when it could be read, and the verdict; an error
// only when the check itself could not be made.
func Check(encoded string, ring Keyring) (*Receipt, Verdict, error) {
	r, err := Decode(encoded)
	if err != nil && submit.IsReference(encoded) {
		return nil, notAReceipt, nil
	}
	if err != nil {
		v, err := verdictOf(err)
		return nil, v, err
	}
	return checkDecoded(r, ring)
}

// checkDecoded verifies a receipt against ring.
func checkDecoded(r Receipt, ring Keyring) (*Receipt, Verdict, error) {
	v, err := verdictOf(ring.Verify(r))
	return &r, v, err
}

// verdictOf is the verdict of a verification's error.
func verdictOf(err error) (Verdict, error) {
	for _, v := range verdicts {
		if errors.Is(err, v.err) {
			return v.Verdict, nil
		}
	}
	return Verdict{}, err
}

// DataVerdict says whether data is what a receipt attests.
func DataVerdict(r Receipt, data []byte) (bool, locale.Text) {
	hash, err := DataHash(data)
	if err == nil && hash == r.DataSHA256 {
		return true, locale.Text{
			FR: "Ces données sont exactement celles que le récépissé atteste.",
			EN: "This data is exactly what the receipt attests.",
		}
	}
	return false, locale.Text{
		FR: "Ces données ne sont pas celles que le récépissé atteste : leur empreinte diffère.",
		EN: "This data is not what the receipt attests: its fingerprint differs.",
	}
}

// RecordVerdict says what the comparison of a PDF with the stored record
// found, and whether the PDF can be trusted whole.
func RecordVerdict(check RecordCheck) (bool, locale.Text) {
	switch check {
	case RecordSame:
		return true, locale.Text{
			FR: "Ce PDF est, octet pour octet, le récapitulatif que l'administration a enregistré pour ce dépôt : son texte est celui qu'elle a " +
				"établi.",
			EN: "This PDF is, byte for byte, the record the administration stored for this submission: its text is the one it made.",
		}
	case RecordGone:
		return false, locale.Text{
			FR: "Le récapitulatif enregistré n'est plus conservé (effacé, ou sa durée de conservation est écoulée) : seul le récépissé a pu être " +
				"vérifié. Le texte d'un PDF n'est pas signé : seul ce que le récépissé atteste, ci-dessous, est garanti.",
			EN: "The stored record is no longer kept (erased, or past its retention period): only the receipt could be checked. A PDF's text is " +
				"not signed: only what the receipt attests, below, is guaranteed.",
		}
	}
	return false, locale.Text{
		FR: "Attention : ce PDF n'est pas le récapitulatif que l'administration a enregistré. Le récépissé qu'il porte est authentique, mais " +
			"le texte d'un PDF n'est pas signé et celui-ci a été modifié : seul ce que le récépissé atteste, ci-dessous, est garanti.",
		EN: "Beware: this PDF is not the record the administration stored. The receipt it carries is authentic, but a PDF's text is not signed " +
			"and this one was altered: only what the receipt attests, below, is guaranteed.",
	}
}
