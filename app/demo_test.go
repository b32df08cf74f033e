package app_test

import (
	"slices"
	"testing"
)

// The demo content is complete and consistent: each demo form takes a
// realistic submission and routes it where the council would.
func TestDemoContent(t *testing.T) {
	dataDir := t.TempDir()
	g := start(t, dataDir, true)
	g.must(200, "PUT", "/api/accounts/agent-rh", adminToken, `{"name":"Claire Schmitt","role":"agent","active":true,"departments":["rh"]}`)
	agent := g.must(201, "POST", "/api/accounts/agent-rh/tokens", adminToken, `{"name":"démo"}`)["token"].(string)

	titles := func(token string) []string {
		var out []string
		for _, item := range g.must(200, "GET", "/api/forms", token, "")["items"].([]any) {
			out = append(out, item.(map[string]any)["title"].(string))
		}
		return out
	}
	public := titles("")
	if len(public) < 1 || slices.Contains(public, "Demande de congés") {
		t.Errorf("public catalogue = %v", public)
	}
	all := titles(agent)
	for _, want := range []string{"Demande de congés", "Ordre de mission", "Frais de déplacement"} {
		if !slices.Contains(all, want) {
			t.Errorf("agents' catalogue lacks %q: %v", want, all)
		}
	}

	cases := []struct {
		form, token, data, department string
	}{
		{
			"transport-scolaire",
			"",
			`{"responsable":{"nom":"Weber","prenom":"Anne","email":"anne.weber@example.fr"},"eleve":{"nom":"Weber","prenom":"Léo",` +
				`"naissance":"2014-09-03"},"commune":"Thionville","etablissement":"Collège Jean Macé","classe":"6e"}`,
			"territoire-thionville",
		},
		{
			"transport-scolaire",
			"",
			`{"responsable":{"nom":"Klein","prenom":"Paul","email":"p.klein@example.fr"},"eleve":{"nom":"Klein","prenom":"Emma",` +
				`"naissance":"2012-01-15"},"commune":"Forbach","etablissement":"Lycée Blaise Pascal","classe":"2nde","interne":true}`,
			"territoire-sarreguemines",
		},
		{
			"transport-scolaire",
			"",
			`{"responsable":{"nom":"Yılmaz","prenom":"Şükrü","email":"s.yilmaz@example.fr"},"eleve":{"nom":"Yılmaz","prenom":"Ayşe",` +
				`"naissance":"2013-05-02"},"commune":"Montigny-lès-Metz","etablissement":"Collège « Jean Rostand »","classe":"5e"}`,
			"transports",
		},
		{
			"subvention-association",
			"",
			`{"association":"Les Amis du Château de Malbrouck","siret":"12345678901234","domaine":"culture","projet":"Restauration des costumes ` +
				`de la fête médiévale de Manderen","montant":4500,"contact":{"nom":"Hélène Roth","email":"h.roth@example.fr"}}`,
			"culture",
		},
		{
			"subvention-association",
			"",
			`{"association":"FC Sarreguemines","siret":"98765432109876","domaine":"sport","projet":"Tournoi transfrontalier de jeunes avec la ` +
				`Sarre voisine","montant":2000,"contact":{"nom":"Marc Lang","email":"m.lang@example.fr"}}`,
			"sports",
		},
		{
			"subvention-association",
			"",
			`{"association":"Épicerie solidaire de Bitche","siret":"11122233344455","domaine":"solidarite","projet":"Achat d'un véhicule ` +
				`frigorifique pour les tournées","montant":12000,"contact":{"nom":"Nadia Benali","email":"n.benali@example.fr"}}`,
			"solidarites",
		},
		{
			"demande-conges",
			agent,
			`{"agent":"Claire Schmitt","type":"ca","debut":"2026-12-21","fin":"2026-12-31","jours":7,"commentaire":"Fêtes de fin d'année"}`,
			"rh",
		},
		{
			"ordre-mission",
			agent,
			`{"objet":"Comité transfrontalier de la Grande Région","destination":"Luxembourg","depart":"2026-01-12","retour":"2026-01-12",` +
				`"transport":"train","etranger":true,"avance":150}`,
			"finances",
		},
		{
			"ordre-mission",
			agent,
			`{"objet":"Visite du collège de Bitche","destination":"Bitche","depart":"2027-01-20","retour":"2027-01-20",` +
				`"transport":"vehicule-service"}`,
			"rh",
		},
		{
			"frais-deplacement",
			agent,
			`{"ordreMission":"2027-ABCD-EFGH-JKMN","trajets":[{"date":"2026-01-12","depart":"Metz","arrivee":"Luxembourg","km":65},` +
				`{"date":"2026-01-12","depart":"Luxembourg","arrivee":"Metz","km":65}],"puissance":"5cv","repas":1,"total":9999}`,
			"rh",
		},
		{
			"frais-deplacement",
			agent,
			`{"ordreMission":"2027-ABCD-EFGH-JKMP","trajets":[{"date":"2026-02-02","depart":"Metz","arrivee":"Bruxelles","km":300},` +
				`{"date":"2026-02-04","depart":"Bruxelles","arrivee":"Metz","km":300}],"puissance":"8cv","nuitees":3}`,
			"finances",
		},
	}
	for _, c := range cases {
		receipt := g.must(201, "POST", "/api/forms/"+c.form+"/submissions", c.token, `{"data":`+c.data+`}`)
		status := g.waitProcessed(receipt["reference"].(string), receipt["token"].(string))
		if status["department"] != c.department {
			t.Errorf("%s: routed to %v, want %s", c.form, status["department"], c.department)
		}
	}

	// A restart does not seed again.
	g.stop()
	g = start(t, dataDir, true)
	g.must(200, "GET", "/api/forms/demande-conges/versions/1", agent, "")
	g.must(404, "GET", "/api/forms/demande-conges/versions/2", agent, "")
}

// GUICHET_DEMO=0 starts empty.
func TestNoDemoContent(t *testing.T) {
	g := start(t, t.TempDir(), false)
	if items := g.must(200, "GET", "/api/forms", "", "")["items"].([]any); len(items) != 0 {
		t.Errorf("forms without demo: %v", items)
	}
	if items := g.must(200, "GET", "/api/departments", adminToken, "")["items"].([]any); len(items) != 0 {
		t.Errorf("departments without demo: %v", items)
	}
}
