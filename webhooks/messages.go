package webhooks

import (
	"errors"
	"strings"

	"github.com/guichet/guichet/internal/platform/locale"
)

// Refusal says, for people, why Put refused a webhook; ok is false for an
// error that is not a refusal.
func Refusal(err error) (text locale.Text, ok bool) {
	switch {
	case errors.Is(err, ErrForbiddenAddress):
		return locale.Text{
			FR: "Webhook refusé : son adresse est à l'intérieur du réseau (boucle locale, réseau privé, lien local, métadonnées du nuage…). " +
				"Le réglage webhook-allow ouvre un réseau interne quand c'est voulu.",
			EN: "Webhook refused: its address is inside the network (loopback, private network, link-local, cloud metadata…). " +
				"The webhook-allow setting opens an internal network on purpose.",
		}, true
	case errors.Is(err, ErrInvalid):
		return locale.Text{
			FR: "Webhook refusé : identifiant en minuscules et tirets, et adresse http(s) complète.",
			EN: "Webhook refused: an id in lower case and hyphens, and a full http(s) URL.",
		}, true
	}
	return locale.Text{}, false
}

// Failure says, for people, why a delivery's last attempt failed: its
// LastError, a short class, explained.
func (d Delivery) Failure() locale.Text {
	class, status, _ := strings.Cut(d.LastError, " ")
	switch class {
	case "":
		return locale.Text{}
	case "forbidden":
		return locale.Text{
			FR: "Adresse à l'intérieur du réseau, refusée à la connexion : le nom du destinataire y mène. Le réglage webhook-allow ouvre " +
				"un réseau interne quand c'est voulu.",
			EN: "Address inside the network, refused when connecting: the receiver's name leads there. The webhook-allow setting opens " +
				"an internal network on purpose.",
		}
	case "redirect":
		return locale.Text{
			FR: "Redirection (" + status + ") : elle n'est jamais suivie. Indiquez l'adresse finale.",
			EN: "Redirect (" + status + "): never followed. Give the final address.",
		}
	case "http":
		return locale.Text{FR: "Le destinataire a répondu " + status + ".", EN: "The receiver answered " + status + "."}
	case "timeout":
		return locale.Text{FR: "Pas de réponse dans le délai de 10 secondes.", EN: "No answer within 10 seconds."}
	case "refused":
		return locale.Text{FR: "Connexion refusée par le destinataire.", EN: "Connection refused by the receiver."}
	case "tls":
		return locale.Text{FR: "Échec de la connexion chiffrée (certificat ou TLS).", EN: "The encrypted connection failed (certificate or TLS)."}
	}
	return locale.Text{FR: "Destinataire injoignable.", EN: "Receiver unreachable."}
}
