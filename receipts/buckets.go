package receipts

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// The buckets of receipts and of the keys that sign them,
// which bus.Open creates.
func init() {
	for _, bucket := range []jetstream.KeyValueConfig{
		{Bucket: bus.BucketReceipts, Description: "Signed acknowledgements of receipt, by reference."},
		{Bucket: bus.BucketReceiptKeys, Description: "Public keys that sign receipts, with their periods."},
	} {
		bus.DeclareBucket(bucket)
	}
}
