package main_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flagDoc is one flag as documented: its name (without dashes) and its default as -h prints it, unquoted;
// "" when -h shows none (a zero default).
type flagDoc struct{ name, def string }

var (
	commandLine    = regexp.MustCompile(`^  ([a-z]+) {2,}\S`)
	helpFlagLine   = regexp.MustCompile(`^  -([a-z0-9-]+)(?: \S+)?$`)
	helpDefault    = regexp.MustCompile(`\(default (.+)\)$`)
	readmeHeading  = regexp.MustCompile("^### `([a-z]+)`$")
	readmeFlagRow  = regexp.MustCompile("^\\| `--([a-z0-9-]+)(?: [^`]*)?` \\| ([^|]*) \\| .+ \\|$")
	readmeCmdRow   = regexp.MustCompile("^\\| `([a-z]+)[ `]")
	readmeNoDefult = "—"
)

// helpCommands returns the commands `smshook -h` lists.
func helpCommands(tb testing.TB) []string {
	tb.Helper()
	r := invoke(tb, "-h")
	require.Equal(tb, 0, r.code, r.stderr)
	_, list, ok := strings.Cut(r.stdout, "\ncommands:\n")
	require.True(tb, ok, r.stdout)
	list, _, _ = strings.Cut(list, "\n\n")
	var cmds []string
	for _, l := range strings.Split(list, "\n") {
		m := commandLine.FindStringSubmatch(l)
		require.NotNil(tb, m, "not a command line in smshook -h: %q", l)
		cmds = append(cmds, m[1])
	}
	return cmds
}

// helpFlags returns the flags `smshook command -h` shows.
func helpFlags(tb testing.TB, command string) []flagDoc {
	tb.Helper()
	r := invoke(tb, command, "-h")
	require.Equal(tb, 0, r.code, r.stderr)
	_, section, ok := strings.Cut(r.stdout, "\nflags:\n")
	require.True(tb, ok, r.stdout)
	section, _, _ = strings.Cut("\n"+section, "\n\n") // no flags: "flags:" is followed by an empty line
	var flags []flagDoc
	for _, l := range strings.Split(section, "\n") {
		if l == "" {
			continue
		}
		if m := helpFlagLine.FindStringSubmatch(l); m != nil {
			flags = append(flags, flagDoc{name: m[1]})
			continue
		}
		require.True(tb, strings.HasPrefix(l, "    \t") && len(flags) > 0, "%s -h: unexpected line %q", command, l)
		if m := helpDefault.FindStringSubmatch(l); m != nil {
			def := m[1]
			if s, err := strconv.Unquote(def); err == nil {
				def = s
			}
			flags[len(flags)-1].def = def
		}
	}
	return flags
}

// cliDoc is the command-line tool's reference: its commands table, a flags table under "### `command`" for
// each command that has flags, and the validate example.
const cliDoc = "../../docs/cli.md"

// readmeCLI returns the lines of cliDoc.
func readmeCLI(tb testing.TB) []string {
	tb.Helper()
	return strings.Split(string(readFile(tb, cliDoc)), "\n")
}

// TestREADMEDocumentsEveryFlag checks docs/cli.md against the program: every command
// of `smshook -h` has a row in the commands table, and each command's flags table lists exactly the flags of
// its -h, with the same defaults.
func TestREADMEDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	documented := map[string][]flagDoc{}
	var tabled []string
	command := ""
	for _, l := range readmeCLI(t) {
		if m := readmeHeading.FindStringSubmatch(l); m != nil {
			command = m[1]
			_, dup := documented[command]
			require.False(t, dup, "docs/cli.md: two flags tables for %s", command)
			documented[command] = nil
			continue
		}
		if m := readmeFlagRow.FindStringSubmatch(l); m != nil {
			require.NotEmpty(t, command, "docs/cli.md: a flag row before any \"### `command`\" heading: %q", l)
			def := strings.TrimSpace(m[2])
			if def == readmeNoDefult {
				def = ""
			} else {
				unquoted := strings.TrimSuffix(strings.TrimPrefix(def, "`"), "`")
				require.Equal(t, "`"+unquoted+"`", def, "docs/cli.md: the default of --%s is not `code` or %s", m[1], readmeNoDefult)
				def = unquoted
			}
			documented[command] = append(documented[command], flagDoc{name: m[1], def: def})
			continue
		}
		if strings.HasPrefix(l, "| `--") {
			t.Errorf("docs/cli.md: a flag row that does not read | `--flag` | default | meaning |: %q", l)
		}
		if m := readmeCmdRow.FindStringSubmatch(l); m != nil && command == "" {
			tabled = append(tabled, m[1])
		}
	}

	commands := helpCommands(t)
	assert.ElementsMatch(t, commands, tabled, "the commands table of docs/cli.md against smshook -h")
	for _, c := range commands {
		flags := helpFlags(t, c)
		if len(flags) == 0 {
			assert.NotContains(t, documented, c, "docs/cli.md: a flags table for %s, which has none", c)
			continue
		}
		inREADME := map[string]string{}
		for _, f := range documented[c] {
			_, dup := inREADME[f.name]
			assert.False(t, dup, "docs/cli.md: --%s twice in the flags of %s", f.name, c)
			inREADME[f.name] = f.def
		}
		for _, f := range flags {
			def, ok := inREADME[f.name]
			switch {
			case !ok:
				t.Errorf("docs/cli.md: the flags of %s lack --%s", c, f.name)
			case def != f.def:
				t.Errorf("docs/cli.md: %s --%s defaults to %q, -h says %q", c, f.name, def, f.def)
			}
			delete(inREADME, f.name)
		}
		for name := range inREADME {
			t.Errorf("docs/cli.md: %s has no flag --%s", c, name)
		}
		delete(documented, c)
	}
	for c := range documented {
		t.Errorf("docs/cli.md: a flags table for %s, which smshook -h does not list", c)
	}
}

// TestREADMEValidateExample runs the `smshook validate` example of docs/cli.md, from the
// repository's root, and compares its output with the one shown.
func TestREADMEValidateExample(t *testing.T) {
	t.Parallel()
	_, example, ok := strings.Cut(strings.Join(readmeCLI(t), "\n"), "```text\n$ smshook validate ")
	require.True(t, ok, "docs/cli.md: no ```text block starting with $ smshook validate")
	example, _, ok = strings.Cut(example, "```")
	require.True(t, ok, "docs/cli.md: the validate example does not end")
	argLine, shown, _ := strings.Cut(example, "\n")
	args := []string{"validate"}
	for _, a := range strings.Fields(argLine) {
		if !strings.HasPrefix(a, "-") {
			a = "../../" + a
		}
		args = append(args, a)
	}
	r := invoke(t, args...)
	require.Contains(t, []int{0, 1}, r.code, r.stderr)
	assert.Equal(t, shown, strings.ReplaceAll(r.stdout, "../../", ""), "docs/cli.md: the output of smshook validate %s", argLine)
}

// exitCells returns the exit-codes cell of each row of docs/cli.md's commands table, by command.
func exitCells(tb testing.TB) map[string]string {
	tb.Helper()
	cells := map[string]string{}
	for _, l := range readmeCLI(tb) {
		if readmeHeading.MatchString(l) {
			break
		}
		if m := readmeCmdRow.FindStringSubmatch(l); m != nil {
			cols := strings.Split(strings.Trim(l, "|"), " | ")
			cells[m[1]] = strings.TrimSpace(cols[len(cols)-1])
		}
	}
	return cells
}

// TestREADMEExitCodes checks the exit codes of docs/cli.md's commands table against the program where every
// command can be made to show them: -h exits 0, an unknown flag 2, each as its row says.
func TestREADMEExitCodes(t *testing.T) {
	t.Parallel()
	cells := exitCells(t)
	for _, c := range helpCommands(t) {
		cell, ok := cells[c]
		if !assert.True(t, ok, "docs/cli.md: no row for %s", c) {
			continue
		}
		assert.Regexp(t, `^0\b`, cell, "docs/cli.md: %s's exit codes do not start with 0", c)
		assert.Equal(t, 0, invoke(t, c, "-h").code, "%s -h", c)
		r := invoke(t, c, "--no-such-flag")
		assert.Equal(t, 2, r.code, "%s --no-such-flag: %s", c, r.stderr)
		assert.Regexp(t, `\b2 usage\b`, cell, "docs/cli.md: %s's exit codes lack \"2 usage\"", c)
	}
}
