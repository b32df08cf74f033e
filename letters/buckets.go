package letters

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// The bucket of the templates, which bus.Open creates.
func init() {
	bus.DeclareBucket(jetstream.KeyValueConfig{Bucket: bus.BucketLetters,
		Description: "Templates of the decision letters, per form and per department."})
}
