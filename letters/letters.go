// Package letters holds the templates of the decision letters: one per
// form, or per department, edited by admins, with merge fields for the
// addressee, the service, the signatory, the decision and its reason. A
// form's template wins over its department's, and the default stands in
// for both; a letter written stays as it was when a template changes.
//
// Business layer (internal/test/layering).
package letters

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/locale"
)

// Scope is what a template is for: a form, or a department.
type Scope string

// The scopes.
const (
	ForForm       Scope = "form"
	ForDepartment Scope = "department"
)

// Template is a decision letter's text, in French and English, with its
// merge fields (see Fields).
type Template struct {
	// Body is the letter's text between the heading and the signature;
	// it must hold {decision} and {motif}.
	Body locale.Text `json:"body"`
	// Appeal says the means and time limits of appeal, printed at the
	// foot of every letter.
	Appeal locale.Text `json:"appeal"`
	// Signatory names the delegate who signs every letter, with their
	// function; without one, the agent who decided signs.
	Signatory      string    `json:"signatory,omitempty"`
	SignatoryTitle string    `json:"signatoryTitle,omitempty"`
	UpdatedAt      time.Time `json:"updatedAt"`
	By             string    `json:"by,omitempty"`
}

// Default is the letter of a form and a department without their own:
// the appeal routes are an informal appeal within two months, and the
// administrative court of Strasbourg, by post or through Télérecours
// citoyens.
var Default = Template{
	Body: locale.Text{
		FR: "Madame, Monsieur,\n\nVous avez déposé le {date_demande} la demande « {demarche} », enregistrée sous la référence " +
			"{reference}.\n\n{decision}\n\nMotif : {motif}\n\nVeuillez agréer, Madame, Monsieur, l'expression de nos salutations " +
			"distinguées.",
		EN: "Dear Sir or Madam,\n\nOn {date_demande} you made the request “{demarche}”, recorded under the reference {reference}." +
			"\n\n{decision}\n\nReason: {motif}\n\nYours faithfully,",
	},
	Appeal: locale.Text{
		FR: "Voies et délais de recours. Si vous contestez cette décision, vous pouvez, dans un délai de deux mois à compter de sa " +
			"réception : former un recours gracieux auprès de {organisation}, par courrier ; ou saisir le tribunal administratif de " +
			"Strasbourg (31, avenue de la Paix, BP 51038, 67070 Strasbourg Cedex), par courrier ou par l'application Télérecours " +
			"citoyens (www.telerecours.fr). Un recours gracieux prolonge le délai du recours devant le tribunal, qui court à nouveau " +
			"à compter de la réponse.",
		EN: "Means and time limits of appeal. If you contest this decision, you may, within two months of receiving it: make an " +
			"informal appeal to {organisation}, by post; or bring it before the administrative court of Strasbourg (31, avenue de " +
			"la Paix, BP 51038, 67070 Strasbourg Cedex), by post or through the Télérecours citoyens application " +
			"(www.telerecours.fr). An informal appeal extends the time limit of the appeal to the court, which runs again from " +
			"its answer.",
	},
}

// Fields are the values of the merge fields of one letter.
type Fields struct {
	// Addressee and AddresseeAddress ({destinataire},
	// {adresse_destinataire}) come from the answers.
	Addressee, AddresseeAddress string
	// Organisation, Service and ServiceAddress ({organisation},
	// {service}, {adresse_service}) say who decides.
	Organisation, Service, ServiceAddress string
	// Signatory ({signataire}) is the delegate, or the agent who decided.
	Signatory string
	// Decision ({decision}) is the decision as a sentence, Reason
	// ({motif}) its reason.
	Decision, Reason string
	// Reference, Form, Submitted and Decided ({reference}, {demarche},
	// {date_demande}, {date_decision}) say what was decided, and when.
	Reference, Form, Submitted, Decided string
}

// Names are the merge fields, as a template writes them.
var Names = []string{
	"{destinataire}", "{adresse_destinataire}", "{organisation}", "{service}", "{adresse_service}", "{signataire}",
	"{decision}", "{motif}", "{reference}", "{demarche}", "{date_demande}", "{date_decision}",
}

// Merge writes text with the merge fields' values.
func (f Fields) Merge(text string) string {
	return strings.NewReplacer(
		"{destinataire}", f.Addressee, "{adresse_destinataire}", f.AddresseeAddress, "{organisation}", f.Organisation,
		"{service}", f.Service, "{adresse_service}", f.ServiceAddress, "{signataire}", f.Signatory,
		"{decision}", f.Decision, "{motif}", f.Reason, "{reference}", f.Reference, "{demarche}", f.Form,
		"{date_demande}", f.Submitted, "{date_decision}", f.Decided,
	).Replace(text)
}

// placeholder is anything written as a merge field.
var placeholder = regexp.MustCompile(`\{[^{}\s]*\}`)

// Problems says what is wrong with a template, in words for the admin:
// an unknown merge field, or a body without the decision or its reason.
// A text left empty is the default's: the appeal routes are never left
// out.
func (t Template) Problems() []locale.Text {
	var out []locale.Text
	for _, text := range []string{t.Body.FR, t.Body.EN, t.Appeal.FR, t.Appeal.EN} {
		for _, name := range placeholder.FindAllString(text, -1) {
			if !slices.Contains(Names, name) {
				out = append(out, locale.Text{FR: "Champ de fusion inconnu : " + name + ".", EN: "Unknown merge field: " + name + "."})
			}
		}
	}
	for _, body := range []string{t.Body.FR, t.Body.EN} {
		if body != "" && (!strings.Contains(body, "{decision}") || !strings.Contains(body, "{motif}")) {
			out = append(out, locale.Text{
				FR: "Le texte de la lettre doit contenir {decision} et {motif} : la décision et son motif.",
				EN: "The letter's text must hold {decision} and {motif}: the decision and its reason.",
			})
			break
		}
	}
	return out
}

// ErrInvalid means a template has problems (see Template.Problems).
var ErrInvalid = errors.New("letters: invalid template")

// Completed is the template with the default's text where it has none.
func (t Template) Completed() Template {
	for _, pair := range []struct{ own, def *string }{
		{&t.Body.FR, &Default.Body.FR}, {&t.Body.EN, &Default.Body.EN},
		{&t.Appeal.FR, &Default.Appeal.FR}, {&t.Appeal.EN, &Default.Appeal.EN},
	} {
		if strings.TrimSpace(*pair.own) == "" {
			*pair.own = *pair.def
		}
	}
	return t
}

// Store keeps the templates in their bucket, keyed "<scope>.<id>".
type Store struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// NewStore opens the templates' bucket.
func NewStore(ctx context.Context, b *bus.Bus) (*Store, error) {
	kv, err := b.KV(ctx, bus.BucketLetters)
	if err != nil {
		return nil, err
	}
	return &Store{kv: kv, now: time.Now}, nil
}

// Get reads the own template of a form or a department; found is false
// when it has none.
func (s *Store) Get(ctx context.Context, scope Scope, id string) (t Template, found bool, err error) {
	t, _, err = bus.GetJSON[Template](ctx, s.kv, bus.LetterKey(string(scope), id), errNone)
	if errors.Is(err, errNone) {
		return Template{}, false, nil
	}
	return t, err == nil, err
}

var errNone = errors.New("letters: no template")

// Put saves the template of a form or a department, for the admin by,
// unless it has problems (ErrInvalid).
func (s *Store) Put(ctx context.Context, scope Scope, id string, t Template, by string) error {
	if len(t.Problems()) > 0 {
		return ErrInvalid
	}
	t.UpdatedAt, t.By = s.now().UTC(), by
	raw, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, err = s.kv.Put(ctx, bus.LetterKey(string(scope), id), raw)
	return err
}

// Delete removes the own template of a form or a department: the next
// in line stands in.
func (s *Store) Delete(ctx context.Context, scope Scope, id string) error {
	err := s.kv.Delete(ctx, bus.LetterKey(string(scope), id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// For is the template of a decision on form, routed to department: the
// form's own, or else the department's, or else the default, each
// completed by the default where it says nothing.
func (s *Store) For(ctx context.Context, form, department string) (Template, error) {
	for _, own := range []struct {
		scope Scope
		id    string
	}{{ForForm, form}, {ForDepartment, department}} {
		t, found, err := s.Get(ctx, own.scope, own.id)
		if err != nil || found {
			return t.Completed(), err
		}
	}
	return Default, nil
}
