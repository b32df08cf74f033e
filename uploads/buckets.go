package uploads

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// The bucket of the files' records, which bus.Open creates.
func init() {
	bus.DeclareBucket(jetstream.KeyValueConfig{Bucket: bus.BucketUploads,
		Description: "Files received: type, size, SHA-256, scan result, and the draft or submission that holds them."})
}
