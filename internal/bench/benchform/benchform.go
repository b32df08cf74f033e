// Package benchform is the form the benchmarks measure: ten fields of the
// usual kinds, answered with text in several scripts, as a council's
// grant request would be.
//
// A tool (internal/test/layering).
package benchform

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/guichet/guichet/schemas"
)

// ID is the benchmark form's id.
const ID = "demande-aide"

// Form is the ten-field form, routed to the "accueil" department.
func Form() schemas.Form {
	return schemas.Form{
		ID: ID, Title: "Demande d'aide à l'équipement sportif", Audience: schemas.Public,
		Schema: json.RawMessage(`{"type":"object","required":["nom","courriel","commune","montant"],"properties":{
			"nom":{"type":"string","title":"Nom et prénom","minLength":1,"maxLength":100},
			"courriel":{"type":"string","format":"email","title":"Courriel"},
			"telephone":{"type":"string","title":"Téléphone","pattern":"^[0-9 +]{10,20}$"},
			"naissance":{"type":"string","format":"date","title":"Date de naissance"},
			"commune":{"type":"string","enum":["Metz","Thionville","Forbach","Sarreguemines","Sarrebourg"],"title":"Commune"},
			"association":{"type":"string","title":"Association sportive","maxLength":200},
			"discipline":{"type":"string","enum":["football","handball","judo","natation","athlétisme"],"title":"Discipline"},
			"montant":{"type":"integer","minimum":1,"maximum":5000,"title":"Montant demandé (€)"},
			"licencie":{"type":"boolean","title":"Licencié dans un club mosellan"},
			"projet":{"type":"string","title":"Description du projet","maxLength":2000}}}`),
		Routing: schemas.Routing{Default: "accueil"},
	}
}

var names = []string{
	"Şükrü Yılmaz-Lefèvre",
	"Anne-Cécile Schœffer",
	"Jérôme Müller",
	"Νίκος Παπαδόπουλος",
	"Ольга Иванова",
	"Zoë Lambert-Çelik",
}

// Data returns the i-th answers, valid for Form.
func Data(i int) json.RawMessage {
	name := names[i%len(names)]
	raw, _ := json.Marshal(map[string]any{
		"nom": name, "courriel": fmt.Sprintf("demandeur.%d@example.fr", i), "telephone": "03 87 37 57 57",
		"naissance": "2009-04-17", "commune": []string{"Metz", "Thionville", "Forbach"}[i%3],
		"association": "Association sportive de Montigny-lès-Metz", "discipline": "athlétisme",
		"montant": 150 + i%1000, "licencie": i%2 == 0,
		"projet": "Achat d'une paire de pointes et d'un survêtement pour la saison 2026-2027 — « cœur de l'équipe » : 120 € ; inscription aux " +
			"championnats de Lorraine.",
	})
	return raw
}

// RunConcurrently runs op b.N times in all, by that many callers at once;
// one caller runs it in the benchmark's own loop.
func RunConcurrently(b *testing.B, callers int, op func()) {
	b.ReportAllocs()
	if callers == 1 {
		for b.Loop() {
			op()
		}
		return
	}
	b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			op()
		}
	})
}
