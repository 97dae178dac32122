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
// Open makes its own client, for one server or a Redis Cluster; New takes one you configured (a sentinel, TLS
// settings), with keys under a prefix of your choice.
//
// Each id is one key under the prefix ("smshook:hook:" by default), whose value names the state and the
// attempt's token:
//
//	p:<token>  leased to that attempt, expiring with the lease
//	d:<token>  done, expiring with the retention
//
// Claim, Commit and Release are Lua scripts on one key each, sent as one pipeline per call, so that they
// work on Redis Cluster too (a test runs them on three masters, one of them stopped). Because the value
// carries the token, a command that go-redis retries after a timeout, or that a stalled server runs late,
// cannot be mistaken for another attempt's: a claim that finds its own token has won, and a release or
// commit only touches its own lease. Any other value (left by an older version) counts as done.
//
// Ids name the product since this version; for one retention after the upgrade, Claim also reads the key
// that earlier versions wrote for the same hook without it, and honours it (see Claim). On a cluster that key
// may live on another master than the hook's own: while a master is unreachable, the hooks whose legacy key
// it holds are answered 503 too, never 200 unchecked.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/hookkey"
	"github.com/smshook/smshook/internal/redact"
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
// connection with PING, and returns a Store whose keys are under "smshook:hook:". A URL with addr parameters
// names the nodes of a Redis Cluster (redis://[user:password@]host1:port?addr=host2:port&addr=host3:port, as
// go-redis's ParseClusterURL reads it): Open then checks that every master answers. Commands honour their
// context's deadline. It fails when the URL does not parse or Redis does not answer; the error never
// repeats the URL's password.
func Open(ctx context.Context, url string) (*Store, error) {
	if isCluster(url) {
		return openCluster(ctx, url)
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: not a Redis URL (redis://host:port/db): %w", redact.Error(err, url))
	}
	opts.ContextTimeoutEnabled = true
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisstore: %s does not answer: %w", opts.Addr, redact.Error(err, url))
	}
	return New(client, ""), nil
}

// isCluster reports whether url has an addr parameter, which only a cluster's URL has.
func isCluster(url string) bool {
	u, err := neturl.Parse(url)
	return err == nil && u.Query().Has("addr")
}

// openCluster is Open on a Redis Cluster. Each key is claimed, committed and released by a script on that key
// alone, so keys spread over the masters: while one master is unreachable, the hooks whose keys it holds are
// answered 503 and the others are served.
func openCluster(ctx context.Context, url string) (*Store, error) {
	opts, err := redis.ParseClusterURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: not a Redis Cluster URL (redis://host:port?addr=host:port): %w", redact.Error(err, url))
	}
	opts.ContextTimeoutEnabled = true
	client := redis.NewClusterClient(opts)
	err = client.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		if err := c.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("%s: %w", c.Options().Addr, err)
		}
		return nil
	})
	if err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisstore: the cluster at %s does not answer: %w", strings.Join(opts.Addrs, ","), redact.Error(err, url))
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

// Claim implements smshook.Store. For one retention after an upgrade it reads each id's legacy key too
// (hookkey.Legacy: the key of versions whose ids lacked the product), in the same pipeline: an id whose
// legacy key is done is Done, one whose legacy key is leased (by an attempt of the earlier version) is
// InProgress, and a lease this call took on such an id is released again. It writes no legacy key.
func (s *Store) Claim(ctx context.Context, ids []string, token string, lease time.Duration) ([]smshook.ClaimState, error) {
	results, legacy, err := s.run(ctx, claimScript, ids, token, lease, true)
	if err != nil {
		return nil, fmt.Errorf("redisstore: claim: %w", err)
	}
	states := make([]smshook.ClaimState, len(results))
	var undo []string // ids claimed here that their legacy key says were taken before
	for i, r := range results {
		states[i] = smshook.ClaimState(r)
		if states[i] < smshook.Claimed || states[i] > smshook.Done {
			return nil, fmt.Errorf("redisstore: claim: unexpected script result %d", r)
		}
		if i < len(legacy) && legacy[i] != "" {
			v := legacy[i]
			if states[i] == smshook.Claimed {
				undo = append(undo, ids[i])
			}
			states[i] = smshook.Done
			if strings.HasPrefix(v, "p:") {
				states[i] = smshook.InProgress
			}
		}
	}
	if len(undo) > 0 {
		if err := s.Release(ctx, undo, token); err != nil {
			return nil, err
		}
	}
	return states, nil
}

// Commit implements smshook.Store.
func (s *Store) Commit(ctx context.Context, ids []string, token string, retention time.Duration) error {
	results, _, err := s.run(ctx, commitScript, ids, token, retention, false)
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
	if _, _, err := s.run(ctx, releaseScript, ids, token, 0, false); err != nil {
		return fmt.Errorf("redisstore: release: %w", err)
	}
	return nil
}

// run runs script once per id in one pipeline, loading the script first if Redis does not know it (after a
// restart, or on a new server), and returns each id's integer result; with legacy, the pipeline reads each
// id's legacy key too and returns their values ("" when absent).
func (s *Store) run(ctx context.Context, script *redis.Script, ids []string, token string, d time.Duration, legacy bool) ([]int64, []string, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	args := []any{token, strconv.FormatInt(d.Milliseconds(), 10)}
	results, values, err := s.pipeline(ctx, script, ids, args, legacy)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if err := script.Load(ctx, s.client).Err(); err != nil {
			return nil, nil, err
		}
		results, values, err = s.pipeline(ctx, script, ids, args, legacy)
	}
	return results, values, err
}

func (s *Store) pipeline(ctx context.Context, script *redis.Script, ids []string, args []any, legacy bool) ([]int64, []string, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.Cmd, len(ids))
	var gets []*redis.StringCmd
	if legacy {
		gets = make([]*redis.StringCmd, len(ids))
	}
	for i, id := range ids {
		if l, ok := hookkey.Legacy(id); ok && legacy {
			gets[i] = pipe.Get(ctx, s.prefix+l)
		}
		cmds[i] = script.EvalSha(ctx, pipe, []string{s.prefix + id}, args...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		for _, c := range cmds {
			if c.Err() != nil && redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				return nil, nil, c.Err()
			}
		}
		return nil, nil, err
	}
	results := make([]int64, len(cmds))
	for i, c := range cmds {
		n, err := c.Int64()
		if err != nil {
			return nil, nil, err
		}
		results[i] = n
	}
	var values []string
	if legacy {
		values = make([]string, len(ids))
		for i, g := range gets {
			if g == nil {
				continue
			}
			v, err := g.Result()
			switch {
			case errors.Is(err, redis.Nil):
			case err != nil:
				return nil, nil, err
			default:
				values[i] = v
			}
		}
	}
	return results, values, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }
