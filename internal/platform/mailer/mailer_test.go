package mailer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/guichet/guichet/internal/platform/mailer"
	"github.com/guichet/guichet/internal/test/mailtest"
)

func TestSend(t *testing.T) {
	server := mailtest.Start(t)
	m, err := mailer.New(mailer.Config{
		Addr: server.Addr,
		From: "Département de la Moselle <ne-pas-repondre@moselle.example>",
		TLS:  mailer.NoTLS,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	err = m.Send(ctx, mailer.Message{To: "Şükrü Yılmaz <sukru@example.fr>", Subject: "Votre demande « aide » est reçue",
		Text: "Bonjour,\nœuvre — 5 €\n", Attachments: []mailer.Attachment{{Name: "2026-ABCD.pdf", Type: "application/pdf", Data: pdf}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(ctx, mailer.Message{To: "anne@example.fr", Subject: "Sans pièce", Text: "Texte seul"}); err != nil {
		t.Fatal(err)
	}
	got := server.Wait(t, 2)
	first := got[0]
	if first.From != "ne-pas-repondre@moselle.example" || strings.Join(first.To, ",") != "sukru@example.fr" ||
		first.Subject != "Votre demande « "+
			"aide » est reçue" {
		t.Errorf("envelope and subject: %+v", first)
	}
	if !strings.Contains(first.Text, "œuvre — 5 €") || string(first.Attachments["2026-ABCD.pdf"]) != string(pdf) {
		t.Errorf("body: %q, attachments %v", first.Text, first.Attachments)
	}
	if strings.TrimSpace(got[1].Text) != "Texte seul" {
		t.Errorf("single part: %q", got[1].Text)
	}

	if err := m.Send(ctx, mailer.Message{To: "pas une adresse", Subject: "x", Text: "x"}); !errors.Is(err, mailer.ErrBadRecipient) {
		t.Errorf("a bad address: %v", err)
	}
	server.Refuse(true)
	if err := m.Send(ctx, mailer.Message{
		To:      "anne@example.fr",
		Subject: "x",
		Text:    "x",
	}); err == nil || errors.Is(err, mailer.ErrBadRecipient) {
		t.Errorf("a relay refusing for now: %v", err)
	}
	if _, err := mailer.New(mailer.Config{Addr: server.Addr, From: "moi", TLS: mailer.NoTLS}); err == nil {
		t.Error("a sender without address is accepted")
	}
	if _, err := mailer.New(mailer.Config{Addr: server.Addr, From: "a@b.fr", TLS: "ssl3"}); err == nil {
		t.Error("an unknown TLS mode is accepted")
	}
}
