package submit

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// MaxDraftAge is the longest a saved draft is kept, whatever its form says.
const MaxDraftAge = 90 * 24 * time.Hour

// The buckets of submissions: their status, inbox entries and drafts, and the facts about the data,
// which bus.Open creates.
func init() {
	for _, bucket := range []jetstream.KeyValueConfig{
		{Bucket: bus.BucketMeta, Description: "The version of the data's layout, for migrations, and the secret of keyed receipt tokens."},
		{Bucket: bus.BucketStatus, Description: "Current status of each submission."},
		{Bucket: bus.BucketInbox, Description: "Routed submissions by department."},
		{Bucket: bus.BucketDrafts, Description: "Forms saved to be finished later.", TTL: MaxDraftAge},
		{Bucket: bus.BucketAccountDrafts, Description: "The drafts each agent started signed in.", TTL: MaxDraftAge},
	} {
		bus.DeclareBucket(bucket)
	}
}
