package locale

import (
	"time"
	_ "time/tzdata" // Paris time on machines without a zoneinfo directory
)

// Paris is the time zone of the dates Guichet shows. The time zone database
// is embedded, so it loads on any machine.
var Paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// DateTime writes an instant as a person in France reads it.
func DateTime(t time.Time, lang Lang) string {
	paris := t.In(Paris)
	if lang == English {
		return paris.Format("2 January 2006 at 15:04") + " (Paris time)"
	}
	return paris.Format("02/01/2006 à 15:04:05") + " (heure de Paris)"
}

// Date writes the day of an instant, in Paris: "06/12/2026", "6 December 2026".
func Date(t time.Time, lang Lang) string {
	if lang == English {
		return t.In(Paris).Format("2 January 2006")
	}
	return t.In(Paris).Format("02/01/2006")
}
