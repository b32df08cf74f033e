package api_test

import (
	"strings"
	"testing"
)

// Bad input gets a clear problem, in French by default and in English on
// request, and nothing is stored.
func TestBadInputGetsClearProblems(t *testing.T) {
	s := startWithPermis(t)

	huge := `{"data":{"nom":"` + strings.Repeat("é", 17<<20) + `"}}`
	cases := []struct {
		name, method, path, token, body string
		status                          int
		location, fr, en                string
	}{
		{"malformed JSON", "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":"Dupont"`, 400,
			"body", "Le corps de la requête n'est pas un JSON valide", "The request body is not valid JSON"},
		{"body too large", "POST", "/api/forms/permis/submissions", "", huge, 413,
			"", "Le corps de la requête dépasse la taille maximale de 33554432 octets.", "The request body is larger than the 33554432-byte limit."},
		{"no data", "POST", "/api/forms/permis/submissions", "", `{}`, 422,
			"body.data", "La propriété « data » est obligatoire.", "expected required property data to be present"},
		{"data not an object", "POST", "/api/forms/permis/submissions", "", `{"data":["Dupont"]}`, 422,
			"body.data", "Les réponses doivent être un objet JSON", "The answers must be a JSON object"},
		{
			"data nested too deep",
			"POST",
			"/api/forms/permis/submissions",
			"",
			`{"data":` + strings.Repeat(`{"a":`, 20) + `1` + strings.Repeat(`}`, 21),
			422,
			"",
			"Les réponses dépassent les limites",
			"The answers exceed the limits",
		},
		{"unknown form", "POST", "/api/forms/inconnu/submissions", "", `{"data":{}}`, 404,
			"", "Ce formulaire n'existe pas ou n'est pas publié.", "This form does not exist or is not published."},
		{"invalid field", "POST", "/api/forms/permis/submissions", "", `{"data":{"nom":42}}`, 422,
			"body.data.nom", "« Nom » doit être un texte.", "“Nom” must be text."},
		{
			"file $ref in a schema",
			"PUT",
			"/api/forms/piege/draft",
			adminToken,
			`{"title":"Piège","audience":"public","schema":{"type":"object","properties":{"x":{"$ref":"file:///etc/passwd"}}},` +
				`"routing":{"default":"accueil"}}`,
			422,
			"body.schema.properties.x.$ref",
			"seules les références internes au schéma",
			"only references inside the schema",
		},
		{
			"URL $ref in a rule",
			"PUT",
			"/api/forms/piege/draft",
			adminToken,
			`{"title":"Piège","audience":"public","schema":{"type":"object"},"routing":{"default":"accueil",` +
				`"rules":[{"when":{"$ref":"http://127.0.0.1:1/x.json"},"department":"accueil"}]}}`,
			422,
			"body.routing.rules[0].when.$ref",
			"seules les références internes au schéma",
			"only references inside the schema",
		},
		{
			"unknown department",
			"PUT",
			"/api/forms/piege/draft",
			adminToken,
			`{"title":"Piège","audience":"public","schema":{"type":"object"},"routing":{"default":"accueil","rules":[{"when":{},` +
				`"department":"fantome"}]}}`,
			422,
			"body.routing.rules[0].department",
			"Le service \"fantome\" n'existe pas.",
			"The department \"fantome\" does not exist.",
		},
		{"publish without a draft", "POST", "/api/forms/sans-brouillon/publish", adminToken, "", 404,
			"", "Ce formulaire n'a pas de brouillon", "This form has no draft"},
		{"unknown property", "PUT", "/api/departments/social", adminToken, `{"name":"Social","couleur":"bleu"}`, 422,
			"body.couleur", "Cette propriété n'est pas prévue.", "unexpected property"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for lang, want := range map[string]string{"": c.fr, "en-GB,en;q=0.9": c.en} {
				r := s.Do(c.method, c.path, c.token, c.body, "Accept-Language", lang)
				if r.Status != c.status {
					t.Fatalf("status %d, want %d: %.300s", r.Status, c.status, r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q", ct)
				}
				problem := r.JSON(t)
				text := problem["detail"].(string)
				errs, _ := problem["errors"].([]any)
				for _, e := range errs {
					detail := e.(map[string]any)
					if c.location != "" && detail["location"] == c.location {
						text = detail["message"].(string)
					}
				}
				if !strings.Contains(text, want) {
					t.Errorf("Accept-Language %q: message %q lacks %q (problem: %.400s)", lang, text, want, r.Body)
				}
			}
		})
	}
	if subs := s.Do("GET", "/api/departments/accueil/submissions", adminToken, "").JSON(t)["items"].([]any); len(subs) != 0 {
		t.Errorf("refused submissions reached an inbox: %v", subs)
	}
	s.Must(404, "GET", "/api/forms/piege/draft", adminToken, "")
}
