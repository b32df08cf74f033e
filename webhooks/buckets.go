package webhooks

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// The buckets of webhooks and their deliveries,
// which bus.Open creates.
func init() {
	for _, bucket := range []jetstream.KeyValueConfig{
		{Bucket: bus.BucketWebhooks, Description: "Webhooks registered by admins."},
		{Bucket: bus.BucketDeliveries, Description: "Webhook deliveries: delivered or failed, attempts, last error.", TTL: 30 * 24 * time.Hour},
	} {
		bus.DeclareBucket(bucket)
	}
}
