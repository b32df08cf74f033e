package backoffice

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// Marks of the notifications bucket (bus.BucketNotifications): an email
// on its way (a crash then sends it again), and an email sent.
const (
	MailSending = "sending"
	MailSent    = "sent"
)

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
