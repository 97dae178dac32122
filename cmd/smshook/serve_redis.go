package main

import (
	"net/url"

	"github.com/redis/go-redis/v9"

	"github.com/smshook/smshook/internal/redact"
)

// redisClient returns a client of the Redis that --redis names, as redisstore.Open reads the URL: a URL with
// addr parameters names the nodes of a Redis Cluster. Its error never repeats the URL's password.
func redisClient(redisURL string) (redis.UniversalClient, error) {
	if u, err := url.Parse(redisURL); err == nil && u.Query().Has("addr") {
		opts, err := redis.ParseClusterURL(redisURL)
		if err != nil {
			return nil, redact.Error(err, redisURL)
		}
		return redis.NewClusterClient(opts), nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, redact.Error(err, redisURL)
	}
	return redis.NewClient(opts), nil
}
