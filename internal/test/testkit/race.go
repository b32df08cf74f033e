//go:build race

package testkit

// Race is true when the tests run with the race detector, which makes
// them several times slower: tests that move hundreds of megabytes move
// less.
const Race = true
