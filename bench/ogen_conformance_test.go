package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-faster/jx"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/bench/ogenapi"
)

// corpusCase is a case of conformance_test/testdata/cases.json, as far as this test reads it.
type corpusCase struct {
	File   string `json:"file"`
	Strict string `json:"strict"`
}

// casePath is where a case's body lives: the vendor's published examples in internal/fixtures/vendor, the rest in
// conformance_test/testdata.
func casePath(file string) string {
	if rest, ok := strings.CutPrefix(file, "vendor/"); ok {
		return filepath.Join("..", "internal", "fixtures", "vendor", rest)
	}
	return filepath.Join("..", "conformance_test", "testdata", file)
}

// TestOgenDecodesTheCorpus is the contract's promise to ogen's users: the decoder ogen generates from the whole,
// unmodified openapi.yaml takes every delivery the contract calls valid (strict), and reports how many of the
// others it refuses (ogen checks no formats and no patterns it cannot compile, so it refuses fewer).
func TestOgenDecodesTheCorpus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "conformance_test", "testdata", "cases.json"))
	require.NoError(t, err)
	var cases []corpusCase
	require.NoError(t, json.Unmarshal(b, &cases))
	var valid, refused, invalid int
	for _, c := range cases {
		body, err := os.ReadFile(casePath(c.File))
		require.NoError(t, err, c.File)
		var d ogenapi.Delivery
		err = d.Decode(jx.DecodeBytes(body))
		if err == nil {
			err = d.Validate()
		}
		switch c.Strict {
		case "valid":
			valid++
			require.NoError(t, err, "ogen refuses %s, which the contract calls valid", c.File)
		default:
			invalid++
			if err != nil {
				refused++
			}
		}
	}
	require.Equal(t, 105, valid, "the corpus's valid cases")
	t.Logf("ogen on openapi.yaml: %d of %d valid cases taken; %d of %d invalid or malformed ones refused", valid, valid, refused, invalid)
}
