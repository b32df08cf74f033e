package schemas

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
	"github.com/guichet/guichet/internal/platform/kvcopy"
	"github.com/guichet/guichet/internal/platform/locale"
)

// MaxTitleLength bounds a form's title.
const MaxTitleLength = 200

// DepartmentLookup tells whether a department exists, so that routing never
// names an unknown one.
type DepartmentLookup interface {
	DepartmentExists(ctx context.Context, id string) (bool, error)
}

// Registry stores form drafts and published versions in the forms bucket.
// Published versions never change, so each is compiled once and cached.
// Which version of each form is the latest, asked for every submission and
// every form page, is read from a copy of the bucket's latest-version keys
// that a watch keeps (kvcopy).
type Registry struct {
	kv          jetstream.KeyValue
	latest      *kvcopy.Copy[int]
	departments DepartmentLookup
	now         func() time.Time

	mu    sync.Mutex
	cache map[string]*Compiled
}

// NewRegistry opens the registry on the forms bucket.
func NewRegistry(ctx context.Context, b *bus.Bus, departments DepartmentLookup) (*Registry, error) {
	kv, err := b.KV(ctx, bus.BucketForms)
	if err != nil {
		return nil, err
	}
	latest := kvcopy.New(kv, bus.FormLatestKeys, func(value []byte) (int, bool) {
		n, err := strconv.Atoi(string(value))
		return n, err == nil
	})
	return &Registry{kv: kv, latest: latest, departments: departments, now: time.Now, cache: map[string]*Compiled{}}, nil
}

// SaveDraft checks a definition and stores it as the form's draft. It returns
// a *DefinitionError when the definition is invalid or unsafe.
func (r *Registry) SaveDraft(ctx context.Context, f Form) error {
	if err := Check(ctx, f, r.departments); err != nil {
		return err
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = r.kv.Put(ctx, bus.FormDraftKey(f.ID), raw)
	return err
}

// Check collects every problem of a definition into a *DefinitionError,
// asking departments whether the departments it names exist. Other errors
// come from departments.
func Check(ctx context.Context, f Form, departments DepartmentLookup) error {
	problems := &DefinitionError{}
	if !ValidID(f.ID) {
		problems.add("id", locale.Text{
			FR: "L'identifiant doit être fait de minuscules non accentuées et de chiffres, séparés par des tirets (64 caractères au plus).",
			EN: "The id must be unaccented lower-case letters and digits, separated by hyphens (64 characters at most).",
		})
	}
	if t := strings.TrimSpace(f.Title); t == "" || len([]rune(t)) > MaxTitleLength {
		problems.add("title", locale.Text{
			FR: fmt.Sprintf("Le titre est obligatoire et compte au plus %d caractères.", MaxTitleLength),
			EN: fmt.Sprintf("The title is required and has at most %d characters.", MaxTitleLength),
		})
	}
	if f.Audience != Public && f.Audience != Internal {
		problems.add("audience", locale.Text{
			FR: "Le public doit être « public » (usagers) ou « internal » (agents).",
			EN: "The audience must be \"public\" (citizens) or \"internal\" (agents).",
		})
	}
	if !isJSONObject(f.Schema) {
		problems.add("schema", locale.Text{FR: "Le schéma doit être un objet JSON.", EN: "The schema must be a JSON object."})
	} else if _, err := Compile(f.Schema, "schema"); err != nil {
		problems.merge(err)
	} else if t, _ := asObject(decodeNumbers(f.Schema))["type"].(string); t != "object" {
		problems.add("schema.type", locale.Text{
			FR: "Le schéma d'un formulaire décrit un objet : « type » doit valoir « object ».",
			EN: "A form's schema describes an object: \"type\" must be \"object\".",
		})
	}
	if len(f.UISchema) > 0 && !isJSONObject(f.UISchema) {
		problems.add("uiSchema", locale.Text{FR: "Le uiSchema doit être un objet JSON.", EN: "The uiSchema must be a JSON object."})
	}
	if f.DraftDays < 0 || f.DraftDays > MaxDraftDays {
		problems.add("draftDays", locale.Text{
			FR: fmt.Sprintf("La durée de conservation des brouillons va de 1 à %d jours.", MaxDraftDays),
			EN: fmt.Sprintf("Drafts are kept from 1 to %d days.", MaxDraftDays),
		})
	}
	if f.MaxSubmissions < 0 {
		problems.add("maxSubmissions", locale.Text{
			FR: "Le nombre maximal de dépôts ne peut pas être négatif.",
			EN: "The maximum number of submissions cannot be negative.",
		})
	}
	if f.RetentionDays < 0 || f.RetentionDays > MaxRetentionDays {
		problems.add("retentionDays", locale.Text{
			FR: fmt.Sprintf("La durée de conservation va de 1 à %d jours.", MaxRetentionDays),
			EN: fmt.Sprintf("The retention period is from 1 to %d days.", MaxRetentionDays),
		})
	}
	if len([]rune(f.Confirmation)) > MaxConfirmationLength {
		problems.add("confirmation", locale.Text{
			FR: fmt.Sprintf("Le texte de confirmation compte au plus %d caractères.", MaxConfirmationLength),
			EN: fmt.Sprintf("The confirmation text has at most %d characters.", MaxConfirmationLength),
		})
	}
	if f.OpensAt != nil && f.ClosesAt != nil && !f.OpensAt.Before(*f.ClosesAt) {
		problems.add("closesAt", locale.Text{
			FR: "La date de fermeture doit suivre la date d'ouverture.",
			EN: "The closing date must come after the opening date.",
		})
	}
	if f.Routing.Default == "" {
		problems.add("routing.default", locale.Text{
			FR: "Le service destinataire par défaut est obligatoire.",
			EN: "The default receiving department is required.",
		})
	} else if err := checkDepartment(ctx, departments, f.Routing.Default, "routing.default", problems); err != nil {
		return err
	}
	for i, rule := range f.Routing.Rules {
		if _, err := Compile(rule.When, fmt.Sprintf("routing.rules[%d].when", i)); err != nil {
			problems.merge(err)
		}
		if err := checkDepartment(ctx, departments, rule.Department, fmt.Sprintf("routing.rules[%d].department", i), problems); err != nil {
			return err
		}
	}
	if err := checkWorkflow(ctx, departments, f, problems); err != nil {
		return err
	}
	compileChecks(f, problems)
	compileDateBounds(f, problems)
	compileCalculations(f, problems)
	for i, origin := range f.EmbedOrigins {
		if !ValidEmbedOrigin(origin) {
			problems.add(fmt.Sprintf("embedOrigins[%d]", i), locale.Text{
				FR: fmt.Sprintf("« %s » n'est pas l'adresse d'un site : https://, son nom, sans chemin, comme https://www.moselle.fr.", origin),
				EN: fmt.Sprintf("“%s” is not a site's address: https://, its name, no path, like https://www.moselle.fr.", origin),
			})
		}
	}
	return problems.orNil()
}

func checkDepartment(ctx context.Context, departments DepartmentLookup, id, location string, problems *DefinitionError) error {
	exists, err := departments.DepartmentExists(ctx, id)
	if err != nil {
		return err
	}
	if !exists {
		problems.add(location, locale.Text{
			FR: fmt.Sprintf("Le service %q n'existe pas.", id),
			EN: fmt.Sprintf("The department %q does not exist.", id),
		})
	}
	return nil
}

func isJSONObject(raw json.RawMessage) bool {
	_, ok := decodeNumbers(raw).(map[string]any)
	return ok
}

// Draft returns a form's draft.
func (r *Registry) Draft(ctx context.Context, id string) (Form, error) {
	var f Form
	if !ValidID(id) {
		return f, ErrNoDraft
	}
	err := r.get(ctx, bus.FormDraftKey(id), &f)
	if errors.Is(err, ErrNotFound) {
		return f, ErrNoDraft
	}
	return f, err
}

// Publish freezes the draft as the next version. Publishing a draft that has
// not changed since the latest version returns that version.
func (r *Registry) Publish(ctx context.Context, id string) (*Compiled, error) {
	draft, err := r.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if archived, err := r.Archived(ctx, id); err != nil || archived {
		return nil, cmp.Or(err, ErrArchived)
	}
	// The departments may have changed since the draft was saved.
	if err := Check(ctx, draft, r.departments); err != nil {
		return nil, err
	}
	// A draft may be half translated; a version is published in its
	// languages only when fully translated into each.
	untranslated := &DefinitionError{}
	if checkLanguages(draft, untranslated); untranslated.orNil() != nil {
		return nil, untranslated
	}
	latest, err := r.Latest(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	case SameForm(latest.Form, draft):
		return latest, nil
	}
	next := 1
	if latest != nil {
		next = latest.Version.Version + 1
	}
	v := Version{Form: draft, PublishedAt: r.now().UTC().Truncate(time.Millisecond)}
	for {
		v.Version = next
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		// Create fails on an existing key, so a version is never overwritten,
		// even by two admins publishing at once.
		_, err = r.kv.Create(ctx, bus.FormVersionKey(id, next), raw)
		if errors.Is(err, jetstream.ErrKeyExists) {
			next++
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	revision, err := r.kv.Put(ctx, bus.FormLatestKey(id), []byte(strconv.Itoa(next)))
	if err != nil {
		return nil, err
	}
	r.latest.Note(bus.FormLatestKey(id), next, revision)
	return r.Version(ctx, id, next)
}

// SameForm reports whether two definitions are the same, setting for setting.
func SameForm(a, b Form) bool {
	ra, errA := json.Marshal(a)
	rb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ra, rb)
}

// Unpublish takes a form out of the catalogue: Latest no longer finds it,
// while its versions stay readable for the submissions made with them.
// Publishing again makes the next version.
func (r *Registry) Unpublish(ctx context.Context, id string) error {
	if _, err := r.Latest(ctx, id); err != nil {
		return err
	}
	if err := r.kv.Delete(ctx, bus.FormLatestKey(id)); err != nil {
		return err
	}
	r.latest.Forget(bus.FormLatestKey(id))
	return nil
}

// Archive takes a form out of the catalogue and out of the admins' list
// of forms in progress; its draft and versions stay. An archived form is
// not published again until it is restored.
func (r *Registry) Archive(ctx context.Context, id string) error {
	if _, err := r.Draft(ctx, id); err != nil {
		return err
	}
	if _, err := r.kv.Put(ctx, bus.FormArchivedKey(id), []byte(r.now().UTC().Format(time.RFC3339))); err != nil {
		return err
	}
	if err := r.kv.Delete(ctx, bus.FormLatestKey(id)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return err
	}
	r.latest.Forget(bus.FormLatestKey(id))
	return nil
}

// Restore brings an archived form back among the forms in progress,
// unpublished: publishing it again makes its next version.
func (r *Registry) Restore(ctx context.Context, id string) error {
	if _, err := r.Draft(ctx, id); err != nil {
		return err
	}
	err := r.kv.Delete(ctx, bus.FormArchivedKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// Archived reports whether a form is archived.
func (r *Registry) Archived(ctx context.Context, id string) (bool, error) {
	_, err := r.kv.Get(ctx, bus.FormArchivedKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Drafts returns the draft of every form, by id.
func (r *Registry) Drafts(ctx context.Context) ([]Form, error) {
	lister, err := r.kv.ListKeysFiltered(ctx, bus.FormDraftKeys)
	if err != nil {
		return nil, err
	}
	var ids []string
	for key := range lister.Keys() {
		ids = append(ids, strings.TrimSuffix(key, ".draft"))
	}
	slices.Sort(ids)
	drafts := make([]Form, 0, len(ids))
	for _, id := range ids {
		f, err := r.Draft(ctx, id)
		if err != nil {
			return nil, err
		}
		drafts = append(drafts, f)
	}
	return drafts, nil
}

// Versions returns the numbers of a form's published versions, in order,
// whether or not the form is still in the catalogue.
func (r *Registry) Versions(ctx context.Context, id string) ([]int, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	lister, err := r.kv.ListKeysFiltered(ctx, bus.FormKeys(id))
	if err != nil {
		return nil, err
	}
	var versions []int
	for key := range lister.Keys() {
		if n, err := strconv.Atoi(strings.TrimPrefix(key, id+".v")); err == nil && strings.HasPrefix(key, id+".v") {
			versions = append(versions, n)
		}
	}
	slices.Sort(versions)
	return versions, nil
}

// Preview compiles a definition that is not published, such as a draft,
// to try its validation and routing.
func Preview(f Form) (*Compiled, error) {
	return compile(Version{Form: f})
}

// Latest returns the latest published version of a form.
func (r *Registry) Latest(ctx context.Context, id string) (*Compiled, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	n, ok, err := r.latest.Get(ctx, bus.FormLatestKey(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		// Published a moment ago elsewhere, or not published: ask the bucket.
		entry, err := r.kv.Get(ctx, bus.FormLatestKey(id))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if n, err = strconv.Atoi(string(entry.Value())); err != nil {
			return nil, fmt.Errorf("schemas: latest version of %s: %w", id, err)
		}
	}
	return r.Version(ctx, id, n)
}

// Version returns version n of a form.
func (r *Registry) Version(ctx context.Context, id string, n int) (*Compiled, error) {
	if !ValidID(id) || n < 1 {
		return nil, ErrNotFound
	}
	key := bus.FormVersionKey(id, n)
	r.mu.Lock()
	c, ok := r.cache[key]
	r.mu.Unlock()
	if ok {
		return c, nil
	}
	var v Version
	if err := r.get(ctx, key, &v); err != nil {
		return nil, err
	}
	c, err := compile(v)
	if err != nil {
		return nil, fmt.Errorf("schemas: stored version %s no longer compiles: %w", key, err)
	}
	r.mu.Lock()
	r.cache[key] = c
	r.mu.Unlock()
	return c, nil
}

// List returns the latest version of every published form, by id.
func (r *Registry) List(ctx context.Context) ([]*Compiled, error) {
	lister, err := r.kv.ListKeysFiltered(ctx, bus.FormLatestKeys)
	if err != nil {
		return nil, err
	}
	var ids []string
	for key := range lister.Keys() {
		ids = append(ids, strings.TrimSuffix(key, ".latest"))
	}
	slices.Sort(ids)
	forms := make([]*Compiled, 0, len(ids))
	for _, id := range ids {
		c, err := r.Latest(ctx, id)
		if err != nil {
			return nil, err
		}
		forms = append(forms, c)
	}
	return forms, nil
}

func (r *Registry) get(ctx context.Context, key string, into any) error {
	entry, err := r.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(entry.Value(), into)
}
