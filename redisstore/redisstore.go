// Package redisstore is a smshook.Store in Redis, for several receivers behind one URL: a hook leased to one
// of them is not processed by another, and a processed hookId is not processed again within the retention.
// Give it to every receiver with smshook.WithStore:
//
//	store, err := redisstore.Open(ctx, os.Getenv("SMSHOOK_REDIS_URL")) // redis://host:6379/0
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	h, err := smshook.NewHandler(app, smshook.WithSecrets(secret), smshook.WithStore(store))
//
// Open makes its own client; New takes one you configured (a cluster, a sentinel, TLS settings), with keys
// under a prefix of your choice.
//
// Each id is one key under the prefix ("smshook:hook:" by default), whose value names the state and the
// attempt's token:
//
//	p:<token>  leased to that attempt, expiring with the lease
//	d:<token>  done, expiring with the retention
//
// Claim, Commit and Release are Lua scripts on one key each, sent as one pipeline per call, so that they
// work on Redis Cluster too. Because the value carries the token, a command that go-redis retries after a
// timeout, or that a stalled server runs late, cannot be mistaken for another attempt's: a claim that finds
// its own token has won, and a release or commit only touches its own lease. Any other value (left by an
// older version) counts as done.
package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smshook/smshook"
)

// defaultPrefix prefixes every key the Store writes when New is given none.
const defaultPrefix = "smshook:hook:"

// Store is a smshook.Store backed by a Redis client. It is safe for concurrent use.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var _ smshook.Store = (*Store)(nil)

// New returns a Store on client, writing keys under prefix; an empty prefix means "smshook:hook:", Open's.
// Receivers that share events must share the prefix. Give the client ContextTimeoutEnabled, as Open does, so
// that the handler's store timeout bounds every command. Close closes client.
func New(client redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = defaultPrefix
	}
	return &Store{client: client, prefix: prefix}
}

// Open connects to a Redis URL (redis://[user:password@]host:port/db, or rediss:// for TLS) and checks the
// connection with PING, and returns a Store whose keys are under "smshook:hook:". Commands honour their
// context's deadline. It fails when the URL does not parse or
// Redis does not answer; the error never repeats the URL's password.
func Open(ctx context.Context, url string) (*Store, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: not a Redis URL (redis://host:port/db)")
	}
	opts.ContextTimeoutEnabled = true
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisstore: %s does not answer: %w", opts.Addr, err)
	}
	return New(client, ""), nil
}

// Results of the claim script, in smshook.ClaimState's order.
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == 'p:' .. ARGV[1] then return 1 end
if string.sub(v, 1, 2) == 'p:' then return 2 end
return 3
`)

// 0: another attempt leases the key.
var commitScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 2) == 'p:' and v ~= 'p:' .. ARGV[1] then return 0 end
if v and string.sub(v, 1, 2) ~= 'p:' then return 1 end
redis.call('SET', KEYS[1], 'd:' .. ARGV[1], 'PX', ARGV[2])
return 1
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`)

// Claim implements smshook.Store.
func (s *Store) Claim(ctx context.Context, ids []string, token string, lease time.Duration) ([]smshook.ClaimState, error) {
	results, err := s.run(ctx, claimScript, ids, token, lease)
	if err != nil {
		return nil, fmt.Errorf("redisstore: claim: %w", err)
	}
	states := make([]smshook.ClaimState, len(results))
	for i, r := range results {
		states[i] = smshook.ClaimState(r)
		if states[i] < smshook.Claimed || states[i] > smshook.Done {
			return nil, fmt.Errorf("redisstore: claim: unexpected script result %d", r)
		}
	}
	return states, nil
}

// Commit implements smshook.Store.
func (s *Store) Commit(ctx context.Context, ids []string, token string, retention time.Duration) error {
	results, err := s.run(ctx, commitScript, ids, token, retention)
	if err != nil {
		return fmt.Errorf("redisstore: commit: %w", err)
	}
	lost := 0
	for _, r := range results {
		if r == 0 {
			lost++
		}
	}
	if lost > 0 {
		return fmt.Errorf("redisstore: commit: %d of %d ids: %w", lost, len(ids), smshook.ErrLeaseLost)
	}
	return nil
}

// Release implements smshook.Store.
func (s *Store) Release(ctx context.Context, ids []string, token string) error {
	if _, err := s.run(ctx, releaseScript, ids, token, 0); err != nil {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	return nil
}

// run runs script once per id in one pipeline, loading the script first if Redis does not know it (after a
// restart, or on a new server), and returns each id's integer result.
func (s *Store) run(ctx context.Context, script *redis.Script, ids []string, token string, d time.Duration) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{token, strconv.FormatInt(d.Milliseconds(), 10)}
	results, err := s.pipeline(ctx, script, ids, args)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if err := script.Load(ctx, s.client).Err(); err != nil {
			return nil, err
		}
		results, err = s.pipeline(ctx, script, ids, args)
	}
	return results, err
}

func (s *Store) pipeline(ctx context.Context, script *redis.Script, ids []string, args []any) ([]int64, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.Cmd, len(ids))
	for i, id := range ids {
		cmds[i] = script.EvalSha(ctx, pipe, []string{s.prefix + id}, args...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		for _, c := range cmds {
			if c.Err() != nil && redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				return nil, c.Err()
			}
		}
		return nil, err
	}
	results := make([]int64, len(cmds))
	for i, c := range cmds {
		n, err := c.Int64()
		if err != nil {
			return nil, err
		}
		results[i] = n
	}
	return results, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }
