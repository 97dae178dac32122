package main_test

// These tests treat smshook as a black box: TestMain builds the binary once (with -race when the tests run
// with -race) and every test runs it as a process, with an explicit environment and a deadline.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/smshooktest"
)

var (
	// binary is the smshook executable built by TestMain.
	binary string
	// baseEnv starts the environment of every process: nothing of the test's own, which may hold
	// SMSHOOK_SECRET.
	baseEnv []string
)

const (
	// processTimeout bounds every process a test starts, so that no test can hang.
	processTimeout = 30 * time.Second
	// vendorDir is the directory of package fixtures, the vendor's examples, for the commands that take a path.
	vendorDir = "../../internal/fixtures/vendor"
	published = vendorDir + "/message-result-update.published.json"
	// phone is a distinctive payload value that must never be printed.
	phone  = "01099998888"
	appKey = "akb3dukdmdjsdSvgk"
)

// fixturePhones are the phone numbers of the documented samples and of the vendor fixtures.
var fixturePhones = []string{"01012341234", "15446859", "08012341234"}

// fixtureAddresses are the e-mail addresses of the Email samples: no output may carry one either.
var fixtureAddresses = []string{"help@toast.com", "sender@nhncloud.com", "receiver@nhncloud.com"}

// sampleHooksID is the hooksId of the documented delivery of kind.
func sampleHooksID(tb testing.TB, kind api.Kind) string {
	tb.Helper()
	w, ok := api.Sample(kind)
	require.True(tb, ok, "no sample of %s", kind)
	return w.Head().HooksID
}

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "smshook-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "smshook")

	goTool := os.Getenv("GO")
	if goTool == "" {
		goTool = "go"
	}
	args := []string{"build", "-o", binary}
	if raceEnabled() {
		args = append(args, "-race") // the receiver's goroutines are checked too
		// A race-enabled process otherwise sleeps a second on exit.
		baseEnv = append(baseEnv, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goTool, append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building smshook:", err)
		return 1
	}
	return m.Run()
}

// environ returns the whole environment of a process: baseEnv and extra.
func environ(extra []string) []string {
	return append(slices.Clone(baseEnv), extra...)
}

func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// result is what one run of smshook left behind.
type result struct {
	stdout, stderr string
	code           int
}

// cli is one invocation: arguments, standard input and the whole environment (nil: an empty one).
type cli struct {
	args  []string
	stdin io.Reader
	env   []string
}

// run runs smshook to its end and checks that it did not crash.
func (c cli) run(tb testing.TB) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, c.args...)
	cmd.Env = environ(c.env)
	cmd.Stdin = c.stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	require.NoError(tb, ctx.Err(), "smshook %q did not finish in %v", c.args, processTimeout)
	if exitErr := (*exec.ExitError)(nil); err != nil && !errors.As(err, &exitErr) {
		require.NoError(tb, err, "smshook %q did not run", c.args)
	}
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	assertNoCrash(tb, r.stderr)
	return r
}

// invoke runs smshook with args, no input and an empty environment.
func invoke(tb testing.TB, args ...string) result {
	tb.Helper()
	return cli{args: args}.run(tb)
}

func assertNoCrash(tb testing.TB, stderr string) {
	tb.Helper()
	for _, sign := range []string{"panic", "goroutine ", "DATA RACE"} {
		assert.NotContains(tb, stderr, sign, "smshook crashed or raced")
	}
}

// assertNoValue fails when any of values was printed.
func assertNoValue(tb testing.TB, r result, values ...string) {
	tb.Helper()
	for _, v := range values {
		assert.NotContains(tb, r.stdout, v, "a payload value or secret on stdout")
		assert.NotContains(tb, r.stderr, v, "a payload value or secret on stderr")
	}
}

func writeFile(tb testing.TB, path string, data []byte) string {
	tb.Helper()
	require.NoError(tb, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(tb, os.WriteFile(path, data, 0o644))
	return path
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	require.NoError(tb, err)
	return b
}

func marshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return b
}

// delivery is a delivery as JSON decodes it, for a test to change before it sends it: the CLI reads JSON, and
// the edits stay the same for every event.
type delivery map[string]any

// sample returns the documented delivery of SMS's event with a new hooksId and a new hookId for each hook, as
// a new delivery of new events has.
func sample(tb testing.TB, event api.EventType) delivery {
	tb.Helper()
	return sampleOf(tb, api.Kind{Product: api.ProductNameSMS, Event: event})
}

// sampleOf is sample for any kind.
func sampleOf(tb testing.TB, kind api.Kind) delivery {
	tb.Helper()
	w, ok := api.Sample(kind)
	require.True(tb, ok, "openapi.yaml has no example of %s", kind)
	d := decodeDelivery(tb, marshal(tb, w))
	d["hooksId"] = sender.NewID()
	for i := range d.hooks() {
		d.hook(i)["hookId"] = sender.NewID()
	}
	return d
}

// decodeDelivery decodes body, a JSON object; numbers keep their lexical form.
func decodeDelivery(tb testing.TB, body []byte) delivery {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var d delivery
	require.NoError(tb, dec.Decode(&d))
	return d
}

func (d delivery) hooks() []any { return d["hooks"].([]any) }

// hook returns hook i, to change in place.
func (d delivery) hook(i int) map[string]any { return d.hooks()[i].(map[string]any) }

func (d delivery) hooksID() string { return d["hooksId"].(string) }

// with returns d after edit changed it.
func (d delivery) with(edit func(d delivery)) delivery {
	edit(d)
	return d
}

// fileReport is one element of validate --format json.
type fileReport struct {
	File        string `json:"file"`
	Valid       bool   `json:"valid"`
	ProductName string `json:"productName"`
	Event       string `json:"event"`
	Hooks       int    `json:"hooks"`
	Errors      []struct {
		Pointer string `json:"pointer"`
		Reason  string `json:"reason"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
	} `json:"errors"`
}

func decodeReports(tb testing.TB, stdout string) []fileReport {
	tb.Helper()
	var reports []fileReport
	require.NoError(tb, json.Unmarshal([]byte(stdout), &reports), "validate --format json printed %q", stdout)
	return reports
}

// ---------------------------------------------------------------------------------------------------------
// usage, spec, version, demo

func TestUsage(t *testing.T) {
	t.Parallel()
	type usageCase struct {
		name      string
		args      []string
		code      int
		onOut     []string // on stdout
		onErr     []string // on stderr
		quietOut  bool     // stdout must stay empty
		exampleOf string   // the example section shows this command
	}
	tests := []usageCase{
		{name: "no arguments", args: nil, code: 2, onErr: []string{"usage: smshook <command>", "example:"}, quietOut: true},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, onErr: []string{`unknown command "frobnicate"`, "usage:"}, quietOut: true},
		{name: "-h", args: []string{"-h"}, code: 0, onOut: []string{"usage: smshook <command>", "validate", "serve", "send", "samples", "spec", "demo", "version"}, exampleOf: "validate"},
		{name: "--help", args: []string{"--help"}, code: 0, onOut: []string{"usage: smshook <command>"}, exampleOf: "validate"},
		{name: "help", args: []string{"help"}, code: 0, onOut: []string{"usage: smshook <command>"}, exampleOf: "validate"},
	}
	for _, sub := range []string{"validate", "serve", "send", "samples", "spec", "demo", "version"} {
		for _, h := range []string{"-h", "--help"} {
			tests = append(tests, usageCase{name: sub + " " + h, args: []string{sub, h}, code: 0, onOut: []string{"usage: smshook " + sub, "flags:"}, exampleOf: sub})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, tt.args...)
			assert.Equal(t, tt.code, r.code, "stderr: %s", r.stderr)
			for _, s := range tt.onOut {
				assert.Contains(t, r.stdout, s)
			}
			for _, s := range tt.onErr {
				assert.Contains(t, r.stderr, s)
			}
			if tt.quietOut {
				assert.Empty(t, r.stdout)
			}
			if tt.exampleOf != "" {
				assert.Regexp(t, `(?s)\nexample:\n.*\bsmshook `+tt.exampleOf+`\b`, r.stdout)
			}
		})
	}
}

// TestHelpNamesTheThreeProducts: smshook -h says at once that it is for every product's webhooks, not SMS's
// alone.
func TestHelpNamesTheThreeProducts(t *testing.T) {
	t.Parallel()
	r := invoke(t, "-h")
	require.Equal(t, 0, r.code, r.stderr)
	first, _, _ := strings.Cut(r.stdout, "\n")
	for _, product := range []string{"SMS", "KakaoTalk Bizmessage", "Email"} {
		assert.Contains(t, first, product, "the first line of smshook -h")
	}
}

// TestRenamedFlagsAreHidden: a flag's older name still parses (TestServeOptions uses it) but -h shows only the
// new one, and a command run with the older name prints nothing about it.
func TestRenamedFlagsAreHidden(t *testing.T) {
	t.Parallel()
	r := invoke(t, "serve", "-h")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "-no-secret")
	assert.NotContains(t, r.stdout, "allow-unsigned")

	r = cli{args: []string{"serve", "--allow-unsigned", "--addr", "127.0.0.1:0", "--max-conns", "-1"}}.run(t)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Equal(t, "smshook serve: --max-conns must be 0 (no limit) or more\n", r.stderr, "nothing about the older name")
}

func TestSpec(t *testing.T) {
	t.Parallel()
	r := invoke(t, "spec")
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, bytes.Equal(readFile(t, "../../openapi.yaml"), []byte(r.stdout)), "smshook spec differs from openapi.yaml")
	assert.Equal(t, 2, invoke(t, "spec", "extra").code, "spec takes no arguments")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := invoke(t, "version")
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "smshook "), "version printed %q", r.stdout)
	assert.Equal(t, 1, strings.Count(r.stdout, "\n"), "one line")
	assert.Greater(t, len(strings.TrimSpace(strings.TrimPrefix(r.stdout, "smshook "))), 0, "a version after the name")
}

func TestDemo(t *testing.T) {
	t.Parallel()
	r := invoke(t, "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "8 deliveries (SMS, Email, KakaoTalk Bizmessage) received")
	assert.Contains(t, r.stdout, "wrong secret → 401")
	for _, kind := range api.Kinds() {
		assert.Contains(t, r.stdout, fmt.Sprintf("%s (hooksId %s, %T)", kind, sampleHooksID(t, kind), api.NewWebhook(kind)))
	}
	hooks := 0
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "    hook ") {
			hooks++
			assert.Regexp(t, `^    hook \S+: \S`, l, "a hook is described by its typed fields")
		}
	}
	assert.Equal(t, len(api.Kinds()), hooks, "one hook per documented sample")
	assertNoValue(t, r, fixturePhones...)
	assertNoValue(t, r, fixtureAddresses...)
}

// ---------------------------------------------------------------------------------------------------------
// samples

func TestSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		events []string // "PRODUCT EVENT"
	}{
		{name: "all", args: nil, code: 0, events: []string{"SMS UNSUBSCRIBE", "SMS MESSAGE_RESULT_UPDATE", "SMS CONVERSION_BLOCK",
			"SMS INTERNATIONAL_DELIVERY_RECEIPT", "Email UNSUBSCRIBE", "Email MESSAGE_RESULT_UPDATE",
			"KakaoTalk Bizmessage MESSAGE_RESULT_UPDATE", "KakaoTalk Bizmessage TEMPLATE_STATUS_UPDATE"}},
		{name: "UNSUBSCRIBE", args: []string{"UNSUBSCRIBE"}, code: 0, events: []string{"SMS UNSUBSCRIBE", "Email UNSUBSCRIBE"}},
		{name: "SMS UNSUBSCRIBE", args: []string{"--product", "SMS", "UNSUBSCRIBE"}, code: 0, events: []string{"SMS UNSUBSCRIBE"}},
		{name: "Sms is SMS", args: []string{"--product", "Sms", "CONVERSION_BLOCK"}, code: 0, events: []string{"SMS CONVERSION_BLOCK"}},
		{name: "KakaoTalk", args: []string{"--product", "KakaoTalk Bizmessage"}, code: 0,
			events: []string{"KakaoTalk Bizmessage MESSAGE_RESULT_UPDATE", "KakaoTalk Bizmessage TEMPLATE_STATUS_UPDATE"}},
		{name: "INTERNATIONAL_DELIVERY_RECEIPT", args: []string{"INTERNATIONAL_DELIVERY_RECEIPT"}, code: 0, events: []string{"SMS INTERNATIONAL_DELIVERY_RECEIPT"}},
		{name: "unknown event", args: []string{"RCS_RESULT_UPDATE"}, code: 2},
		{name: "an event of another product", args: []string{"--product", "Email", "TEMPLATE_STATUS_UPDATE"}, code: 2},
		{name: "unknown product", args: []string{"--product", "RCS Bizmessage"}, code: 2},
		{name: "two events", args: []string{"UNSUBSCRIBE", "CONVERSION_BLOCK"}, code: 2},
		{name: "unknown flag", args: []string{"--nope"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, append([]string{"samples"}, tt.args...)...)
			require.Equal(t, tt.code, r.code, r.stderr)
			if tt.code != 0 {
				assert.Empty(t, r.stdout)
				assert.NotEmpty(t, r.stderr)
				return
			}
			var got []string
			dec := json.NewDecoder(strings.NewReader(r.stdout))
			for {
				var doc struct {
					ProductName string `json:"productName"`
					Event       string `json:"event"`
				}
				err := dec.Decode(&doc)
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				got = append(got, doc.ProductName+" "+doc.Event)
			}
			assert.Equal(t, tt.events, got)

			// What samples prints, validate accepts.
			v := cli{args: []string{"validate", "-"}, stdin: strings.NewReader(r.stdout)}.run(t)
			require.Equal(t, 0, v.code, "stdout: %s\nstderr: %s", v.stdout, v.stderr)
			lines := strings.Split(strings.TrimSuffix(v.stdout, "\n"), "\n")
			require.Len(t, lines, len(tt.events))
			for i, ev := range tt.events {
				name := "-"
				if len(tt.events) > 1 {
					name = fmt.Sprintf("-#%d", i+1)
				}
				assert.Equal(t, fmt.Sprintf("%s: ok (%s, 1 hooks)", name, ev), lines[i])
			}
		})
	}
}

// TestSamplesPipe runs the documented pipeline through a real pipe between two processes.
func TestSamplesPipe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	defer cancel()
	samples := exec.CommandContext(ctx, binary, "samples")
	samples.Env = environ(nil)
	validate := exec.CommandContext(ctx, binary, "validate", "-")
	validate.Env = environ(nil)
	pipe, err := samples.StdoutPipe()
	require.NoError(t, err)
	validate.Stdin = pipe
	var out, errOut bytes.Buffer
	validate.Stdout, validate.Stderr = &out, &errOut
	require.NoError(t, validate.Start())
	require.NoError(t, samples.Run())
	require.NoError(t, validate.Wait(), "stdout: %s\nstderr: %s", out.String(), errOut.String())
	assert.Equal(t, 0, validate.ProcessState.ExitCode())
	assert.Equal(t, len(api.Kinds()), strings.Count(out.String(), ": ok ("), out.String())
	assert.NotContains(t, out.String(), "invalid")
}

// ---------------------------------------------------------------------------------------------------------
// validate

func TestValidateExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := writeFile(t, filepath.Join(dir, "valid.json"), marshal(t, sample(t, api.EventTypeUnsubscribe)))
	invalid := writeFile(t, filepath.Join(dir, "invalid.json"), []byte(`{"event":"UNSUBSCRIBE"}`))
	emptyDir := filepath.Join(dir, "empty")
	require.NoError(t, os.MkdirAll(emptyDir, 0o755))
	writeFile(t, filepath.Join(emptyDir, "notes.txt"), []byte("not a payload"))
	missing := filepath.Join(dir, "missing.json")

	tests := []struct {
		name    string
		args    []string
		code    int
		message string // on stderr
	}{
		{name: "valid", args: []string{valid}, code: 0},
		{name: "valid, --strict", args: []string{"--strict", valid}, code: 0},
		{name: "valid, --compat", args: []string{"--compat", valid}, code: 0},
		{name: "valid, --compatible", args: []string{"--compatible", valid}, code: 0},
		{name: "invalid", args: []string{invalid}, code: 1},
		{name: "valid and invalid", args: []string{valid, invalid}, code: 1},
		{name: "flags after the paths", args: []string{valid, invalid, "--format", "json"}, code: 1},
		{name: "no path", args: nil, code: 2, message: "name at least one file"},
		{name: "unknown flag", args: []string{"--lenient", valid}, code: 2, message: "lenient"},
		{name: "nonexistent file", args: []string{missing}, code: 2, message: "missing.json"},
		{name: "nonexistent file beside a valid one", args: []string{valid, missing}, code: 2, message: "missing.json"},
		{name: "nonexistent file beside an invalid one", args: []string{invalid, missing}, code: 2, message: "missing.json"},
		{name: "directory without *.json", args: []string{emptyDir}, code: 2, message: "no *.json"},
		{name: "bad --format", args: []string{"--format", "xml", valid}, code: 2, message: "xml"},
		{name: "--format without a value", args: []string{valid, "--format"}, code: 2},
		{name: "--strict with --compat", args: []string{"--strict", "--compat", valid}, code: 2, message: "--strict and --compatible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, append([]string{"validate"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, tt.message)
		})
	}
}

func TestValidateText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := writeFile(t, filepath.Join(dir, "valid.json"), marshal(t, sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) {
		d["hooks"] = append(d.hooks(), d.hook(0), d.hook(0))
	})))
	notObject := writeFile(t, filepath.Join(dir, "array.json"), []byte(`[]`))
	twoViolations := writeFile(t, filepath.Join(dir, "two.json"), marshal(t, sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) {
		d.hook(0)["hookId"] = ""
		d.hook(0)["requestId"] = ""
	})))

	r := invoke(t, "validate", valid, notObject, twoViolations)
	require.Equal(t, 1, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 6, r.stdout)
	assert.Equal(t, valid+": ok (SMS MESSAGE_RESULT_UPDATE, 3 hooks)", lines[0])
	assert.Equal(t, notObject+": invalid", lines[1])
	assert.Regexp(t, `^  \(body\): \S`, lines[2], "the empty pointer prints as (body)")
	assert.Equal(t, twoViolations+": invalid", lines[3])
	var pointers []string
	text := string(readFile(t, twoViolations))
	violation := regexp.MustCompile(`^  (/\S+) \(line 1, column ([0-9]+)\): (\S.*)$`)
	for _, l := range lines[4:] {
		m := violation.FindStringSubmatch(l)
		require.NotNil(t, m, "a violation line, POINTER (line L, column C): REASON: %q", l)
		column, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		key := m[1][strings.LastIndexByte(m[1], '/')+1:]
		assert.True(t, strings.HasSuffix(text[:column-1], `"`+key+`":`), "column %d is where the value of %s starts: %q", column, m[1], text[max(0, column-20):column-1])
		assert.True(t, strings.HasPrefix(text[column-1:], `""`), "column %d: %q", column, text[column-1:])
		pointers = append(pointers, m[1])
	}
	assert.ElementsMatch(t, []string{"/hooks/0/hookId", "/hooks/0/requestId"}, pointers)
}

// positioned is a body laid out over lines, with violations at known places: an empty hookId (line 8, column
// 17), a fraction in recipientSeq (line 9, column 23), a space for the T of requestDate (line 10, column 22),
// and two missing members, requestId of the hook (the hook starts at line 7, column 5) and webhookConfigId of
// the envelope (line 1, column 1). The lines end in CRLF: '\r' is a byte of its line, not a line of its own.
const positioned = "{\r\n" +
	"  \"hooksId\": \"x\",\r\n" +
	"  \"productName\": \"SMS\",\r\n" +
	"  \"appKey\": \"k\",\r\n" +
	"  \"event\": \"MESSAGE_RESULT_UPDATE\",\r\n" +
	"  \"hooks\": [\r\n" +
	"    {\r\n" +
	"      \"hookId\": \"\",\r\n" +
	"      \"recipientSeq\": 1.5,\r\n" +
	"      \"requestDate\": \"2026-11-30 09:59:58\"\r\n" +
	"    }\r\n" +
	"  ]\r\n" +
	"}\r\n"

// position is a violation's place as every format shows it.
type position struct {
	pointer      string
	line, column int
}

var positionedWant = []position{
	{"/hooks/0/hookId", 8, 17},
	{"/hooks/0/recipientSeq", 9, 23},
	{"/hooks/0/requestDate", 10, 22},
	{"/hooks/0/requestId", 7, 5},
	{"/webhookConfigId", 1, 1},
}

// TestValidatePositions checks where each format says a violation is: the line and the column of the value,
// of the object that lacks a member, or of a malformed body's error; nothing for the whole body.
func TestValidatePositions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, filepath.Join(dir, "positioned.json"), []byte(positioned))
	notObject := writeFile(t, filepath.Join(dir, "array.json"), []byte("\n\n  [1]"))
	malformed := writeFile(t, filepath.Join(dir, "malformed.json"), []byte("{\n  \"event\": \"UNSUBSCRIBE\",\n  \"hooks\": [}\n"))
	bom := writeFile(t, filepath.Join(dir, "bom.json"), append([]byte("\xef\xbb\xbf"), marshal(t, sample(t, api.EventTypeUnsubscribe))...))

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		r := invoke(t, "validate", "--format", "json", file, notObject, malformed, bom)
		require.Equal(t, 1, r.code, r.stderr)
		reports := decodeReports(t, r.stdout)
		require.Len(t, reports, 4)
		var got []position
		for _, e := range reports[0].Errors {
			got = append(got, position{e.Pointer, e.Line, e.Column})
			assert.NotContains(t, e.Reason, "; ", "one reason per pointer")
			assert.NotContains(t, e.Reason, "regular expression", "the format explains it")
		}
		assert.ElementsMatch(t, positionedWant, got)

		require.Len(t, reports[1].Errors, 1)
		assert.Equal(t, position{}, position{line: reports[1].Errors[0].Line, column: reports[1].Errors[0].Column}, "the whole body has no place")
		var raw []struct {
			Errors []map[string]json.RawMessage `json:"errors"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &raw))
		assert.NotContains(t, raw[1].Errors[0], "line", "no line where there is no place")
		assert.NotContains(t, raw[1].Errors[0], "column")
		assert.Contains(t, raw[0].Errors[0], "line")
		assert.Contains(t, raw[0].Errors[0], "column")

		require.Len(t, reports[2].Errors, 1)
		assert.Equal(t, position{"/hooks/0", 3, 13}, position{reports[2].Errors[0].Pointer, reports[2].Errors[0].Line, reports[2].Errors[0].Column})
		assert.Contains(t, reports[2].Errors[0].Reason, "line 3, column 13 (byte 40)", "the parser's own position")

		require.Len(t, reports[3].Errors, 1)
		assert.Equal(t, position{"", 1, 1}, position{reports[3].Errors[0].Pointer, reports[3].Errors[0].Line, reports[3].Errors[0].Column})
		assert.Equal(t, "invalid JSON at line 1, column 1 (byte 0): body starts with a UTF-8 byte-order mark (EF BB BF); JSON must not", reports[3].Errors[0].Reason)
	})

	t.Run("github", func(t *testing.T) {
		t.Parallel()
		r := invoke(t, "validate", "--format", "github", file, notObject, malformed, bom)
		require.Equal(t, 1, r.code, r.stderr)
		annotation := regexp.MustCompile(`^::error file=([^,]+)(?:,line=([0-9]+),col=([0-9]+))?,title=([^:]+)::(.+)$`)
		var got []position
		byFile := map[string][]string{}
		for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
			m := annotation.FindStringSubmatch(l)
			require.NotNil(t, m, "::error file=F[,line=L,col=C],title=T::MESSAGE: %q", l)
			byFile[m[1]] = append(byFile[m[1]], l)
			if m[1] == file {
				line, _ := strconv.Atoi(m[2])
				col, _ := strconv.Atoi(m[3])
				got = append(got, position{m[4], line, col})
			}
		}
		assert.ElementsMatch(t, positionedWant, got)
		assert.Equal(t, []string{"::error file=" + notObject + ",title=(body)::value must be an object"}, byFile[notObject])
		require.Len(t, byFile[malformed], 1)
		assert.True(t, strings.HasPrefix(byFile[malformed][0], "::error file="+malformed+",line=3,col=13,title=/hooks/0::invalid JSON at line 3, column 13"), byFile[malformed][0])
		require.Len(t, byFile[bom], 1)
		assert.True(t, strings.HasPrefix(byFile[bom][0], "::error file="+bom+",line=1,col=1,title=(body)::"), byFile[bom][0])
		assert.Contains(t, byFile[bom][0], "byte-order mark")
	})

	t.Run("text", func(t *testing.T) {
		t.Parallel()
		r := invoke(t, "validate", file, notObject, malformed)
		require.Equal(t, 1, r.code, r.stderr)
		want := []string{file + ": invalid"}
		for _, p := range positionedWant {
			want = append(want, fmt.Sprintf("  %s (line %d, column %d): ", p.pointer, p.line, p.column))
		}
		want = append(want,
			notObject+": invalid",
			"  (body): value must be an object",
			malformed+": invalid",
			"  /hooks/0: invalid JSON at line 3, column 13 (byte 40): ", // the reason says where: no second position
		)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		require.Len(t, lines, len(want), r.stdout)
		// The violations of one file come in validate's order; compare them as a set.
		slices.Sort(lines[1:6])
		for i := range want {
			assert.True(t, strings.HasPrefix(lines[i], want[i]), "line %d: %q, want %q…", i, lines[i], want[i])
		}
	})

	t.Run("drift", func(t *testing.T) {
		t.Parallel()
		drift := writeFile(t, filepath.Join(t.TempDir(), "drift.json"), []byte(strings.Replace(string(fixtures.Read("message-result-update.json")), `"COMPLETED"`, `"DELIVERED_LATER"`, 1)))
		text := string(readFile(t, drift))
		i := strings.Index(text, `"DELIVERED_LATER"`)
		require.Positive(t, i)
		line := strings.Count(text[:i], "\n") + 1
		col := i - strings.LastIndexByte(text[:i], '\n')
		gh := invoke(t, "validate", "--compat", "--format", "github", drift)
		assert.Equal(t, 0, gh.code, gh.stderr)
		assert.True(t, strings.HasPrefix(gh.stdout, fmt.Sprintf("::warning file=%s,line=%d,col=%d,title=/hooks/0/messageStatus::drift: ", drift, line, col)), gh.stdout)
		txt := invoke(t, "validate", "--compat", drift)
		assert.Contains(t, txt.stdout, fmt.Sprintf("\n  drift /hooks/0/messageStatus (line %d, column %d): ", line, col))
		js := invoke(t, "validate", "--compat", "--format", "json", drift)
		var reports []struct {
			Drift []struct {
				Pointer      string
				Line, Column int
			}
		}
		require.NoError(t, json.Unmarshal([]byte(js.stdout), &reports))
		require.Len(t, reports, 1)
		require.Len(t, reports[0].Drift, 1)
		assert.Equal(t, position{"/hooks/0/messageStatus", line, col}, position{reports[0].Drift[0].Pointer, reports[0].Drift[0].Line, reports[0].Drift[0].Column})
	})
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := writeFile(t, filepath.Join(dir, "valid.json"), marshal(t, sample(t, api.EventTypeConversionBlock)))
	invalid := writeFile(t, filepath.Join(dir, "invalid.json"), marshal(t, sample(t, api.EventTypeConversionBlock).with(func(d delivery) {
		d.hook(0)["countryCode"] = ""
	})))
	malformed := writeFile(t, filepath.Join(dir, "malformed.json"), []byte(`{"event":`))

	r := invoke(t, "validate", "--format", "json", valid, invalid, malformed)
	require.Equal(t, 1, r.code, r.stderr)
	reports := decodeReports(t, r.stdout)
	require.Len(t, reports, 3)

	assert.Equal(t, valid, reports[0].File)
	assert.True(t, reports[0].Valid)
	assert.Equal(t, "CONVERSION_BLOCK", reports[0].Event)
	assert.Equal(t, 1, reports[0].Hooks)
	assert.Empty(t, reports[0].Errors)

	assert.Equal(t, invalid, reports[1].File)
	assert.False(t, reports[1].Valid)
	require.Len(t, reports[1].Errors, 1)
	assert.Equal(t, "/hooks/0/countryCode", reports[1].Errors[0].Pointer)
	assert.NotEmpty(t, reports[1].Errors[0].Reason)

	assert.Equal(t, malformed, reports[2].File)
	assert.False(t, reports[2].Valid)
	require.Len(t, reports[2].Errors, 1)
	assert.Contains(t, reports[2].Errors[0].Reason, "invalid JSON")

	// The keys, exactly as documented.
	var raw []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &raw))
	for _, k := range []string{"file", "valid", "event", "hooks", "errors"} {
		assert.Contains(t, raw[0], k, "a valid file's report has %q", k)
	}
	for i := range raw {
		assert.Equal(t, byte('['), raw[i]["errors"][0], "errors is an array, even when empty")
	}
	var errs []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw[1]["errors"], &errs))
	assert.Contains(t, errs[0], "pointer")
	assert.Contains(t, errs[0], "reason")

	// No file at all is still an array.
	r = invoke(t, "validate", "--format", "json", filepath.Join(dir, "missing.json"))
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "[]", strings.TrimSpace(r.stdout))
}

func TestValidateGitHub(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	oddName := writeFile(t, filepath.Join(dir, "delivery, copy: 2.json"), []byte(``))
	// A property name with a comma and a colon ends up in the title (the pointer).
	oddKey := writeFile(t, filepath.Join(dir, "key.json"), []byte(`{"a,b:c":1,"a,b:c":2}`))
	valid := writeFile(t, filepath.Join(dir, "valid.json"), marshal(t, sample(t, api.EventTypeUnsubscribe)))

	r := invoke(t, "validate", "--format", "github", oddName, oddKey, valid)
	require.Equal(t, 1, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 2, "one annotation per violation, none for the valid file: %s", r.stdout)

	escapedName := strings.NewReplacer(",", "%2C", ":", "%3A").Replace(oddName)
	require.NotEqual(t, oddName, escapedName)
	assert.True(t, strings.HasPrefix(lines[0], "::error file="+escapedName+",line=1,col=1,title=(body)::"), lines[0])
	assert.Contains(t, lines[0], "invalid JSON")
	assert.NotContains(t, lines[0], "delivery, copy: 2.json", "the file property is escaped")

	// The second "a,b:c" starts at byte 11: column 12.
	assert.True(t, strings.HasPrefix(lines[1], "::error file="+strings.ReplaceAll(oddKey, ":", "%3A")+",line=1,col=12,title=/a%2Cb%3Ac::"), lines[1])
	assert.Contains(t, lines[1], "duplicate key")
}

func TestValidateDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unsubscribe := marshal(t, sample(t, api.EventTypeUnsubscribe))
	want := map[string]bool{
		writeFile(t, filepath.Join(dir, "top.json"), unsubscribe):                            true,
		writeFile(t, filepath.Join(dir, "a", "b", "c", "deep.json"), unsubscribe):            true,
		writeFile(t, filepath.Join(dir, "a", "b", "broken.json"), []byte(`{"event":"UNSUB`)): false,
	}
	writeFile(t, filepath.Join(dir, "a", "notes.txt"), []byte(`{`))
	writeFile(t, filepath.Join(dir, "a", "b", "payload.json.bak"), []byte(`{`))

	r := invoke(t, "validate", "--format", "json", dir)
	require.Equal(t, 1, r.code, r.stderr)
	got := map[string]bool{}
	for _, rep := range decodeReports(t, r.stdout) {
		got[rep.File] = rep.Valid
	}
	assert.Equal(t, want, got, "every *.json below the directory, recursively, and nothing else")
}

func TestValidateCompat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unknownEvent := writeFile(t, filepath.Join(dir, "event.json"), []byte(`{"hooksId":"20240101000000abcdefghijk","webhookConfigId":"w","productName":"RCS","appKey":"k","event":"RCS_RESULT_UPDATE","hooks":[{"hookId":"h"}]}`))
	unknownEnum := writeFile(t, filepath.Join(dir, "enum.json"), marshal(t, sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) {
		d.hook(0)["messageStatus"] = "DELIVERED_LATER"
	})))
	unknownDLR := writeFile(t, filepath.Join(dir, "dlr.json"), marshal(t, sample(t, api.EventTypeInternationalDeliveryReceipt).with(func(d delivery) {
		d.hook(0)["dlrStatus"] = "SUBMITTED"
	})))
	wrongType := writeFile(t, filepath.Join(dir, "type.json"), marshal(t, map[string]any{
		"hooksId": "x", "appKey": "k", "event": "MESSAGE_RESULT_UPDATE",
		"hooks": []any{map[string]any{"hookId": "h", "requestId": "r", "recipientSeq": 1, "messageStatus": 7}},
	}))

	tests := []struct {
		name       string
		file       string
		strict     int // exit code by default and with --strict
		compat     int
		compatText string
	}{
		{name: "unknown event", file: unknownEvent, strict: 1, compat: 0, compatText: "ok (RCS RCS_RESULT_UPDATE, 1 hooks)"},
		{name: "unknown messageStatus", file: unknownEnum, strict: 1, compat: 0, compatText: "drift /hooks/0/messageStatus"},
		{name: "unknown dlrStatus", file: unknownDLR, strict: 1, compat: 0, compatText: "drift /hooks/0/dlrStatus"},
		{name: "an enum of the wrong type stays invalid", file: wrongType, strict: 1, compat: 1, compatText: "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := invoke(t, "validate", tt.file)
			assert.Equal(t, tt.strict, def.code, "strict by default: %s", def.stdout)
			assert.Contains(t, def.stdout, tt.file+": invalid")
			strict := invoke(t, "validate", "--strict", tt.file)
			assert.Equal(t, tt.strict, strict.code, strict.stdout)
			assert.Equal(t, def.stdout, strict.stdout)
			compat := invoke(t, "validate", "--compat", tt.file)
			assert.Equal(t, tt.compat, compat.code, compat.stdout)
			assert.Contains(t, compat.stdout, tt.compatText)
			if tt.compat == 0 {
				gh := invoke(t, "validate", "--compat", "--format", "github", tt.file)
				assert.Equal(t, 0, gh.code)
				assert.NotContains(t, gh.stdout, "::error", "drift is no error")
			}
		})
	}
}

func TestValidateHostileInput(t *testing.T) {
	t.Parallel()
	deepArray := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	deepObject := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*131 + i/7) // deterministic, every byte value, NULs included
	}
	tests := []struct {
		name   string
		input  []byte
		reason string // in the output, for a clear message
	}{
		{name: "binary garbage", input: garbage, reason: "invalid JSON"},
		{name: "empty", input: nil, reason: "invalid JSON"},
		{name: "only whitespace", input: []byte(" \n\t "), reason: "invalid JSON"},
		{name: "3 MB string value", input: []byte(`{"event":"UNSUBSCRIBE","hooksId":"` + strings.Repeat("x", 3<<20) + `"}`), reason: "limit"},
		{name: "100000-deep array", input: []byte(deepArray), reason: "nesting"},
		{name: "100000-deep object", input: []byte(deepObject), reason: "nesting"},
		{name: "invalid UTF-8 in a value", input: []byte("{\"event\":\"UNSUBSCRIBE\",\"hooksId\":\"\xff\xfe\xfd\"}"), reason: "UTF-8"},
		{name: "invalid UTF-8 in a key", input: []byte("{\"\xc3\x28\":1}"), reason: "UTF-8"},
		{name: "lone surrogate escape", input: []byte(`{"event":"UNSUBSCRIBE","hooksId":"\ud800"}`), reason: ""},
		{name: "NUL bytes", input: []byte("{\"event\":\x00}"), reason: "invalid JSON"},
		{name: "over the body limit", input: append(bytes.Repeat([]byte(" "), 1<<20), marshal(t, sample(t, api.EventTypeUnsubscribe))...), reason: "limit of 1048576 bytes"},
		{name: "huge number", input: []byte(`{"event":"MESSAGE_RESULT_UPDATE","hooks":[{"recipientSeq":1` + strings.Repeat("0", 100_000) + `}]}`), reason: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := writeFile(t, filepath.Join(t.TempDir(), "hostile.json"), tt.input)
			for _, c := range []cli{
				{args: []string{"validate", file}},
				{args: []string{"validate", "-"}, stdin: bytes.NewReader(tt.input)},
			} {
				r := c.run(t)
				assert.Equal(t, 1, r.code, "%q: stderr: %.500s", c.args, r.stderr)
				assert.Contains(t, r.stdout, ": invalid\n", "%q", c.args)
				assert.Contains(t, r.stdout, tt.reason, "%q", c.args)
				assert.Less(t, len(r.stdout), 64<<10, "%q: the output stays small", c.args)
			}
			r := invoke(t, "validate", "--format", "json", file)
			assert.Equal(t, 1, r.code, r.stderr)
			reports := decodeReports(t, r.stdout)
			require.Len(t, reports, 1)
			assert.False(t, reports[0].Valid)
			require.NotEmpty(t, reports[0].Errors)
			assert.Contains(t, reports[0].Errors[0].Reason, tt.reason)
		})
	}
}

func TestValidateVendorFixtures(t *testing.T) {
	t.Parallel()
	r := invoke(t, "validate", "--format", "json", vendorDir)
	require.Equal(t, 1, r.code, r.stderr)
	reports := decodeReports(t, r.stdout)
	entries, err := fs.ReadDir(fixtures.Vendor, ".")
	require.NoError(t, err)
	require.Len(t, reports, len(entries), "one report per fixture")
	for _, rep := range reports {
		if filepath.Base(rep.File) == filepath.Base(published) {
			assert.False(t, rep.Valid)
			require.Len(t, rep.Errors, 1)
			assert.Equal(t, "/hooks/0", rep.Errors[0].Pointer)
			assert.Contains(t, rep.Errors[0].Reason, "line 27, column 1 ")
			assert.Equal(t, [2]int{27, 1}, [2]int{rep.Errors[0].Line, rep.Errors[0].Column}, "the parser's position")
			continue
		}
		if strings.HasPrefix(filepath.Base(rep.File), "kakaotalk-") {
			// The KakaoTalk Bizmessage pages write type names where values go: not valid even in an envelope,
			// and fragments as printed.
			assert.False(t, rep.Valid, rep.File)
			assert.NotEmpty(t, rep.Errors, rep.File)
			continue
		}
		assert.True(t, rep.Valid, "%s: %+v", rep.File, rep.Errors)
		assert.Equal(t, 1, rep.Hooks, rep.File)
		assert.NotEmpty(t, rep.Event, rep.File)
		assert.NotEmpty(t, rep.ProductName, rep.File)
	}

	text := invoke(t, "validate", published)
	assert.Equal(t, 1, text.code)
	assert.True(t, strings.HasPrefix(text.stdout, published+": invalid\n  /hooks/0: "), text.stdout)
	assert.Contains(t, text.stdout, "line 27")
	assertNoValue(t, text, fixturePhones...)
}

// TestValidateNeverPrintsValues puts a phone number where a value is wrong and checks that no output shows it.
func TestValidateNeverPrintsValues(t *testing.T) {
	t.Parallel()
	hook := func(key string, value any) []byte {
		h := map[string]any{"hookId": "h", "requestId": "r", "recipientSeq": 1}
		h[key] = value
		return marshal(t, map[string]any{"hooksId": "x", "appKey": "k", "event": "MESSAGE_RESULT_UPDATE", "hooks": []any{h}})
	}
	payloads := map[string][]byte{
		"enum messageStatus":         hook("messageStatus", phone),
		"enum senderType":            hook("senderType", phone),
		"string for an integer":      hook("recipientSeq", phone),
		"number for a string":        hook("recipientNo", json.Number(phone[1:])),
		"fraction for an integer":    hook("recipientSeq", json.Number(phone[1:]+".5")),
		"object for a string":        hook("sendNo", map[string]any{"n": phone}),
		"array for a string":         hook("recipientNo", []any{phone}),
		"pattern requestDate":        hook("requestDate", phone),
		"format receiveDate":         hook("receiveDate", phone+"T00:00:00"),
		"format createdDateTime":     marshal(t, map[string]any{"hooksId": "x", "appKey": "k", "event": "UNSUBSCRIBE", "hooks": []any{map[string]any{"hookId": "h", "recipientNo": "r", "createdDateTime": phone}}}),
		"enum dlrStatus":             marshal(t, map[string]any{"hooksId": "x", "appKey": "k", "event": "INTERNATIONAL_DELIVERY_RECEIPT", "hooks": []any{map[string]any{"hookId": "h", "requestId": "r", "recipientSeq": 1, "dlrStatus": phone}}}),
		"unknown event (strict)":     marshal(t, map[string]any{"hooksId": "x", "appKey": "k", "event": phone, "hooks": []any{}}),
		"hooks a string":             marshal(t, map[string]any{"hooksId": "x", "appKey": "k", "event": "UNSUBSCRIBE", "hooks": phone}),
		"duplicate key":              []byte(`{"event":"UNSUBSCRIBE","recipientNo":"` + phone + `","recipientNo":"` + phone + `"}`),
		"truncated inside the value": []byte(`{"event":"UNSUBSCRIBE","hooks":[{"recipientNo":"` + phone),
		"bare number then garbage":   []byte(`{"recipientNo":` + phone + `x}`),
		"data after the value":       []byte(`{"event":"UNSUBSCRIBE"} "` + phone + `"`),
		"control character":          []byte(`{"recipientNo":"` + phone + "\x01\"}"),
		"bad escape":                 []byte(`{"recipientNo":"` + phone + `\q"}`),
		"invalid UTF-8 after value":  []byte(`{"recipientNo":"` + phone + "\xff\"}"),
	}
	dir := t.TempDir()
	var files []string
	for name, body := range payloads {
		files = append(files, writeFile(t, filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json"), body))
	}
	slices.Sort(files)
	for _, format := range []string{"text", "json", "github"} {
		for _, profile := range []string{"--strict", "--compat"} {
			t.Run(format+" "+profile, func(t *testing.T) {
				t.Parallel()
				args := []string{"validate", profile, "--format", format}
				for _, f := range files {
					if profile == "--compat" && strings.Contains(f, "unknown-event") {
						continue // accepted as drift, and its event is then named as such
					}
					args = append(args, f)
				}
				r := invoke(t, args...)
				assert.Equal(t, 1, r.code, r.stderr)
				assert.NotEmpty(t, r.stdout)
				assertNoValue(t, r, phone, phone[1:])
			})
		}
		t.Run(format+" stdin", func(t *testing.T) {
			t.Parallel()
			// One stream: the well-formed documents, then a malformed one, which ends the stream.
			var stream []byte
			for _, name := range slices.Sorted(maps.Keys(payloads)) {
				if json.Valid(payloads[name]) {
					stream = append(append(stream, payloads[name]...), '\n')
				}
			}
			stream = append(stream, payloads["truncated inside the value"]...)
			r := cli{args: []string{"validate", "--format", format, "-"}, stdin: bytes.NewReader(stream)}.run(t)
			assert.Equal(t, 1, r.code, r.stderr)
			assert.Contains(t, r.stdout, "-#2")
			assertNoValue(t, r, phone, phone[1:])
		})
	}
}

// ---------------------------------------------------------------------------------------------------------
// serve

// syncBuffer collects a process's output and wakes whoever waits for a line.
type syncBuffer struct {
	mu     sync.Mutex
	data   []byte
	notify chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{notify: make(chan struct{})} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data = append(b.data, p...)
	close(b.notify)
	b.notify = make(chan struct{})
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.data)
}

// lines returns the complete lines written so far.
func (b *syncBuffer) lines() []string {
	s := b.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.Split(s[:i], "\n")
	}
	return nil
}

// waitLine waits for a complete line that match accepts, until timeout or until done is closed.
func (b *syncBuffer) waitLine(timeout time.Duration, done <-chan struct{}, match func(string) bool) (string, bool) {
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		notify := b.notify
		b.mu.Unlock()
		for _, l := range b.lines() {
			if match(l) {
				return l, true
			}
		}
		select {
		case <-notify:
		case <-deadline:
			return "", false
		case <-done:
			done = nil // one more look at what was written before the end
			deadline = time.After(0)
		}
	}
}

// logMsg returns the msg of a JSON log line.
func logMsg(line string) string {
	var l struct {
		Msg string `json:"msg"`
	}
	_ = json.Unmarshal([]byte(line), &l)
	return l.Msg
}

// server is a running `smshook serve`.
type server struct {
	cmd            *exec.Cmd
	url            string // as logged: http://127.0.0.1:PORT/path
	stdout, stderr *syncBuffer
	done           chan struct{}
}

// startServe starts `smshook serve --addr 127.0.0.1:0 args...` with env as its whole environment and returns
// once it logged the address it listens on.
func startServe(tb testing.TB, env []string, args ...string) *server {
	tb.Helper()
	return startServeFor(tb, processTimeout, env, args...)
}

// startServeFor is startServe for a process that may run longer than processTimeout.
func startServeFor(tb testing.TB, timeout time.Duration, env []string, args ...string) *server {
	tb.Helper()
	return startServeUnder(tb, timeout, nil, env, args...)
}

// startServeUnder is startServeFor for `smshook serve` started by the command wrapper, e.g. prlimit with its
// arguments; nil starts it directly.
func startServeUnder(tb testing.TB, timeout time.Duration, wrapper []string, env []string, args ...string) *server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	s := &server{stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	argv := append(append(slices.Clone(wrapper), binary, "serve", "--addr", "127.0.0.1:0"), args...)
	s.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	s.cmd.Env = environ(env)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	s.cmd.WaitDelay = time.Second
	require.NoError(tb, s.cmd.Start())
	go func() {
		_ = s.cmd.Wait()
		cancel()
		close(s.done)
	}()
	tb.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
	line, ok := s.stderr.waitLine(10*time.Second, s.done, func(l string) bool {
		return strings.HasPrefix(logMsg(l), "listening on http://")
	})
	require.True(tb, ok, "serve did not log where it listens; stderr:\n%s", s.stderr.String())
	s.url = strings.TrimPrefix(logMsg(line), "listening on ")
	_, err := url.Parse(s.url)
	require.NoError(tb, err)
	return s
}

// stop sends sig and returns the exit code.
func (s *server) stop(tb testing.TB, sig os.Signal) int {
	tb.Helper()
	require.NoError(tb, s.cmd.Process.Signal(sig))
	return s.wait(tb)
}

func (s *server) wait(tb testing.TB) int {
	tb.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		tb.Fatalf("serve did not exit; stderr:\n%s", s.stderr.String())
	}
	assertNoCrash(tb, s.stderr.String())
	return s.cmd.ProcessState.ExitCode()
}

func (s *server) result() result {
	return result{stdout: s.stdout.String(), stderr: s.stderr.String()}
}

// deliveryLine is what serve prints per delivery.
type deliveryLine struct {
	HooksID     string         `json:"hooksId"`
	ProductName string         `json:"productName"`
	Event       string         `json:"event"`
	AppKey      string         `json:"appKey"`
	Hooks       int            `json:"hooks"`
	Typed       bool           `json:"typed"`
	Outcomes    map[string]int `json:"outcomes,omitempty"`
}

// deliveries decodes serve's stdout, checking that each line holds exactly the documented keys (serve runs
// without --hook-ids here; outcomes only for a kind whose hooks carry a result).
func (s *server) deliveries(tb testing.TB) []deliveryLine {
	tb.Helper()
	var out []deliveryLine
	for _, l := range s.stdout.lines() {
		var keys map[string]json.RawMessage
		require.NoError(tb, json.Unmarshal([]byte(l), &keys), "a stdout line is not JSON: %q", l)
		want := []string{"hooksId", "productName", "event", "appKey", "hooks", "typed"}
		if _, ok := keys["outcomes"]; ok {
			want = append(want, "outcomes")
		}
		assert.ElementsMatch(tb, want, mapKeys(keys), l)
		var d deliveryLine
		require.NoError(tb, json.Unmarshal([]byte(l), &d))
		out = append(out, d)
	}
	return out
}

func mapKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// assertJSONLogs checks that every stderr line is a JSON log record.
func (s *server) assertJSONLogs(tb testing.TB) {
	tb.Helper()
	lines := s.stderr.lines()
	require.NotEmpty(tb, lines)
	for _, l := range lines {
		var rec map[string]any
		if assert.NoError(tb, json.Unmarshal([]byte(l), &rec), "a log line is not JSON: %q", l) {
			assert.Contains(tb, rec, "time", l)
			assert.Contains(tb, rec, "level", l)
			assert.Contains(tb, rec, "msg", l)
		}
	}
}

// post sends body to target as NHN Cloud does; an empty secret sends no secret header.
func post(tb testing.TB, target, secret string, body []byte) (int, []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", sender.ContentType)
	if secret != "" {
		req.Header.Set(smshook.SignatureHeader, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp.StatusCode, answer
}

// unknownEvent is a delivery of an event the contract does not know, carrying a phone number.
func unknownEvent(hooksID string) []byte {
	return []byte(`{"hooksId":"` + hooksID + `","webhookConfigId":"w","productName":"RCS","appKey":"` + appKey +
		`","event":"RCS_RESULT_UPDATE","hooks":[{"hookId":"h1","recipientNo":"01012341234"},{"hookId":"h2","sendNo":"15446859"}]}`)
}

func TestServeUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blank := writeFile(t, filepath.Join(dir, "blank"), []byte("\n  \n"))
	tests := []struct {
		name    string
		args    []string
		env     []string
		message string
	}{
		{name: "no secret", message: "--no-secret"},
		{name: "blank SMSHOOK_SECRET", env: []string{"SMSHOOK_SECRET= , ,"}, message: "--no-secret"},
		{name: "blank SMSHOOK_SECRET and NHN_WEBHOOK_SIGNATURE", env: []string{"SMSHOOK_SECRET= , ,", "NHN_WEBHOOK_SIGNATURE=,"}, message: "--no-secret"},
		{name: "blank secret file", args: []string{"--secret-file", blank}, message: "--no-secret"},
		{name: "blank --secret", args: []string{"--secret", " "}, message: "--no-secret"},
		{name: "missing secret file", args: []string{"--secret-file", filepath.Join(dir, "missing")}, message: "missing"},
		{name: "path without a slash", args: []string{"--secret", "s", "--path", "hooks"}, message: "--path"},
		{name: "unexpected argument", args: []string{"--secret", "s", "extra"}, message: "extra"},
		{name: "unknown flag", args: []string{"--secret", "s", "--tls"}, message: "tls"},
		{name: "bad address", args: []string{"--secret", "s", "--addr", "256.0.0.1:99999"}},
		{name: "bad --max-body", args: []string{"--secret", "s", "--max-body", "lots"}},
		{name: "negative --max-conns", args: []string{"--secret", "s", "--max-conns", "-1"}, message: "--max-conns"},
		{name: "negative --claim-lease", args: []string{"--secret", "s", "--claim-lease", "-1s"}, message: "--claim-lease"},
		{name: "zero --store-timeout", args: []string{"--secret", "s", "--store-timeout", "0s"}, message: "--store-timeout"},
		{name: "bad --store-timeout", args: []string{"--secret", "s", "--store-timeout", "soon"}, message: "store-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := cli{args: append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...), env: tt.env}.run(t)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.message)
			assert.NotContains(t, r.stderr, "listening on")
		})
	}
}

func TestServeDeliveries(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-Zq81xw"
	s := startServe(t, nil, "--secret", secret)
	assert.True(t, strings.HasPrefix(s.url, "http://127.0.0.1:") && strings.HasSuffix(s.url, "/"), s.url)

	// What each documented delivery's one hook says of its message, where its kind carries a result.
	outcomes := map[string]map[string]int{
		"SMS MESSAGE_RESULT_UPDATE":                  {"delivered": 1},
		"SMS INTERNATIONAL_DELIVERY_RECEIPT":         {"pending": 1},
		"Email MESSAGE_RESULT_UPDATE":                {"delivered": 1},
		"KakaoTalk Bizmessage MESSAGE_RESULT_UPDATE": {"delivered": 1},
	}
	var want []deliveryLine
	for _, kind := range api.Kinds() {
		d := sampleOf(t, kind)
		status, answer := post(t, s.url, secret, marshal(t, d))
		require.Equal(t, http.StatusOK, status, "%s: %s", kind, answer)
		want = append(want, deliveryLine{HooksID: d.hooksID(), ProductName: string(kind.Product), Event: string(kind.Event), AppKey: appKey,
			Hooks: 1, Typed: true, Outcomes: outcomes[kind.String()]})
	}
	// The vendor's own fixtures, phone numbers and all.
	for _, name := range []string{"unsubscribe.json", "message-result-update.json"} {
		body := fixtures.Read(name)
		status, answer := post(t, s.url, secret, body)
		require.Equal(t, http.StatusOK, status, "%s: %s", name, answer)
		d := decodeDelivery(t, body)
		want = append(want, deliveryLine{HooksID: d.hooksID(), ProductName: d["productName"].(string), Event: d["event"].(string), AppKey: appKey,
			Hooks: 1, Typed: true, Outcomes: outcomes["SMS "+d["event"].(string)]})
	}
	// An event the contract does not know is dispatched too (compatible by default).
	unknownID := sender.NewID()
	status, answer := post(t, s.url, secret, unknownEvent(unknownID))
	require.Equal(t, http.StatusOK, status, string(answer))
	want = append(want, deliveryLine{HooksID: unknownID, ProductName: "RCS", Event: "RCS_RESULT_UPDATE", AppKey: appKey, Hooks: 2})

	// Not dispatched, so not printed: rejections and the console's verification request.
	status, _ = post(t, s.url, "wrong-"+secret, marshal(t, sample(t, api.EventTypeUnsubscribe)))
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = post(t, s.url, "", marshal(t, sample(t, api.EventTypeUnsubscribe)))
	assert.Equal(t, http.StatusUnauthorized, status)
	status, answer = post(t, s.url, secret, fixtures.Read("message-result-update.published.json"))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(answer), "/hooks/0")
	drift := sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) { d.hook(0)["messageStatus"] = phone })
	status, answer = post(t, s.url, secret, marshal(t, drift))
	assert.Equal(t, http.StatusOK, status, "an unknown enum value is drift by default: %s", answer)
	want = append(want, deliveryLine{HooksID: drift.hooksID(), ProductName: "SMS", Event: "MESSAGE_RESULT_UPDATE", AppKey: appKey,
		Hooks: 1, Typed: true, Outcomes: map[string]int{"delivered": 1}})
	status, answer = post(t, s.url, secret, []byte(`{"event":"UNSUBSCRIBE","hooksId":"x","appKey":"k","hooks":[{"hookId":"h","recipientNo":1099998888}]}`))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.NotContains(t, string(answer), "1099998888")
	status, _ = post(t, s.url, secret, []byte(`{"hooksId":"x","appKey":"String","event":"UNSUBSCRIBE","hooks":[]}`))
	assert.Equal(t, http.StatusOK, status, "the console's verification request")

	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	assert.Equal(t, want, s.deliveries(t), "exactly one line per dispatched delivery")
	s.assertJSONLogs(t)
	assertNoValue(t, s.result(), append(fixturePhones, phone, secret)...)
}

// TestServeDeliveryLine checks one stdout line byte for byte, in the documented order of its fields.
func TestServeDeliveryLine(t *testing.T) {
	t.Parallel()
	const secret = "line-s3cret"
	s := startServe(t, nil, "--secret", secret, "--hook-ids")
	d := sample(t, api.EventTypeConversionBlock).with(func(d delivery) {
		d["hooks"] = append(d.hooks(), map[string]any{"hookId": "second-hook", "countryCode": "82", "blockedDateTime": "2024-05-28T09:00:00.000+09:00"})
	})
	status, answer := post(t, s.url, secret, marshal(t, d))
	require.Equal(t, http.StatusOK, status, string(answer))
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	want := `{"hooksId":"` + d.hooksID() + `","productName":"SMS","event":"CONVERSION_BLOCK","appKey":"` + appKey +
		`","hooks":2,"typed":true,"hookIds":["` + d.hook(0)["hookId"].(string) + `","second-hook"]}`
	assert.Equal(t, []string{want}, s.stdout.lines())
}

// TestServeNamesTheEncoding posts bodies with a byte-order mark or in UTF-16: each is answered 400, malformed,
// and the problem says why.
func TestServeNamesTheEncoding(t *testing.T) {
	t.Parallel()
	const secret = "bom-s3cret"
	s := startServe(t, nil, "--secret", secret)
	body := marshal(t, sample(t, api.EventTypeUnsubscribe))
	var utf16le []byte
	for _, u := range utf16.Encode([]rune(string(body))) {
		utf16le = append(utf16le, byte(u), byte(u>>8))
	}
	tests := []struct {
		name, body, detail string
	}{
		{name: "UTF-8 BOM", body: "\xef\xbb\xbf" + string(body), detail: "body starts with a UTF-8 byte-order mark (EF BB BF); JSON must not"},
		{name: "UTF-16LE BOM", body: "\xff\xfe" + string(utf16le), detail: "body starts with a UTF-16LE byte-order mark (FF FE); JSON must be UTF-8"},
		{name: "UTF-16LE", body: string(utf16le), detail: "body is UTF-16LE (a NUL byte after each of its first characters); JSON must be UTF-8"},
	}
	for _, tt := range tests {
		status, answer := post(t, s.url, secret, []byte(tt.body))
		assert.Equal(t, http.StatusBadRequest, status, tt.name)
		var problem struct {
			Type   string `json:"type"`
			Errors []struct {
				Pointer string `json:"pointer"`
				Detail  string `json:"detail"`
			} `json:"errors"`
		}
		require.NoError(t, json.Unmarshal(answer, &problem), "%s: %s", tt.name, answer)
		assert.Contains(t, problem.Type, "malformed", "%s: %s", tt.name, answer)
		require.Len(t, problem.Errors, 1, "%s: %s", tt.name, answer)
		assert.Equal(t, "invalid JSON at line 1, column 1 (byte 0): "+tt.detail, problem.Errors[0].Detail, tt.name)
	}
	require.Equal(t, 0, s.stop(t, syscall.SIGTERM), s.stderr.String())
	assert.Empty(t, s.deliveries(t))
	assertNoValue(t, s.result(), append(fixturePhones, secret)...)
}

func TestServeSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		env      []string
		file     string // contents of --secret-file
		accepted []string
		refused  []string // besides the wrong ones every case refuses
	}{
		{name: "--secret twice (rotation)", args: []string{"--secret", "old-Aa1", "--secret", "new-Bb2"}, accepted: []string{"old-Aa1", "new-Bb2"}},
		{name: "SMSHOOK_SECRET, comma-separated", env: []string{"SMSHOOK_SECRET=old-Aa1, new-Bb2"}, accepted: []string{"old-Aa1", "new-Bb2"}},
		{name: "--secret-file, one per line", file: "old-Aa1\r\nnew-Bb2\n\n", accepted: []string{"old-Aa1", "new-Bb2"}},
		{name: "all three sources", args: []string{"--secret", "flag-Cc3"}, env: []string{"SMSHOOK_SECRET=env-Dd4"}, file: "file-Ee5\n", accepted: []string{"flag-Cc3", "env-Dd4", "file-Ee5"}},
		{name: "NHN_WEBHOOK_SIGNATURE, the older name", env: []string{"NHN_WEBHOOK_SIGNATURE=old-Aa1,new-Bb2"}, accepted: []string{"old-Aa1", "new-Bb2"}},
		{name: "SMSHOOK_SECRET before NHN_WEBHOOK_SIGNATURE", env: []string{"SMSHOOK_SECRET=new-Bb2", "NHN_WEBHOOK_SIGNATURE=old-Aa1"},
			accepted: []string{"new-Bb2"}, refused: []string{"old-Aa1"}},
		{name: "NHN_WEBHOOK_SIGNATURE when SMSHOOK_SECRET is blank", env: []string{"SMSHOOK_SECRET= , ", "NHN_WEBHOOK_SIGNATURE=old-Aa1"}, accepted: []string{"old-Aa1"}},
		{name: "--secret beside NHN_WEBHOOK_SIGNATURE", args: []string{"--secret", "flag-Cc3"}, env: []string{"NHN_WEBHOOK_SIGNATURE=old-Aa1"}, accepted: []string{"flag-Cc3", "old-Aa1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if tt.file != "" {
				args = append(args, "--secret-file", writeFile(t, filepath.Join(t.TempDir(), "secrets"), []byte(tt.file)))
			}
			s := startServe(t, tt.env, args...)
			for _, secret := range tt.accepted {
				status, answer := post(t, s.url, secret, marshal(t, sample(t, api.EventTypeUnsubscribe)))
				assert.Equal(t, http.StatusOK, status, "%s: %s", secret, answer)
			}
			for _, wrong := range append([]string{"", "old-Aa1,new-Bb2", "new-Bb", "NEW-BB2", "unknown"}, tt.refused...) {
				status, _ := post(t, s.url, wrong, marshal(t, sample(t, api.EventTypeUnsubscribe)))
				assert.Equal(t, http.StatusUnauthorized, status, "%q", wrong)
			}
			require.Equal(t, 0, s.stop(t, syscall.SIGTERM))
			assert.Len(t, s.deliveries(t), len(tt.accepted))
			assertNoValue(t, s.result(), append(append(tt.accepted, tt.refused...), fixturePhones...)...)
		})
	}
}

// withAppKey is a valid delivery for appKey.
func withAppKey(tb testing.TB, appKey string) []byte {
	return marshal(tb, sample(tb, api.EventTypeConversionBlock).with(func(d delivery) { d["appKey"] = appKey }))
}

func TestServeOptions(t *testing.T) {
	t.Parallel()
	const secret = "opt-s3cret"
	type request struct {
		path   string // appended to the listening URL's host
		secret string
		body   []byte
		status int
	}
	valid := func() []byte { return marshal(t, sample(t, api.EventTypeConversionBlock)) }
	tests := []struct {
		name       string
		args       []string
		requests   []request
		deliveries int
	}{
		{name: "--path /hooks", args: []string{"--secret", secret, "--path", "/hooks"}, deliveries: 1, requests: []request{
			{path: "/", secret: secret, body: valid(), status: 404},
			{path: "/other", secret: secret, body: valid(), status: 404},
			{path: "/hooks/", secret: secret, body: valid(), status: 404},
			{path: "/hooks", secret: secret, body: valid(), status: 200},
		}},
		{name: "--path / serves every path", args: []string{"--secret", secret}, deliveries: 2, requests: []request{
			{path: "/", secret: secret, body: valid(), status: 200},
			{path: "/any/where", secret: secret, body: valid(), status: 200},
		}},
		{name: "--max-body 100", args: []string{"--secret", secret, "--max-body", "100"}, deliveries: 0, requests: []request{
			{path: "/", secret: secret, body: valid(), status: 413},
		}},
		{name: "--strict", args: []string{"--secret", secret, "--strict"}, deliveries: 1, requests: []request{
			{path: "/", secret: secret, body: unknownEvent("strict-unknown"), status: 400},
			{path: "/", secret: secret, body: valid(), status: 200},
		}},
		{name: "compatible by default", args: []string{"--secret", secret}, deliveries: 1, requests: []request{
			{path: "/", secret: secret, body: unknownEvent("compat-unknown"), status: 200},
		}},
		{name: "--no-secret", args: []string{"--no-secret"}, deliveries: 2, requests: []request{
			{path: "/", body: valid(), status: 200},
			{path: "/", secret: "any", body: valid(), status: 200},
		}},
		{name: "--no-secret with a secret checks a present secret", args: []string{"--no-secret", "--secret", secret}, deliveries: 2, requests: []request{
			{path: "/", body: valid(), status: 200},
			{path: "/", secret: "wrong-" + secret, body: valid(), status: 401},
			{path: "/", secret: secret, body: valid(), status: 200},
		}},
		{name: "--allow-unsigned, the older name of --no-secret", args: []string{"--allow-unsigned", "--secret", secret}, deliveries: 2, requests: []request{
			{path: "/", body: valid(), status: 200},
			{path: "/", secret: "wrong-" + secret, body: valid(), status: 401},
			{path: "/", secret: secret, body: valid(), status: 200},
		}},
		{name: "--claim-lease and --store-timeout", args: []string{"--secret", secret, "--claim-lease", "5m", "--store-timeout", "500ms"}, deliveries: 1, requests: []request{
			{path: "/", secret: secret, body: valid(), status: 200},
		}},
		{name: "--app-key", args: []string{"--secret", secret, "--app-key", "pinned", "--app-key", "also"}, deliveries: 2, requests: []request{
			{path: "/", secret: secret, body: withAppKey(t, "pinned"), status: 200},
			{path: "/", secret: secret, body: withAppKey(t, "also"), status: 200},
			{path: "/", secret: secret, body: withAppKey(t, "someone-else"), status: 403},
		}},
		{name: "--max-conns 0 (no limit)", args: []string{"--secret", secret, "--max-conns", "0"}, deliveries: 1, requests: []request{
			{path: "/", secret: secret, body: valid(), status: 200},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startServe(t, nil, tt.args...)
			u, err := url.Parse(s.url)
			require.NoError(t, err)
			for _, r := range tt.requests {
				status, answer := post(t, "http://"+u.Host+r.path, r.secret, r.body)
				assert.Equal(t, r.status, status, "%s: %s", r.path, answer)
			}
			// GET is no delivery.
			resp, err := http.Get(s.url)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

			require.Equal(t, 0, s.stop(t, syscall.SIGTERM))
			assert.Len(t, s.deliveries(t), tt.deliveries)
			s.assertJSONLogs(t)
			assertNoValue(t, s.result(), append(fixturePhones, secret)...)
		})
	}
}

// TestServeGracefulShutdown sends SIGTERM while a request is half sent: the request must still be answered.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	const secret = "graceful-s3cret"
	s := startServe(t, nil, "--secret", secret)
	u, err := url.Parse(s.url)
	require.NoError(t, err)

	d := sample(t, api.EventTypeMessageResultUpdate)
	body := marshal(t, d)
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	head := fmt.Sprintf("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n%s: %s\r\nContent-Length: %d\r\n\r\n",
		u.Host, sender.ContentType, smshook.SignatureHeader, secret, len(body))
	half := len(body) / 2
	_, err = io.WriteString(conn, head)
	require.NoError(t, err)
	_, err = conn.Write(body[:half])
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // let the server read the headers: the request is then in flight

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	_, ok := s.stderr.waitLine(10*time.Second, s.done, func(l string) bool { return strings.HasPrefix(logMsg(l), "shutting down") })
	require.True(t, ok, "serve did not start shutting down; stderr:\n%s", s.stderr.String())
	time.Sleep(200 * time.Millisecond)
	select {
	case <-s.done:
		t.Fatalf("serve exited with a request in flight; stderr:\n%s", s.stderr.String())
	default:
	}

	_, err = conn.Write(body[half:])
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "no answer to the in-flight request; stderr:\n%s", s.stderr.String())
	resp.Body.Close()
	assert.Equal(t, "HTTP/1.1", resp.Proto)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, 0, s.wait(t), s.stderr.String())
	assert.Equal(t, []deliveryLine{{HooksID: d.hooksID(), ProductName: "SMS", Event: "MESSAGE_RESULT_UPDATE", AppKey: appKey, Hooks: 1,
		Typed: true, Outcomes: map[string]int{"delivered": 1}}}, s.deliveries(t))
	s.assertJSONLogs(t)
	assertNoValue(t, s.result(), append(fixturePhones, secret)...)
}

func TestServeSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			s := startServe(t, []string{"SMSHOOK_SECRET=idle"})
			assert.Equal(t, 0, s.stop(t, sig), s.stderr.String())
			assert.Empty(t, s.stdout.String())
			s.assertJSONLogs(t)
			var msgs []string
			for _, l := range s.stderr.lines() {
				msgs = append(msgs, logMsg(l))
			}
			assert.Contains(t, msgs, "stopped")
		})
	}
}

// ---------------------------------------------------------------------------------------------------------
// send

// newReceiver starts an in-process receiver that accepts secret and records what it dispatches.
func newReceiver(tb testing.TB, secret string) (*httptest.Server, *smshooktest.Recorder) {
	tb.Helper()
	rec := &smshooktest.Recorder{}
	h, err := smshook.NewHandler(rec.Handler(), smshook.WithSecrets(secret), smshook.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(tb, err)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv, rec
}

// seen returns the hooksId and the event of each delivery rec recorded, in order.
func seen(rec *smshooktest.Recorder) ([]string, []api.EventType) {
	var ids []string
	var events []api.EventType
	for _, w := range rec.Webhooks() {
		ids, events = append(ids, w.Head().HooksID), append(events, w.Head().Event)
	}
	return ids, events
}

func TestSend(t *testing.T) {
	t.Parallel()
	const secret = "send-s3cret"
	vendorFile := filepath.Join(vendorDir, "unsubscribe.json")
	leaky := writeFile(t, filepath.Join(t.TempDir(), "leaky.json"), marshal(t, map[string]any{
		"hooksId": "x", "appKey": "k", "event": "UNSUBSCRIBE",
		"hooks": []any{map[string]any{"hookId": "h", "recipientNo": json.Number(phone[1:]), "createdDateTime": phone}},
	}))
	tests := []struct {
		name     string
		args     []string // {url} is replaced by the receiver's URL
		env      []string
		stdin    []byte
		code     int
		lines    []string // stdout contains each
		received int
		events   []api.EventType
	}{
		{name: "documented event", args: []string{"--url", "{url}", "--secret", secret, "--event", "UNSUBSCRIBE"},
			code: 0, lines: []string{"200 OK\n"}, received: 1, events: []api.EventType{"UNSUBSCRIBE"}},
		{name: "--count 3", args: []string{"--url", "{url}", "--secret", secret, "--event", "MESSAGE_RESULT_UPDATE", "--count", "3"},
			code: 0, lines: []string{"200 OK\n200 OK\n200 OK\n"}, received: 3},
		{name: "secret from SMSHOOK_SECRET", args: []string{"--url", "{url}", "--event", "CONVERSION_BLOCK"}, env: []string{"SMSHOOK_SECRET=" + secret + ",other"},
			code: 0, lines: []string{"200 OK"}, received: 1, events: []api.EventType{"CONVERSION_BLOCK"}},
		{name: "secret from NHN_WEBHOOK_SIGNATURE, the older name", args: []string{"--url", "{url}", "--event", "CONVERSION_BLOCK"}, env: []string{"NHN_WEBHOOK_SIGNATURE=" + secret},
			code: 0, lines: []string{"200 OK"}, received: 1, events: []api.EventType{"CONVERSION_BLOCK"}},
		{name: "SMSHOOK_SECRET before NHN_WEBHOOK_SIGNATURE", args: []string{"--url", "{url}", "--event", "CONVERSION_BLOCK"},
			env:  []string{"SMSHOOK_SECRET=wrong", "NHN_WEBHOOK_SIGNATURE=" + secret},
			code: 1, lines: []string{"401 Unauthorized\n", "urn:smshook:problem:secret-mismatch"}},
		{name: "a vendor file", args: []string{"--url", "{url}", "--secret", secret, "--file", vendorFile},
			code: 0, lines: []string{"200 OK"}, received: 1, events: []api.EventType{"UNSUBSCRIBE"}},
		{name: "--file - reads stdin", args: []string{"--url", "{url}", "--secret", secret, "--file", "-"}, stdin: fixtures.Read("conversion-block.json"),
			code: 0, lines: []string{"200 OK"}, received: 1, events: []api.EventType{"CONVERSION_BLOCK"}},
		{name: "wrong secret", args: []string{"--url", "{url}", "--secret", "wrong", "--event", "UNSUBSCRIBE"},
			code: 1, lines: []string{"401 Unauthorized\n", "urn:smshook:problem:secret-mismatch"}},
		{name: "no secret", args: []string{"--url", "{url}", "--event", "UNSUBSCRIBE"},
			code: 1, lines: []string{"401 Unauthorized\n", "urn:smshook:problem:secret-missing"}},
		{name: "the published trailing comma", args: []string{"--url", "{url}", "--secret", secret, "--file", published},
			code: 1, lines: []string{"400 Bad Request\n", "urn:smshook:problem:malformed-body", "  /hooks/0: ", "line 27"}},
		{name: "invalid values are not echoed", args: []string{"--url", "{url}", "--secret", secret, "--file", leaky},
			code: 1, lines: []string{"400 Bad Request\n", "urn:smshook:problem:invalid-body", "/hooks/0/recipientNo", "/hooks/0/createdDateTime"}},
		{name: "flags after --count", args: []string{"--count", "2", "--event", "UNSUBSCRIBE", "--secret", secret, "--url", "{url}"},
			code: 0, lines: []string{"200 OK\n200 OK\n"}, received: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := newReceiver(t, secret)
			args := []string{"send"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "{url}", srv.URL))
			}
			c := cli{args: args, env: tt.env}
			if tt.stdin != nil {
				c.stdin = bytes.NewReader(tt.stdin)
			}
			r := c.run(t)
			assert.Equal(t, tt.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			for _, l := range tt.lines {
				assert.Contains(t, r.stdout, l)
			}
			ids, events := seen(rec)
			assert.Len(t, ids, tt.received)
			assert.Len(t, slices.Compact(slices.Sorted(slices.Values(ids))), tt.received, "distinct hooksIds: %v", ids)
			if tt.events != nil {
				assert.Equal(t, tt.events, events)
			}
			assertNoValue(t, r, append(fixturePhones, phone, phone[1:], secret)...)
		})
	}
}

func TestSendUsageErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + ln.Addr().String() + "/"
	require.NoError(t, ln.Close())
	missing := filepath.Join(t.TempDir(), "missing.json")

	tests := []struct {
		name    string
		args    []string
		code    int
		message string
	}{
		{name: "no --url", args: []string{"--event", "UNSUBSCRIBE"}, code: 2, message: "--url"},
		{name: "both --event and --file", args: []string{"--url", refused, "--event", "UNSUBSCRIBE", "--file", published}, code: 2, message: "exactly one"},
		{name: "neither --event nor --file", args: []string{"--url", refused}, code: 2, message: "exactly one"},
		{name: "unknown event", args: []string{"--url", refused, "--event", "RCS_RESULT_UPDATE"}, code: 2, message: "RCS_RESULT_UPDATE"},
		{name: "--count 0", args: []string{"--url", refused, "--event", "UNSUBSCRIBE", "--count", "0"}, code: 2, message: "--count"},
		{name: "--count -1", args: []string{"--url", refused, "--event", "UNSUBSCRIBE", "--count", "-1"}, code: 2, message: "--count"},
		{name: "--count not a number", args: []string{"--url", refused, "--event", "UNSUBSCRIBE", "--count", "three"}, code: 2},
		{name: "not an http URL", args: []string{"--url", "ftp://example.com/", "--event", "UNSUBSCRIBE"}, code: 2, message: "ftp://example.com/"},
		{name: "missing file", args: []string{"--url", refused, "--file", missing}, code: 2, message: "missing.json"},
		{name: "unexpected argument", args: []string{"--url", refused, "--event", "UNSUBSCRIBE", "extra"}, code: 2, message: "extra"},
		{name: "unknown flag", args: []string{"--url", refused, "--event", "UNSUBSCRIBE", "--retries", "3"}, code: 2, message: "retries"},
		{name: "connection refused", args: []string{"--url", refused, "--event", "UNSUBSCRIBE", "--secret", "s"}, code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := invoke(t, append([]string{"send"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, tt.message)
			assert.NotContains(t, r.stdout, "200 OK")
		})
	}
}

// TestSendToServe sends with one process to another, and checks both ends.
func TestSendToServe(t *testing.T) {
	t.Parallel()
	const secret = "e2e-s3cret"
	s := startServe(t, []string{"SMSHOOK_SECRET=" + secret}, "--path", "/webhooks/nhn")
	require.True(t, strings.HasSuffix(s.url, "/webhooks/nhn"), s.url)

	r := invoke(t, "send", "--url", s.url, "--secret", secret, "--event", "MESSAGE_RESULT_UPDATE", "--count", "3")
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	assert.Equal(t, "200 OK\n200 OK\n200 OK\n", r.stdout)

	r = invoke(t, "send", "--url", s.url, "--secret", "not-"+secret, "--event", "UNSUBSCRIBE")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "401 Unauthorized")

	r = cli{args: []string{"send", "--url", s.url, "--file", "-"}, env: []string{"SMSHOOK_SECRET=" + secret}, stdin: bytes.NewReader(fixtures.Read("message-result-update.published.json"))}.run(t)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "400 Bad Request")
	assert.Contains(t, r.stdout, "/hooks/0")

	require.Equal(t, 0, s.stop(t, syscall.SIGTERM))
	got := s.deliveries(t)
	require.Len(t, got, 3)
	ids := map[string]bool{}
	for _, d := range got {
		assert.Equal(t, "MESSAGE_RESULT_UPDATE", d.Event)
		assert.Equal(t, appKey, d.AppKey)
		assert.Equal(t, 1, d.Hooks)
		ids[d.HooksID] = true
	}
	assert.Len(t, ids, 3, "three distinct hooksIds")
	assertNoValue(t, s.result(), append(fixturePhones, secret)...)
}

// TestSendAppKeyToServe: send --app-key sets the appKey of samples and of files, which a real serve --app-key
// takes, where the samples' own appKey is answered 403.
func TestSendAppKeyToServe(t *testing.T) {
	t.Parallel()
	const secret, pinned = "e2e-s3cret", "pinned-AppKey-7"
	s := startServe(t, []string{"SMSHOOK_SECRET=" + secret}, "--app-key", pinned, "--app-key", "another")

	r := invoke(t, "send", "--url", s.url, "--secret", secret, "--event", "MESSAGE_RESULT_UPDATE")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "403 Forbidden", "the samples' appKey is not pinned")
	assert.Contains(t, r.stdout, "urn:smshook:problem:app-key-not-allowed")

	for _, product := range []string{"SMS", "KakaoTalk Bizmessage", "Email"} {
		r = invoke(t, "send", "--url", s.url, "--secret", secret, "--product", product, "--event", "MESSAGE_RESULT_UPDATE", "--app-key", pinned, "--count", "2")
		assert.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
		assert.Equal(t, "200 OK\n200 OK\n", r.stdout, product)
	}
	r = invoke(t, "send", "--url", s.url, "--secret", secret, "--file", filepath.Join(vendorDir, "unsubscribe.json"), "--app-key", pinned)
	assert.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	r = cli{args: []string{"send", "--url", s.url, "--secret", secret, "--file", "-", "--app-key", "another"}, stdin: bytes.NewReader(fixtures.Read("conversion-block.json"))}.run(t)
	assert.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	r = invoke(t, "send", "--url", s.url, "--secret", secret, "--file", published, "--app-key", pinned)
	assert.Equal(t, 2, r.code, "a file that is not JSON has no appKey to set")
	assert.Contains(t, r.stderr, "smshook send: --app-key: the delivery is not one JSON object")
	assert.Empty(t, r.stdout, "nothing was sent")

	require.Equal(t, 0, s.stop(t, syscall.SIGTERM))
	got := s.deliveries(t)
	require.Len(t, got, 8)
	for i, d := range got {
		want := pinned
		if d.Event == "CONVERSION_BLOCK" {
			want = "another"
		}
		assert.Equal(t, want, d.AppKey, "delivery %d (%s %s)", i, d.ProductName, d.Event)
	}
	assertNoValue(t, s.result(), append(fixturePhones, secret)...)
}

// TestSendTimeout sends to a server that takes the request and never answers: send gives up after --timeout.
func TestSendTimeout(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = io.Copy(io.Discard, conn) // reads everything, answers nothing
			}()
		}
	}()
	const timeout = 500 * time.Millisecond
	start := time.Now()
	r := invoke(t, "send", "--url", "http://"+ln.Addr().String()+"/", "--secret", "s", "--event", "UNSUBSCRIBE", "--timeout", timeout.String())
	took := time.Since(start)
	assert.Equal(t, 1, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	assert.Equal(t, "smshook send: no answer within 500ms (--timeout)\n", r.stderr)
	assert.Empty(t, r.stdout)
	assert.GreaterOrEqual(t, took, timeout)
	assert.Less(t, took, timeout+5*time.Second, "send did not give up at its --timeout")
	t.Logf("send with --timeout %v gave up after %v (process start included)", timeout, took.Round(time.Millisecond))

	r = invoke(t, "send", "--url", "http://"+ln.Addr().String()+"/", "--event", "UNSUBSCRIBE", "--timeout", "0s")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--timeout")
}

// TestValidatePartial: under --compat, a delivery whose violations all lie in some of its hooks is reported as
// the receiver takes it — partial, with the hooks it drops and their pointers — in every format, and the run
// exits 3 when nothing else is invalid; strict reports it invalid (1), and a wholly invalid file still exits 1.
func TestValidatePartial(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	partial := writeFile(t, filepath.Join(dir, "partial.json"), marshal(t, sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) {
		second := map[string]any{}
		for k, v := range d.hook(0) {
			second[k] = v
		}
		second["hookId"] = "second-hook"
		delete(second, "requestId")
		d["hooks"] = append(d.hooks(), second, d.hook(0))
	})))
	invalid := writeFile(t, filepath.Join(dir, "invalid.json"), marshal(t, sample(t, api.EventTypeMessageResultUpdate).with(func(d delivery) {
		delete(d, "appKey")
	})))

	r := invoke(t, "validate", "--compat", partial)
	require.Equal(t, 3, r.code, r.stderr)
	require.Equal(t, partial+": partial (SMS MESSAGE_RESULT_UPDATE, 2 hooks; hook 1 dropped)\n"+
		`  /hooks/1/requestId (line 1, column `, r.stdout[:len(partial)+len(": partial (SMS MESSAGE_RESULT_UPDATE, 2 hooks; hook 1 dropped)\n  /hooks/1/requestId (line 1, column ")])

	r = invoke(t, "validate", "--compat", "--format", "json", partial)
	require.Equal(t, 3, r.code, r.stderr)
	var reports []struct {
		Valid   bool
		Hooks   int
		Dropped []int
		Errors  []struct{ Pointer string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &reports))
	require.Len(t, reports, 1)
	require.False(t, reports[0].Valid)
	require.Equal(t, 2, reports[0].Hooks)
	require.Equal(t, []int{1}, reports[0].Dropped)
	require.Len(t, reports[0].Errors, 1)
	require.Equal(t, "/hooks/1/requestId", reports[0].Errors[0].Pointer)

	r = invoke(t, "validate", "--compat", "--format", "github", partial)
	require.Equal(t, 3, r.code, r.stderr)
	require.Contains(t, r.stdout, "title=/hooks/1/requestId::")

	r = invoke(t, "validate", "--compat", partial, invalid)
	require.Equal(t, 1, r.code, "an invalid file outweighs a partial one: %s", r.stdout)
	r = invoke(t, "validate", partial)
	require.Equal(t, 1, r.code, "strict refuses the whole delivery: %s", r.stdout)
	require.Contains(t, r.stdout, partial+": invalid\n")
}
