package bus

import (
	"slices"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// declared are the key-value buckets that their packages declared, which
// Open creates or updates.
var declared struct {
	sync.Mutex
	buckets []jetstream.KeyValueConfig
}

// DeclareBucket declares a key-value bucket for Open to create, or to
// update to cfg: its description, TTL and history. The package that owns a
// bucket declares it, from an init function, with a name from names.go;
// Open sets the storage and the replicas. Declaring a bucket twice keeps
// the last declaration.
func DeclareBucket(cfg jetstream.KeyValueConfig) {
	declared.Lock()
	defer declared.Unlock()
	declared.buckets = slices.DeleteFunc(declared.buckets, func(c jetstream.KeyValueConfig) bool { return c.Bucket == cfg.Bucket })
	declared.buckets = append(declared.buckets, cfg)
}

// declaredBuckets returns the buckets declared so far, in a stable order.
func declaredBuckets() []jetstream.KeyValueConfig {
	declared.Lock()
	defer declared.Unlock()
	buckets := slices.Clone(declared.buckets)
	slices.SortFunc(buckets, func(a, b jetstream.KeyValueConfig) int { return strings.Compare(a.Bucket, b.Bucket) })
	return buckets
}
