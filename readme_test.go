package smshook_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestREADMEExampleBuilds builds the README's program against this checkout and runs the README's test of it,
// so that what a newcomer copies builds and passes.
func TestREADMEExampleBuilds(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```go\n(package main\n.*?)```").FindAllSubmatch(readme, -1)
	require.NotEmpty(t, blocks, "the README has no Go program")
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)
	dir := t.TempDir()
	tests := 0
	for i, b := range blocks {
		name := fmt.Sprintf("readme%d.go", i)
		if strings.Contains(string(b[1]), "\nfunc Test") {
			name, tests = fmt.Sprintf("readme%d_test.go", i), tests+1
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b[1], 0o644))
	}
	require.NotZero(t, tests, "the README shows no test of its program")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	mod := "module example\n\ngo 1.26.0\n\nrequire github.com/smshook/smshook v0.0.0\n\nreplace github.com/smshook/smshook => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	cmd := exec.Command("go", "test", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the README's program and its test do not build and pass:\n%s", out)
}
