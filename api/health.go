package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// registerHealth serves /healthz (the process answers) and /readyz (NATS
// and its streams answer), for load balancers and orchestrators.
func registerHealth(mux *http.ServeMux, ready func(context.Context) error) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeHealth(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			writeHealth(w, http.StatusServiceUnavailable, "unavailable")
			return
		}
		writeHealth(w, http.StatusOK, "ready")
	})
}

// Health serves only /healthz and /readyz, for processes that serve
// nothing else.
func Health(ready func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	registerHealth(mux, ready)
	return mux
}

func writeHealth(w http.ResponseWriter, status int, state string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": state})
}
