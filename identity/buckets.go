package identity

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/guichet/guichet/bus"
)

// SessionMaxAge is the absolute lifetime of a browser session.
const SessionMaxAge = 12 * time.Hour

// LoginFailureWindow is how long failed logins are counted.
const LoginFailureWindow = 15 * time.Minute

// The buckets of departments, accounts and their credentials, sessions and tokens,
// which bus.Open creates.
func init() {
	for _, bucket := range []jetstream.KeyValueConfig{
		{Bucket: bus.BucketDepartments, Description: "Departments."},
		{Bucket: bus.BucketAccounts, Description: "Agent and admin accounts."},
		{Bucket: bus.BucketTokens, Description: "API tokens, by SHA-256."},
		{Bucket: bus.BucketCredentials, Description: "Password hashes (argon2id)."},
		{Bucket: bus.BucketSessions, Description: "Browser sessions, by SHA-256.", TTL: SessionMaxAge},
		{Bucket: bus.BucketLoginFailures, Description: "Failed logins, per account and per address.", TTL: LoginFailureWindow},
		{Bucket: bus.BucketSignInLinks, Description: "One-time sign-in links, by SHA-256.", TTL: SignInLinkLifetime},
	} {
		bus.DeclareBucket(bucket)
	}
}
