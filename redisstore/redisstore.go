// Package redisstore is a smshook.Store in Redis, for several receivers behind one URL: a hookId claimed by
// one of them is not processed by another within the retention window.
//
// A claim is `SET key 1 NX PX ttl`; a release after a failed delivery is `DEL key`.
package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smshook/smshook"
)

// DefaultPrefix prefixes every key the Store writes.
const DefaultPrefix = "smshook:hook:"

// Store is a smshook.Store backed by a Redis client. It is safe for concurrent use.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var _ smshook.Store = (*Store)(nil)

// New returns a Store on client, writing keys under prefix (DefaultPrefix when empty).
func New(client redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: prefix}
}

// Open connects to a Redis URL (redis://[user:password@]host:port/db, or rediss:// for TLS) and checks the
// connection with PING. It fails when the URL does not parse or Redis does not answer; the error never
// repeats the URL's password.
func Open(ctx context.Context, url string) (*Store, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: not a Redis URL (redis://host:port/db)")
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisstore: %s does not answer: %w", opts.Addr, err)
	}
	return New(client, ""), nil
}

// Claim implements smshook.Store with SET NX and an expiry of ttl.
func (s *Store) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	ok, err := s.client.SetNX(ctx, s.prefix+id, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: claim: %w", err)
	}
	return ok, nil
}

// Release implements smshook.Store with DEL.
func (s *Store) Release(ctx context.Context, id string) error {
	if err := s.client.Del(ctx, s.prefix+id).Err(); err != nil {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	return nil
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }
