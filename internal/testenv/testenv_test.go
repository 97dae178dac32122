package testenv

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSkipped(t *testing.T) {
	for _, tt := range []struct {
		env, server string
		want        bool
	}{
		{"", "redis", false},
		{"redis", "redis", true},
		{"postgres, redis", "redis", true},
		{"redis-cluster", "redis", false},
		{"chromium", "postgres", false},
	} {
		t.Setenv(SkipEnv, tt.env)
		assert.Equal(t, tt.want, Skipped(tt.server), "%s=%q, %s", SkipEnv, tt.env, tt.server)
	}
}
