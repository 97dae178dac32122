package smshook_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	// goBlock is a Go code block of a Markdown page.
	goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")
	// lineComment is a // comment to the end of its line, with the blanks before it.
	lineComment = regexp.MustCompile(`[ \t]*//.*`)
	// mdLink is the target of a Markdown link or image.
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
)

// goBlocks returns the Go code blocks of the Markdown page at path. Each must be a whole file of package main,
// so that every snippet a reader copies is compiled.
func goBlocks(tb testing.TB, path string) []string {
	tb.Helper()
	page, err := os.ReadFile(path)
	require.NoError(tb, err)
	var blocks []string
	for _, m := range goBlock.FindAllSubmatch(page, -1) {
		b := string(m[1])
		require.True(tb, strings.HasPrefix(b, "package main\n"), "%s: a Go block that is not a file of package main:\n%s", path, b)
		blocks = append(blocks, b)
	}
	return blocks
}

// buildAndTest writes blocks as the files of one program of package main, in a module that requires this
// checkout, and runs its tests; a block that declares a Test func is a _test.go file.
func buildAndTest(t *testing.T, page string, blocks []string) {
	t.Helper()
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)
	dir := t.TempDir()
	tests := 0
	for i, b := range blocks {
		name := fmt.Sprintf("page%d.go", i)
		if strings.Contains(b, "\nfunc Test") {
			name, tests = fmt.Sprintf("page%d_test.go", i), tests+1
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644))
	}
	require.NotZero(t, tests, "%s shows no test of its program", page)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	mod := "module example\n\ngo 1.26.0\n\nrequire github.com/smshook/smshook v0.0.0\n\nreplace github.com/smshook/smshook => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	cmd := exec.Command("go", "test", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the Go of %s does not build and pass:\n%s", page, out)
}

// withoutComments is code without its // comments and the lines they leave empty.
func withoutComments(code string) string {
	var out []string
	for _, l := range strings.Split(code, "\n") {
		l = lineComment.ReplaceAllString(l, "")
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestREADMEExampleBuilds builds the README's programs (the receiver, its test, the inbox) against this
// checkout and runs the README's test of them, so that what a newcomer copies builds and passes; the Korean
// quick start shows the same receiver and test, its comments translated, and is built and run the same way.
// Every other page of docs/ and CONTRIBUTING.md: each Go block there is built and run too.
func TestREADMEExampleBuilds(t *testing.T) {
	t.Parallel()
	readme := goBlocks(t, "README.md")
	require.Len(t, readme, 3, "README.md: the receiver, its test and the inbox")
	ko := goBlocks(t, "docs/ko/README.md")
	require.Len(t, ko, 2, "docs/ko/README.md: the receiver and its test")
	for i := range ko {
		assert.Equal(t, withoutComments(readme[i]), withoutComments(ko[i]),
			"docs/ko/README.md's Go block %d differs from the README's in more than its comments", i)
	}

	for _, page := range docPages(t) {
		blocks := goBlocks(t, page)
		if len(blocks) == 0 {
			continue
		}
		t.Run(page, func(t *testing.T) {
			t.Parallel()
			buildAndTest(t, page, blocks)
		})
	}
}

// docPages returns the Markdown pages a reader is sent between: the README, CONTRIBUTING.md and docs/.
func docPages(tb testing.TB) []string {
	tb.Helper()
	pages, err := filepath.Glob("docs/*.md")
	require.NoError(tb, err)
	return append(pages, "README.md", "CONTRIBUTING.md", "docs/ko/README.md")
}

// headingAnchors returns the anchors GitHub gives the headings of a Markdown page: lower case, spaces as
// hyphens, only letters, digits, hyphens and underscores kept.
func headingAnchors(tb testing.TB, path string) map[string]bool {
	tb.Helper()
	page, err := os.ReadFile(path)
	require.NoError(tb, err)
	out, inCode := map[string]bool{}, false
	for _, line := range strings.Split(string(page), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		h, ok := strings.CutPrefix(line, "#")
		if !ok || inCode {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimLeft(h, "#"))) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		out[b.String()] = true
	}
	return out
}

// TestREADMELinksResolve follows every relative link of the README and of docs/: the file exists, and an anchor
// names a heading of it, so that moving a section cannot leave a link behind.
func TestREADMELinksResolve(t *testing.T) {
	t.Parallel()
	for _, page := range docPages(t) {
		text, err := os.ReadFile(page)
		require.NoError(t, err)
		for _, m := range mdLink.FindAllSubmatch(text, -1) {
			target := string(m[1])
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist", page, target)
				continue
			}
			if anchor != "" && strings.HasSuffix(path, ".md") && !headingAnchors(t, path)[anchor] {
				t.Errorf("%s links to %s: %s has no heading #%s", page, target, path, anchor)
			}
		}
	}
}

// statusRow is a row of the status-code table of docs/contract.md.
var statusRow = regexp.MustCompile(`^\| ([1-5][0-9]{2}) \|`)

// TestREADMEStatusCodesAreTheContracts holds the status-code table of docs/contract.md to the responses
// openapi.yaml declares for the webhook: the same statuses, each once (TestStatusCodes tests each row).
func TestREADMEStatusCodesAreTheContracts(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile("docs/contract.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(page), "\n## Status codes\n")
	require.True(t, ok, "docs/contract.md has no section \"## Status codes\"")
	section, _, _ = strings.Cut(section, "\n## ")
	var documented []string
	for _, l := range strings.Split(section, "\n") {
		if m := statusRow.FindStringSubmatch(l); m != nil {
			assert.NotContains(t, documented, m[1], "docs/contract.md: status %s twice", m[1])
			documented = append(documented, m[1])
		}
	}

	doc, err := openapi3.NewLoader().LoadFromFile("openapi.yaml")
	require.NoError(t, err)
	var declared []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				if !slices.Contains(declared, code) {
					declared = append(declared, code)
				}
			}
		}
	}
	require.NotEmpty(t, declared, "openapi.yaml declares no response")
	assert.ElementsMatch(t, declared, documented, "docs/contract.md's status codes against openapi.yaml's responses")
}
