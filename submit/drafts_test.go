package submit

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/guichet/guichet/bus"
)

func TestDraftsExpire(t *testing.T) {
	ctx := context.Background()
	drafts, err := NewDrafts(ctx, bus.StartTest(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	drafts.now = func() time.Time { return now }
	token, err := drafts.Save(ctx, "", Draft{Form: "aide", Data: json.RawMessage(`{"nom":"Şükrü"}`), Step: 1}, 7*24*time.Hour)
	if err != nil || len(token) != 22 {
		t.Fatalf("token %q, %v", token, err)
	}
	if _, err := drafts.Get(ctx, token+"x"); !errors.Is(err, ErrNoDraft) {
		t.Errorf("a wrong token: %v", err)
	}
	now = now.Add(6 * 24 * time.Hour)
	d, err := drafts.Get(ctx, token)
	if err != nil || string(d.Data) != `{"nom":"Şükrü"}` || d.Step != 1 {
		t.Fatalf("draft after 6 days: %+v, %v", d, err)
	}
	// Saving again keeps the token and starts the lifetime again.
	if again, err := drafts.Save(ctx, token, d, 7*24*time.Hour); err != nil || again != token {
		t.Fatalf("saving again: %q, %v", again, err)
	}
	now = now.Add(6 * 24 * time.Hour)
	if _, err := drafts.Get(ctx, token); err != nil {
		t.Errorf("draft 6 days after its last save: %v", err)
	}
	now = now.Add(2 * 24 * time.Hour)
	if _, err := drafts.Get(ctx, token); !errors.Is(err, ErrNoDraft) {
		t.Errorf("expired draft: %v", err)
	}
}
