package web

import (
	"strconv"

	"github.com/guichet/guichet/backoffice"
	"github.com/guichet/guichet/internal/platform/locale"
	"github.com/guichet/guichet/schemas"
	"github.com/guichet/guichet/submit"
)

// Thread is a dossier's conversation as a page shows it, to an agent or
// to the applicant (the "thread" template).
type Thread struct {
	Lang      locale.Lang
	Reference string
	// Token is the applicant's receipt token, which opens the files.
	Token    string
	Messages []ThreadMessage
}

// ThreadMessage is a message as a page shows it.
type ThreadMessage struct {
	submit.Message
	// Author names the agent who wrote it; empty for the applicant.
	Author string
	// Delivery says what became of its email, to agents.
	Delivery locale.Text
	// Asked are the titles of the answers it asks to correct.
	Asked []string
	// Unread says the reader has not seen it before.
	Unread bool
}

// MarkUnread marks the last n messages from a side as unread.
func (t *Thread) MarkUnread(from submit.Side, n int) {
	for i := len(t.Messages) - 1; i >= 0 && n > 0; i-- {
		if t.Messages[i].From == from {
			t.Messages[i].Unread = true
			n--
		}
	}
}

// FileLink is where a message's n-th file downloads from.
func (t Thread) FileLink(m ThreadMessage, n int) string {
	link := "/api/submissions/" + t.Reference + "/messages/" + strconv.FormatUint(m.ID, 10) + "/files/" + strconv.Itoa(n)
	if t.Token != "" {
		link += "?token=" + t.Token
	}
	return link
}

// FilesHint says what files a message takes.
func (t Thread) FilesHint() string { return backoffice.MessageFiles.Text(t.Lang) }

// FileText describes a file by its type and size: "PDF, 2,5 Mo".
func (t Thread) FileText(a submit.Attachment) string {
	return schemas.TypeName(a.Type) + ", " + schemas.SizeText(a.Size).In(t.Lang)
}

// Titles gives the titles of the fields named, by name, in the form's
// order: what a request for correction asks.
func Titles(fields []schemas.Field, names []string) []string {
	var out []string
	for _, f := range fields {
		for _, name := range names {
			if name == f.Name {
				out = append(out, f.Title)
			}
		}
	}
	return out
}
