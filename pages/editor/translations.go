package editor

import (
	"net/http"
	"slices"
	"strings"

	"github.com/guichet/guichet/internal/web"
	"github.com/guichet/guichet/schemas"
)

// translationRow is a text of the form with its translation.
type translationRow struct {
	Key, French, Text string
}

// languageSection is the form's texts in one language.
type languageSection struct {
	Lang, Name string
	// Chosen says the form is to be published in it.
	Chosen bool
	Rows   []translationRow
	// Missing counts the texts left to translate.
	Missing int
}

type translationsPage struct {
	Form      schemas.Form
	Languages []languageSection
	Errors    []string
	Notice    string
}

func (e *Pages) translationsForm(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	e.renderTranslations(w, r, http.StatusOK, draft, nil)
}

func (e *Pages) renderTranslations(w http.ResponseWriter, r *http.Request, status int, f schemas.Form, errs []string) {
	page := translationsPage{Form: f, Errors: errs, Notice: notice(r)}
	texts := schemas.Texts(f)
	for _, lang := range schemas.TranslationLanguages {
		section := languageSection{Lang: lang, Name: schemas.LanguageNames[lang], Chosen: slices.Contains(f.Languages, lang)}
		for _, t := range texts {
			row := translationRow{Key: t.Key, French: t.French, Text: f.Translations[lang][t.Key]}
			if row.Text == "" {
				section.Missing++
			}
			section.Rows = append(section.Rows, row)
		}
		page.Languages = append(page.Languages, section)
	}
	e.templates.Render(w, r, status, "translations.html",
		pageTitle(r, web.Say(r, "Langues et traductions", "Languages and translations"), f.Title, len(errs) > 0), page)
}

// saveTranslations saves the languages chosen and the texts typed, posted
// as "t.<language>.<key>"; an empty text is no translation.
func (e *Pages) saveTranslations(w http.ResponseWriter, r *http.Request) {
	draft, ok := e.loadDraft(w, r)
	if !ok {
		return
	}
	f := draft
	f.Languages = nil
	for _, lang := range schemas.TranslationLanguages {
		if r.PostFormValue("lang."+lang) == "on" {
			f.Languages = append(f.Languages, lang)
		}
	}
	f.Translations = map[string]map[string]string{}
	for name, values := range r.PostForm {
		lang, key, ok := strings.Cut(strings.TrimPrefix(name, "t."), ".")
		if !ok || !strings.HasPrefix(name, "t.") || !slices.Contains(schemas.TranslationLanguages, lang) {
			continue
		}
		if text := strings.TrimSpace(values[0]); text != "" {
			if f.Translations[lang] == nil {
				f.Translations[lang] = map[string]string{}
			}
			f.Translations[lang][key] = text
		}
	}
	if len(f.Translations) == 0 {
		f.Translations = nil
	}
	e.commit(w, r, nil, func() error { return e.Builder.SaveDraft(r.Context(), by(r), f) },
		func(errs []string) { e.renderTranslations(w, r, http.StatusUnprocessableEntity, f, errs) }, draft.ID, "/traductions")
}
