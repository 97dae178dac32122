package main_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

// startWithStdin starts smshook with args and a pipe for its standard input, which the caller writes and closes.
func startWithStdin(tb testing.TB, args ...string) (cmd *exec.Cmd, stdin io.WriteCloser, stdout *syncBuffer, stderr *bytes.Buffer) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	tb.Cleanup(cancel)
	cmd = exec.CommandContext(ctx, binary, args...)
	cmd.Env = environ(nil)
	stdin, err := cmd.StdinPipe()
	require.NoError(tb, err)
	stdout, stderr = newSyncBuffer(), &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, stdin, stdout, stderr
}

// TestValidatePrintsEachVerdictAsItIsMade: the verdict on a document on stdin is printed while the stream is
// still open, before the next document is written.
func TestValidatePrintsEachVerdictAsItIsMade(t *testing.T) {
	t.Parallel()
	cmd, stdin, stdout, stderr := startWithStdin(t, "validate", "-")
	valid := marshal(t, sample(t, api.EventTypeUnsubscribe))
	_, err := stdin.Write(append(append(valid, '\n'), []byte("{}\n")...))
	require.NoError(t, err)
	// The first verdict waits for the second document to start (it names both -#1 and -#2), then each comes as
	// soon as its document is read.
	line, ok := stdout.waitLine(10*time.Second, nil, func(l string) bool { return strings.HasPrefix(l, "-#2: ") })
	require.True(t, ok, "no verdict on -#2 while stdin is open; stdout: %s", stdout.String())
	assert.Equal(t, "-#2: invalid", line)
	assert.True(t, strings.HasPrefix(stdout.String(), "-#1: ok (SMS UNSUBSCRIBE, 1 hooks)\n"), stdout.String())
	_, err = stdin.Write(valid)
	require.NoError(t, err)
	line, ok = stdout.waitLine(10*time.Second, nil, func(l string) bool { return strings.HasPrefix(l, "-#3: ") })
	require.True(t, ok, "no verdict on -#3 while stdin is open; stdout: %s", stdout.String())
	assert.Equal(t, "-#3: ok (SMS UNSUBSCRIBE, 1 hooks)", line)
	require.NoError(t, stdin.Close())
	err = cmd.Wait()
	assert.Equal(t, 1, cmd.ProcessState.ExitCode(), "%v: %s", err, stderr)
}

// maxRSS is the peak resident set size of an ended process, in bytes.
func maxRSS(tb testing.TB, state *os.ProcessState) int64 {
	tb.Helper()
	usage, ok := state.SysUsage().(*syscall.Rusage)
	require.True(tb, ok, "no rusage")
	return usage.Maxrss << 10 // kilobytes on Linux
}

// TestValidateMemoryIsBounded: documents of about 1 MiB on stdin, and documents of 128 MiB, far over the limit,
// are checked one by one within 256 MiB (all of them held at once took over 600 MB).
func TestValidateMemoryIsBounded(t *testing.T) {
	t.Parallel()
	const docs, huge = 8, 2
	cmd, stdin, stdout, stderr := startWithStdin(t, "validate", "-")
	head := []byte(`{"event":"UNSUBSCRIBE","hooksId":"`)
	filler := bytes.Repeat([]byte("x"), 1<<20-64)
	go func() {
		w := bufio.NewWriterSize(stdin, 1<<20)
		for i := range docs {
			w.Write(head)
			w.Write(filler)
			if i%(docs/huge) == 0 {
				for range 127 {
					w.Write(filler) // too large: read to its end, not held
				}
			}
			w.WriteString("\"}\n")
		}
		w.Flush()
		stdin.Close()
	}()
	err := cmd.Wait()
	require.Equal(t, 1, cmd.ProcessState.ExitCode(), "%v: %s", err, stderr)
	out := stdout.String()
	assert.Equal(t, docs, strings.Count(out, ": invalid\n"), "a verdict per document")
	assert.Equal(t, huge, strings.Count(out, "larger than the limit of 1048576 bytes"), "the documents over the limit")
	assert.Contains(t, out, fmt.Sprintf("-#%d: invalid\n", docs))
	rss := maxRSS(t, cmd.ProcessState)
	t.Logf("peak RSS %d MiB for %d MiB of documents", rss>>20, docs+huge*127)
	assert.Less(t, rss, int64(256<<20), "peak RSS")
}

// TestValidateMemoryIsBoundedOnTinyDocuments: many tiny documents (each of whose reports has six violations) take
// no more memory than a few.
func TestValidateMemoryIsBoundedOnTinyDocuments(t *testing.T) {
	t.Parallel()
	const docs = 50_000
	r := cli{args: []string{"validate", "--format", "json", "-"}, stdin: strings.NewReader(strings.Repeat("{}\n", docs))}
	ctx, cancel := context.WithTimeout(context.Background(), 2*processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, r.args...)
	cmd.Env, cmd.Stdin = environ(nil), r.stdin
	var stderr bytes.Buffer
	counter := &lineCounter{}
	cmd.Stdout, cmd.Stderr = counter, &stderr
	err := cmd.Run()
	require.Equal(t, 1, cmd.ProcessState.ExitCode(), "%v: %s", err, stderr.String())
	assert.Equal(t, docs, counter.files, "one report per document")
	assert.True(t, strings.HasSuffix(counter.tail, "\n]\n"), "the JSON array is closed: %q", counter.tail)
	rss := maxRSS(t, cmd.ProcessState)
	t.Logf("peak RSS %d MiB for %d documents", rss>>20, docs)
	assert.Less(t, rss, int64(128<<20), "peak RSS")
}

// lineCounter counts the "file" members of validate --format json as they are written, and keeps the end.
type lineCounter struct {
	files int
	tail  string
	part  []byte
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.part = append(c.part, p...)
	for {
		i := bytes.IndexByte(c.part, '\n')
		if i < 0 {
			break
		}
		if bytes.HasPrefix(c.part[:i], []byte(`    "file": `)) {
			c.files++
		}
		c.part = c.part[i+1:]
	}
	c.tail = (c.tail + string(p))[max(0, len(c.tail)+len(p)-16):]
	return len(p), nil
}

// TestValidateSkipsWhatIsNoFile: named pipes are skipped unopened (reading one waits for a writer forever), a
// dangling symbolic link is an error of its own path, and every regular file beside them gets its verdict.
func TestValidateSkipsWhatIsNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := marshal(t, sample(t, api.EventTypeUnsubscribe))
	a := writeFile(t, filepath.Join(dir, "a.json"), valid)
	deep := writeFile(t, filepath.Join(dir, "sub", "z.json"), valid)
	fifo := filepath.Join(dir, "fifo.json")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	dangling := filepath.Join(dir, "b-dangling.json")
	require.NoError(t, os.Symlink(filepath.Join(dir, "missing"), dangling))
	linkToFifo := filepath.Join(dir, "sub", "link.json")
	require.NoError(t, os.Symlink(fifo, linkToFifo))

	t.Run("directory", func(t *testing.T) {
		t.Parallel()
		r := invoke(t, "validate", dir)
		assert.Equal(t, 2, r.code, "the dangling link is an error: %s", r.stderr)
		assert.Equal(t, a+": ok (SMS UNSUBSCRIBE, 1 hooks)\n"+deep+": ok (SMS UNSUBSCRIBE, 1 hooks)\n", r.stdout)
		assert.Contains(t, r.stderr, "smshook validate: "+fifo+": skipped, not a regular file (a named pipe")
		assert.Contains(t, r.stderr, "smshook validate: "+linkToFifo+": skipped, not a regular file (a named pipe")
		assert.Contains(t, r.stderr, "smshook validate: "+dangling+": a symbolic link to "+filepath.Join(dir, "missing")+", which does not exist")
	})
	t.Run("named", func(t *testing.T) {
		t.Parallel()
		r := invoke(t, "validate", fifo, a, "/dev/null", dangling)
		assert.Equal(t, 2, r.code, r.stderr)
		assert.Equal(t, a+": ok (SMS UNSUBSCRIBE, 1 hooks)\n", r.stdout)
		assert.Contains(t, r.stderr, fifo+": skipped, not a regular file (a named pipe; give - to read standard input)")
		assert.Contains(t, r.stderr, "/dev/null: skipped, not a regular file (a device)")
		assert.Contains(t, r.stderr, dangling+": a symbolic link to")
	})
}

// hostileText is a value that would forge a verdict and clear the screen if printed raw: a newline, a line that
// reads as a valid file's, ESC [2J, the C1 control CSI (U+009B), DEL and a byte that is not UTF-8 in a name.
const hostileText = "x\nforged.json: ok (SMS UNSUBSCRIBE, 1 hooks)\x1b[2J\u009b[2J\x7f"

// assertNoControl fails when out holds a control character other than the newlines that end lines.
func assertNoControl(tb testing.TB, out, what string) {
	tb.Helper()
	for i, r := range out {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r == utf8.RuneError && !strings.HasPrefix(out[i:], "\uFFFD")) {
			tb.Errorf("%s: a raw control character %U at byte %d: %q", what, r, i, out[max(0, i-40):min(len(out), i+40)])
			return
		}
	}
	for _, l := range strings.Split(out, "\n") {
		assert.False(tb, strings.HasPrefix(l, "forged.json"), "%s: a forged line: %q", what, l)
	}
}

// TestValidateEscapesPayloadValues: keys (in pointers), event and productName (in a verdict under --compat) and
// file names are printed with their control characters escaped in every format, from files and from stdin.
func TestValidateEscapesPayloadValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := marshal(t, hostileText)
	duplicateKey := writeFile(t, filepath.Join(dir, "dup.json"), []byte(`{"event":"UNSUBSCRIBE",`+string(key)+`:1,`+string(key)+`:2}`))
	unknown := marshal(t, map[string]any{
		"hooksId": "20240101000000abcdefghijk", "webhookConfigId": "w", "appKey": "k",
		"productName": hostileText, "event": hostileText, "hooks": []any{map[string]any{"hookId": "h"}},
	})
	unknownEvent := writeFile(t, filepath.Join(dir, "event.json"), unknown)
	oddName := writeFile(t, filepath.Join(dir, "name"+hostileText+"\xff.json"), []byte(`{}`))

	for _, format := range []string{"text", "github", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, "validate", "--compat", "--format", format, duplicateKey, unknownEvent, oddName)
			assert.Equal(t, 1, r.code, r.stderr)
			assertNoControl(t, r.stdout, format)
			assertNoControl(t, r.stderr, format+" stderr")
			switch format {
			case "text":
				assert.Contains(t, r.stdout, `x\nforged.json: ok (SMS UNSUBSCRIBE, 1 hooks)\x1b[2J\u009b[2J\x7f`, "the key, escaped")
			case "github":
				assert.Contains(t, r.stdout, `x\nforged.json%3A ok (SMS UNSUBSCRIBE%2C 1 hooks)\x1b[2J\u009b[2J\x7f`, "the key, escaped")
			default:
				reports := decodeReports(t, r.stdout)
				require.Len(t, reports, 3)
				assert.Equal(t, hostileText, reports[1].Event, "the JSON holds the value itself, escaped as JSON")
				assert.Equal(t, "/"+hostileText, reports[0].Errors[0].Pointer)
			}
			stdin := cli{args: []string{"validate", "--compat", "--format", format, "-"}, stdin: bytes.NewReader(append(append(readFile(t, duplicateKey), '\n'), unknown...))}.run(t)
			assert.Equal(t, 1, stdin.code, stdin.stderr)
			assertNoControl(t, stdin.stdout, format+" stdin")
		})
	}
	t.Run("text verdict", func(t *testing.T) {
		t.Parallel()
		r := invoke(t, "validate", "--compat", unknownEvent)
		assert.Equal(t, 0, r.code, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, unknownEvent+`: ok (x\nforged.json: ok (SMS UNSUBSCRIBE, 1 hooks)\x1b[2J\u009b[2J\x7f x\nforged.json`), r.stdout)
	})
}
