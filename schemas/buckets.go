package schemas

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// The buckets of forms,
// which bus.Open creates.
func init() {
	for _, bucket := range []jetstream.KeyValueConfig{
		{Bucket: bus.BucketForms, Description: "Form drafts and published versions.", History: 1},
	} {
		bus.DeclareBucket(bucket)
	}
}
