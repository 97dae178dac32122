package main_test

// These tests hold deploy/ (the Prometheus rules and the Grafana dashboard) and docs/operations.md to the
// program: every series they name is one that `smshook serve --metrics-addr` exposes, promtool accepts the
// rules and the dashboard's queries and runs the rules' unit tests, and every alert fires in one test case,
// stays silent in another, and points at a section of the runbook.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

const (
	alertRules = "../../deploy/prometheus/alerts.yml"
	alertTests = "../../deploy/prometheus/alerts_test.yml"
	dashboard  = "../../deploy/grafana/smshook.json"
	runbook    = "../../docs/operations.md"
	// runbookURL is where the rules' runbook_url annotations point, up to the anchor.
	runbookURL = "https://github.com/smshook/smshook/blob/main/docs/operations.md#"
)

// promtool returns Prometheus's rule checker. It is not a server the suites may skip: make test installs it
// (scripts/prereqs, Debian's prometheus package), and without it the rules would ship untested.
func promtool(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		tb.Fatalf("promtool is not installed (CI=%q): run scripts/prereqs (make test does), or apt-get install prometheus",
			os.Getenv("CI"))
	}
	return path
}

// runPromtool runs promtool with args and returns its combined output, failing tb when it fails.
func runPromtool(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := exec.Command(promtool(tb), args...).CombinedOutput()
	require.NoError(tb, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

func TestOperationsRulesPassPromtool(t *testing.T) {
	t.Parallel()
	out := runPromtool(t, "check", "rules", alertRules)
	assert.Contains(t, out, "SUCCESS")
	out = runPromtool(t, "test", "rules", alertTests)
	assert.Contains(t, out, "SUCCESS")
}

// dashboardQueries returns every PromQL expression of the dashboard: the panels' targets and the template
// variables' label_values queries (their selector).
func dashboardQueries(tb testing.TB) []string {
	tb.Helper()
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(tb, json.Unmarshal(readFile(tb, dashboard), &d))
	var exprs []string
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(tb, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			require.NotEmpty(tb, strings.TrimSpace(tg.Expr), "panel %q has an empty query", p.Title)
			exprs = append(exprs, tg.Expr)
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		require.NotNil(tb, m, "a template variable's query is not label_values(SELECTOR, LABEL): %q", s)
		exprs = append(exprs, m[1])
	}
	return exprs
}

// ruleExprs returns the expr of every rule of a rules file, inline or a block scalar.
func ruleExprs(tb testing.TB, path string) []string {
	tb.Helper()
	var exprs []string
	sc := bufio.NewScanner(bytes.NewReader(readFile(tb, path)))
	var block *strings.Builder
	blockIndent := 0
	for sc.Scan() {
		line := sc.Text()
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if block != nil {
			if strings.TrimSpace(line) != "" && indent <= blockIndent {
				exprs = append(exprs, block.String())
				block = nil
			} else {
				block.WriteString(strings.TrimSpace(line) + "\n")
				continue
			}
		}
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "expr:")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest == "|" || rest == ">" {
			block, blockIndent = &strings.Builder{}, indent
			continue
		}
		exprs = append(exprs, rest)
	}
	require.NoError(tb, sc.Err())
	if block != nil {
		exprs = append(exprs, block.String())
	}
	return exprs
}

// seriesName matches the names a query takes from the program: its own series and Go's and the process's.
var seriesName = regexp.MustCompile(`\b(?:smshook|process|go)_[a-z_]+\b`)

// exposedFamilies returns the metric families of a scrape's text by name, with their types.
func exposedFamilies(text string) map[string]string {
	families := map[string]string{}
	for line := range strings.Lines(text) {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			families[f[2]] = f[3]
		}
	}
	return families
}

// family returns the metric family a series name belongs to: a histogram's _bucket, _sum and _count are
// its family's.
func family(name string, families map[string]string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && families[base] == "histogram" {
			return base
		}
	}
	return name
}

// metricRow is a row of the metrics table: | `name{labels}`, `name` | what it counts |.
var (
	metricRow  = regexp.MustCompile("^\\| (`smshook_[^|]*) \\|")
	metricName = regexp.MustCompile("`(smshook_[a-z_]+)(?:\\{[a-z_,]*\\})?`")
)

// metricsTable returns the metric names of the table under "## Metrics" in docs/operations.md.
func metricsTable(tb testing.TB) []string {
	tb.Helper()
	_, section, ok := strings.Cut(string(readFile(tb, runbook)), "\n## Metrics\n")
	require.True(tb, ok, "docs/operations.md has no section \"## Metrics\"")
	section, _, _ = strings.Cut(section, "\n## ")
	var names []string
	for line := range strings.Lines(section) {
		m := metricRow.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil {
			continue
		}
		for _, n := range metricName.FindAllStringSubmatch(m[1], -1) {
			names = append(names, n[1])
		}
	}
	require.NotEmpty(tb, names, "docs/operations.md: no row in the metrics table")
	return names
}

func TestOperationsSeriesExist(t *testing.T) {
	t.Parallel()
	secret := newForwardSecret(t)
	app, appSrv := newForwardApp(t, secret)
	app.down.Store(true) // so that a failed hand-over is counted, by kind
	s := startServe(t, []string{"SMSHOOK_SECRET=s3cret", "SMSHOOK_FORWARD_SECRET=" + secret},
		"--inbox", filepath.Join(t.TempDir(), "inbox.db"), "--forward-to", appSrv.URL, "--metrics-addr", "127.0.0.1:0")
	base := s.metricsURL(t)

	d := sample(t, api.EventTypeMessageResultUpdate)
	status, _ := post(t, s.url, "s3cret", marshal(t, d))
	require.Equal(t, http.StatusOK, status)
	status, _ = post(t, s.url, "wrong", marshal(t, d))
	require.Equal(t, http.StatusUnauthorized, status)

	var text string
	require.Eventually(t, func() bool {
		_, text = get(t, base+"/metrics")
		return strings.Contains(text, "\nsmshook_dispatch_failures_total{") && strings.Contains(text, "\nsmshook_inbox_depth ")
	}, 20*time.Second, 50*time.Millisecond, "a failed hand-over is counted; /metrics:\n%s", text)
	families := exposedFamilies(text)

	used := map[string][]string{} // family: where it is used
	for _, src := range []struct {
		name  string
		exprs []string
	}{
		{dashboard, dashboardQueries(t)},
		{alertRules, ruleExprs(t, alertRules)},
	} {
		require.NotEmpty(t, src.exprs, "no query found in %s", src.name)
		for _, e := range src.exprs {
			for _, n := range seriesName.FindAllString(e, -1) {
				f := family(n, families)
				if !slices.Contains(used[f], src.name) {
					used[f] = append(used[f], src.name)
				}
				if _, ok := families[f]; !ok {
					t.Errorf("%s queries %s, which /metrics does not expose (in %q)", src.name, n, e)
				}
			}
		}
	}
	// Every series of the program's own is on the dashboard, so that a new one is not forgotten there.
	for f := range families {
		if strings.HasPrefix(f, "smshook_") {
			assert.Contains(t, used[f], dashboard, "/metrics exposes %s, which the dashboard does not show", f)
		}
	}
	// The metrics table of docs/operations.md names exactly the program's own families.
	documented := metricsTable(t)
	for f := range families {
		if strings.HasPrefix(f, "smshook_") {
			assert.Contains(t, documented, f, "/metrics exposes %s, which the metrics table of docs/operations.md lacks", f)
		}
	}
	for _, f := range documented {
		assert.Contains(t, families, f, "docs/operations.md's metrics table names %s, which /metrics does not expose", f)
	}
	for _, f := range []string{"smshook_rejected_total", "smshook_requests_total", "smshook_inbox_fault",
		"smshook_inbox_depth", "smshook_inbox_dead_letters", "smshook_dispatch_failures_total", "smshook_dispatched_total"} {
		assert.Contains(t, used[f], alertRules, "no alert watches %s", f)
	}
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
}

func TestOperationsDashboardQueriesParse(t *testing.T) {
	t.Parallel()
	// Grafana's variables become what Prometheus would receive, and each query a recording rule, which
	// promtool parses.
	vars := strings.NewReplacer("$__rate_interval", "5m", "$job", ".+", "$instance", ".+")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range dashboardQueries(t) {
		q, err := json.Marshal(vars.Replace(e)) // a JSON string is a YAML flow scalar
		require.NoError(t, err)
		assert.NotContains(t, string(q), "$", "a Grafana variable the test does not know")
		fmt.Fprintf(&rules, "      - record: dashboard:query%d\n        expr: %s\n", i, q)
	}
	path := filepath.Join(t.TempDir(), "dashboard.yml")
	require.NoError(t, os.WriteFile(path, []byte(rules.String()), 0o600))
	assert.Contains(t, runPromtool(t, "check", "rules", path), "SUCCESS")
}

func TestOperationsDashboardLayout(t *testing.T) {
	t.Parallel()
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			ID         int    `json:"id"`
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource *struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			GridPos struct{ X, Y, W, H int } `json:"gridPos"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(readFile(t, dashboard), &d))
	require.NotEmpty(t, d.UID)
	ids := map[int]bool{}
	type cell struct{ x, y int }
	taken := map[cell]string{}
	for _, p := range d.Panels {
		assert.False(t, ids[p.ID], "two panels have the id %d", p.ID)
		ids[p.ID] = true
		assert.NotEmpty(t, p.Title, "panel %d has no title", p.ID)
		if p.Type != "row" && assert.NotNil(t, p.Datasource, "panel %q names no data source", p.Title) {
			assert.Equal(t, "${datasource}", p.Datasource.UID, "panel %q does not follow the datasource variable", p.Title)
		}
		g := p.GridPos
		assert.True(t, g.W > 0 && g.H > 0 && g.X >= 0 && g.X+g.W <= 24, "panel %q lies outside the 24-column grid: %+v", p.Title, g)
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := taken[cell{x, y}]; ok {
					t.Errorf("panels %q and %q overlap at %d,%d", other, p.Title, x, y)
					return
				}
				taken[cell{x, y}] = p.Title
			}
		}
	}
}

// alertNames returns the alerts of the rules file in order, each with its annotations.
func alertNames(tb testing.TB) (names []string, annotations map[string]map[string]string) {
	tb.Helper()
	annotations = map[string]map[string]string{}
	alert := regexp.MustCompile(`^\s*- alert: (\w+)$`)
	annotation := regexp.MustCompile(`^\s{10}(summary|description|runbook_url): "(.*)"$`)
	var current string
	for line := range strings.Lines(string(readFile(tb, alertRules))) {
		line = strings.TrimRight(line, "\n")
		if m := alert.FindStringSubmatch(line); m != nil {
			current = m[1]
			names = append(names, current)
			annotations[current] = map[string]string{}
		} else if m := annotation.FindStringSubmatch(line); m != nil && current != "" {
			annotations[current][m[1]] = m[2]
		}
	}
	require.NotEmpty(tb, names, "no alert in %s", alertRules)
	return names, annotations
}

// headingAnchor is the anchor GitHub gives a Markdown heading.
func headingAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors of a Markdown file's headings.
func anchors(tb testing.TB, path string) []string {
	tb.Helper()
	var out []string
	inCode := false
	for line := range strings.Lines(string(readFile(tb, path))) {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if h, ok := strings.CutPrefix(line, "#"); ok && !inCode {
			out = append(out, headingAnchor(strings.TrimLeft(h, "#")))
		}
	}
	return out
}

func TestOperationsEveryAlertHasARunbookAndTests(t *testing.T) {
	t.Parallel()
	names, annotations := alertNames(t)
	sections := anchors(t, runbook)
	for _, n := range names {
		a := annotations[n]
		assert.NotEmpty(t, a["summary"], "%s has no summary", n)
		assert.NotEmpty(t, a["description"], "%s has no description", n)
		anchor, ok := strings.CutPrefix(a["runbook_url"], runbookURL)
		if assert.True(t, ok, "%s's runbook_url %q is not in docs/operations.md", n, a["runbook_url"]) {
			assert.Contains(t, sections, anchor, "%s's runbook_url names no heading of docs/operations.md", n)
			assert.Equal(t, strings.ToLower(n), anchor, "%s's runbook section is named after the alert", n)
		}
	}

	// In alerts_test.yml, each alert is expected to fire (exp_alerts with an entry) and to stay silent
	// (exp_alerts: []) somewhere.
	fires, silent := map[string]bool{}, map[string]bool{}
	var current string
	for line := range strings.Lines(string(readFile(t, alertTests))) {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "alertname:":
			current = f[1]
		case len(f) >= 1 && f[0] == "exp_alerts:":
			if len(f) == 2 && f[1] == "[]" {
				silent[current] = true
			} else {
				fires[current] = true
			}
		}
	}
	for _, n := range names {
		assert.True(t, fires[n], "no test case of %s expects it to fire", n)
		assert.True(t, silent[n], "no test case of %s expects it to stay silent", n)
	}
	for n := range fires {
		assert.Contains(t, names, n, "alerts_test.yml tests %s, which alerts.yml does not define", n)
	}

	// The runbook holds the metrics table its alerts are built on, and points at it.
	doc := string(readFile(t, runbook))
	assert.Contains(t, doc, "(#metrics)")
	assert.Contains(t, sections, "metrics")
}
