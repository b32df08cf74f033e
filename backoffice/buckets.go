package backoffice

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// Marks of the notifications bucket (bus.BucketNotifications): an email
// on its way (a crash then sends it again), one sent, one that failed and
// is tried again, and none sent for want of an address or because the
// relay refused it.
const (
	MailSending   = "sending"
	MailSent      = "sent"
	MailFailed    = "failed"
	MailNoAddress = "none"
	MailRefused   = "refused"
)

// MailDone reports whether a mark is final: nothing more is to be sent.
func MailDone(mark string) bool {
	return mark == MailSent || mark == MailNoAddress || mark == MailRefused
}

// The buckets of the back office,
// which bus.Open creates.
func init() {
	for _, bucket := range []jetstream.KeyValueConfig{
		{Bucket: bus.BucketSeen, Description: "Dossiers each agent has opened, for unread markers."},
		{Bucket: bus.BucketWorkflows, Description: "Approval state of internal requests."},
		{Bucket: bus.BucketPaper, Description: "Paper forms received per form and month, for the statistics."},
		{Bucket: bus.BucketNotifications, Description: "Events already emailed, so that none is sent twice.", TTL: 90 * 24 * time.Hour},
	} {
		bus.DeclareBucket(bucket)
	}
}
