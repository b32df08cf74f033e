package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/guichet/guichet/app"
	"github.com/guichet/guichet/internal/bench/benchform"
	"github.com/guichet/guichet/internal/test/testkit"
)

// The whole HTTP path of a submission, in-process: the handler with its
// middleware, validation, the state and the publication with a
// disk sync, up to the 201; by one client, or by 32 at once.
func BenchmarkSubmit(b *testing.B) {
	for _, clients := range []int{1, 32, 256} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			// The API alone: processors would share the CPU and the allocations.
			a, base := testkit.StartApp(b, app.Config{AdminToken: adminToken, Role: app.RoleAPI})
			api := testkit.Client{T: b, URL: base}
			form := benchform.Form()
			api.Must(200, "PUT", "/api/departments/accueil", adminToken, `{"name":"Accueil"}`)
			api.Must(200, "PUT", "/api/forms/"+form.ID+"/draft", adminToken, fmt.Sprintf(`{"title":%q,"audience":"public","schema":%s,`+
				`"routing":{"default":"accueil"}}`, form.Title, form.Schema))
			api.Must(200, "POST", "/api/forms/"+form.ID+"/publish", adminToken, "")
			body := fmt.Appendf(nil, `{"data":%s}`, benchform.Data(0))
			submit := func() {
				req := httptest.NewRequest("POST", "/api/forms/"+form.ID+"/submissions", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				a.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Errorf("%d %s", rec.Code, rec.Body)
				}
			}
			benchform.RunConcurrently(b, clients, submit)
		})
	}
}
