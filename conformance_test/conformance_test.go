// Package conformance_test runs one corpus of webhook bodies through every reader smshook has — kin-openapi in
// both profiles, go-playground/validator on decoded values, the HTTP receivers and the smshook CLI — and checks each
// verdict against testdata/cases.json, whose expectations were decided from openapi.yaml and validate's package
// doc, not copied from any of them. It uses the public API only, and package fixtures for the vendor's examples.
package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/smshooktest"
	"github.com/smshook/smshook/structcheck"
	"github.com/smshook/smshook/validate"
)

const (
	corpusDir = "testdata"
	secret    = "conformance-s3cret"
	// verificationAppKey is the appKey of the console's URL verification request, answered 200 undispatched.
	verificationAppKey = "String"
	minCases           = 80
)

// corpusDirs are the directories of the corpus, each with its own rule on verdicts (see TestCorpusIndex): the
// first element of each file of cases.json. Every one is below testdata but vendorDir.
var corpusDirs = []string{"valid", "invalid", "drift", "vendor-doc", vendorDir}

// vendorDir names, in cases.json, the vendor's published examples: the one copy of them, in package fixtures
// (internal/fixtures/vendor), which the tests of every package read.
const vendorDir = "vendor"

// corpusFS returns the files of the corpus directory dir.
func corpusFS(dir string) fs.FS {
	if dir == vendorDir {
		return fixtures.Vendor
	}
	return os.DirFS(filepath.Join(corpusDir, dir))
}

// Verdicts of cases.json.
const (
	valid     = "valid"
	invalid   = "invalid"
	malformed = "malformed"
)

// expectation is one element of cases.json.
type expectation struct {
	File       string   `json:"file"`
	Strict     string   `json:"strict"`
	Compatible string   `json:"compatible"`
	Pointers   []string `json:"pointers,omitempty"`
	Drift      []string `json:"drift,omitempty"`
	// Dropped lists the hooks that the receiver drops under the compatible profile, accepting the others,
	// when every violation of an invalid delivery lies inside them.
	Dropped []int `json:"dropped,omitempty"`
	JS      *struct {
		Verdict string `json:"verdict"`
		Why     string `json:"why"`
	} `json:"js,omitempty"`
	Note string `json:"note"`
}

// cliBinary is the smshook command built by TestMain; empty in a fuzz worker, which does not run it.
var cliBinary string

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "smshook-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	cliBinary = filepath.Join(dir, "smshook")
	build := exec.Command("go", "build", "-o", cliBinary, "../cmd/smshook")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "conformance: build the smshook command:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// loadCases reads cases.json, refusing any property outside the documented shape.
var loadCases = sync.OnceValues(func() ([]expectation, error) {
	data, err := os.ReadFile(filepath.Join(corpusDir, "cases.json"))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cases []expectation
	if err := dec.Decode(&cases); err != nil {
		return nil, fmt.Errorf("cases.json: %w", err)
	}
	return cases, nil
})

func cases(tb testing.TB) []expectation {
	tb.Helper()
	c, err := loadCases()
	require.NoError(tb, err)
	return c
}

func readCase(tb testing.TB, c expectation) []byte {
	tb.Helper()
	dir, name, _ := strings.Cut(c.File, "/")
	body, err := fs.ReadFile(corpusFS(dir), name)
	require.NoError(tb, err)
	return body
}

// verdictOf names the outcome of Body.
func verdictOf(err error) string {
	switch {
	case err == nil:
		return valid
	case errors.Is(err, validate.ErrMalformed):
		return malformed
	case errors.Is(err, validate.ErrInvalid):
		return invalid
	}
	return "unexpected error: " + err.Error()
}

// pointers lists the distinct pointers of violations, sorted: a location is reported once however many rules
// it breaks (kin-openapi may report a value against a schema and against its allOf member).
func pointers(violations []validate.Violation) []string {
	var out []string
	for _, v := range violations {
		out = append(out, v.Pointer)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func marshal(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return string(b)
}

func violationsOf(tb testing.TB, err error) []validate.Violation {
	tb.Helper()
	var verr *validate.Error
	require.ErrorAs(tb, err, &verr)
	return verr.Violations
}

// TestCorpusIndex checks that cases.json and the files agree one to one, and that each directory holds what
// its name says.
func TestCorpusIndex(t *testing.T) {
	all := cases(t)
	require.GreaterOrEqual(t, len(all), minCases)

	var files []string
	for _, dir := range corpusDirs {
		err := fs.WalkDir(corpusFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, dir+"/"+p)
			}
			return err
		})
		require.NoError(t, err)
	}
	var listed []string
	for _, c := range all {
		listed = append(listed, c.File)
	}
	require.Len(t, slices.Compact(slices.Sorted(slices.Values(listed))), len(listed), "a file has more than one entry")
	assert.ElementsMatch(t, files, listed, "files without an entry, or entries without a file")

	verdicts := []string{valid, invalid, malformed}
	for _, c := range all {
		assert.Contains(t, verdicts, c.Strict, c.File)
		assert.Contains(t, verdicts, c.Compatible, c.File)
		assert.True(t, strings.HasSuffix(c.File, ".json"), "%s: not a .json file", c.File)
		assert.NotEmpty(t, c.Note, "%s: no note", c.File)
		assert.Equal(t, c.Strict != valid, len(c.Pointers) > 0, "%s: pointers are required exactly when strict rejects", c.File)
		assert.True(t, slices.IsSorted(c.Pointers), "%s: pointers not sorted", c.File)
		assert.True(t, slices.IsSorted(c.Drift), "%s: drift not sorted", c.File)
		if len(c.Drift) > 0 {
			assert.Equal(t, valid, c.Compatible, "%s: drift is only reported by an accepted body", c.File)
		}
		if c.Strict == malformed || c.Compatible == malformed {
			assert.Equal(t, c.Strict, c.Compatible, "%s: malformed is malformed under every profile", c.File)
		}
		if c.Strict == valid {
			assert.Equal(t, valid, c.Compatible, "%s: compatible accepts whatever strict accepts", c.File)
			assert.Empty(t, c.Drift, "%s: strictly valid bodies have no drift", c.File)
		}
		if c.JS != nil {
			assert.Contains(t, verdicts, c.JS.Verdict, c.File)
			assert.NotEqual(t, c.Strict, c.JS.Verdict, "%s: a js entry documents a different verdict only", c.File)
			assert.NotEmpty(t, c.JS.Why, c.File)
		}
		switch dir, _, _ := strings.Cut(c.File, "/"); dir {
		case "valid":
			assert.Equal(t, valid, c.Strict, "%s: valid/ holds strictly valid bodies", c.File)
		case "invalid":
			assert.NotEqual(t, valid, c.Strict, "%s: invalid/ holds bodies both profiles reject", c.File)
			assert.NotEqual(t, valid, c.Compatible, "%s: invalid/ holds bodies both profiles reject", c.File)
		case "drift":
			assert.Equal(t, invalid, c.Strict, "%s: drift/ holds bodies strict rejects", c.File)
			assert.Equal(t, valid, c.Compatible, "%s: drift/ holds bodies compatible accepts", c.File)
			assert.NotEmpty(t, c.Drift, "%s: drift/ holds bodies with drift", c.File)
		case "vendor-doc", vendorDir:
		default:
			t.Errorf("%s: not in one of %v", c.File, corpusDirs)
		}
	}
}

// TestVendorDocHoldsNoCopy keeps the vendor's examples in one place: vendor-doc/ holds cases derived from the
// vendor's document, none of them a copy of an example of package fixtures.
func TestVendorDocHoldsNoCopy(t *testing.T) {
	examples, err := fs.ReadDir(fixtures.Vendor, ".")
	require.NoError(t, err)
	require.NotEmpty(t, examples)
	docs, err := fs.ReadDir(corpusFS("vendor-doc"), ".")
	require.NoError(t, err)
	for _, doc := range docs {
		got, err := fs.ReadFile(corpusFS("vendor-doc"), doc.Name())
		require.NoError(t, err)
		for _, ex := range examples {
			assert.False(t, bytes.Equal(fixtures.Read(ex.Name()), got), "vendor-doc/%s is a copy of %s/%s", doc.Name(), vendorDir, ex.Name())
		}
	}
}

// TestCorpus checks every case with kin-openapi under both profiles, validator/v10, the receiver under both
// profiles, and the generated strict server interface behind smshook.NewStrictHandler.
func TestCorpus(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.File, func(t *testing.T) {
			t.Parallel()
			body := readCase(t, c)

			d, drift, err := validate.Body(body, validate.Strict)
			cd, cdrift, cerr := validate.Body(body, validate.Compatible)
			t.Run("strict", func(t *testing.T) {
				require.Equal(t, c.Strict, verdictOf(err), "kin-openapi strict: %v", err)
				if err != nil {
					assert.Nil(t, d)
					violations := violationsOf(t, err)
					assert.Equal(t, c.Pointers, pointers(violations), "strict violations: %v", violations)
					if c.Strict == malformed {
						assert.Len(t, violations, 1, "a malformed body has one violation")
					}
					return
				}
				assert.Empty(t, drift)
				assert.True(t, d.Head().Event.Valid())
			})
			t.Run("compatible", func(t *testing.T) {
				require.Equal(t, c.Compatible, verdictOf(cerr), "kin-openapi compatible: %v", cerr)
				if cerr != nil {
					assert.Nil(t, cd)
					return
				}
				assert.Equal(t, c.Drift, pointers(cdrift), "compatible drift: %v", cdrift)
				if err == nil {
					assert.JSONEq(t, marshal(t, d), marshal(t, cd), "both profiles bind the same value")
				}
			})
			t.Run("validator-v10", func(t *testing.T) {
				checkValidatorV10(t, c, body, d, cd, cdrift)
			})
			t.Run("receiver", func(t *testing.T) {
				if c.Dropped != nil {
					checkPartialReceiver(t, body, c)
					return
				}
				checkReceiver(t, body, c.Compatible, nil, cd)
			})
			t.Run("receiver-strict", func(t *testing.T) {
				checkReceiver(t, body, c.Strict, c.Pointers, d, smshook.WithStrict())
			})
			t.Run("strict-server", func(t *testing.T) {
				if c.Dropped != nil {
					return // checkPartialReceiver covers the partial delivery; the strict server gets what Handler gets
				}
				checkStrictServer(t, body, c.Compatible, cd)
			})
		})
	}
}

// checkValidatorV10 compares structcheck.Validate, go-playground/validator on a Go value, with kin-openapi strict.
//
// It reads the body with json.Unmarshal into the concrete envelope type of its event (api.Envelope for an event
// the contract does not know, or none) and validates that value. There it cannot agree with strict by
// construction, and the check is left out, for bodies:
//   - with a required integer (recipientSeq) absent or null: Go reads 0, which the integer rules allow;
//   - with a property name that differs from the contract's only in case: encoding/json matches names
//     case-insensitively, the contract exactly;
//   - with duplicate keys or invalid UTF-8: encoding/json keeps the last value and replaces bad bytes with U+FFFD,
//     where the contract finds the body malformed;
//   - with a date-time that Go's time package reads though RFC 3339 forbids it (a one-digit hour, a comma before
//     the fraction, an offset of +24:00 or +09:60): encoding/json keeps a value, which validator/v10 cannot tell;
//   - of a product of the contract with an event of the contract that this product does not send: validate
//     checks the pair when it routes the body, a rule no tag of the generic envelope carries;
//   - whose values encoding/json refuses (a wrong type, 1.0 or 1e2 or a number beyond int64 for an integer, an
//     impossible date, data after the value): then no value exists to validate, and strict must reject too —
//     except a date-time written with a JSON escape, which time.Time refuses (go.dev/issue/47353) and strict
//     accepts; it is checked again with its escapes resolved.
//
// Whatever a profile accepts is validated again as the typed value validate bound: strict's must pass, and
// compatible's (cd, with its drift) must fail exactly at its drift.
func checkValidatorV10(t *testing.T, c expectation, body []byte, d, cd api.Webhook, drift []validate.Violation) {
	if d != nil {
		assert.NoError(t, structcheck.Validate(d), "validator/v10 rejects the value strict accepted")
	}
	if cd != nil {
		err := structcheck.Validate(cd)
		if hasForeignEvent(body) {
			// A product's delivery with an event it does not send is bound untyped, as a valid generic envelope:
			// its drift is where it was routed, not a value validator/v10 could see.
			assert.NoError(t, err, "validator/v10 rejects the untyped envelope of an event its product does not send")
		} else if len(drift) == 0 {
			assert.NoError(t, err, "validator/v10 rejects the value compatible accepted without drift")
		} else if assert.Error(t, err, "validator/v10 accepts the drift compatible accepted") {
			assert.Equal(t, pointers(drift), pointers(violationsOf(t, err)), "validator/v10 violations are not the drift")
		}
	}

	if reason := cannotAgree(body); reason != "" {
		t.Log("the decoded value is not compared: validator/v10 cannot agree with strict here by construction: " + reason)
		return
	}
	value := envelopeFor(body)
	if err := json.Unmarshal(body, value); err != nil {
		if escapedTimeRefused(err, body) {
			value = envelopeFor(body)
			require.NoError(t, json.Unmarshal(resolveEscapes(t, body), value))
		} else {
			assert.NotEqual(t, valid, c.Strict, "encoding/json refuses what strict accepts: %v", err)
			return
		}
	}
	err := structcheck.Validate(value)
	if c.Strict == valid {
		assert.NoError(t, err, "validator/v10 rejects what strict accepts")
	} else {
		assert.Error(t, err, "validator/v10 accepts what strict rejects (%v)", c.Pointers)
	}
}

// cannotAgree names the category, documented on checkValidatorV10, where a value decoded by encoding/json cannot
// carry strict's verdict; "" when there is none.
func cannotAgree(body []byte) string {
	switch {
	case !utf8.Valid(body):
		return "invalid UTF-8"
	case hasDuplicateKeys(body):
		return "duplicate keys"
	case hasCaseVariantKey(body):
		return "a property name differing from the contract's in case only"
	case hasMissingRequiredInteger(body):
		return "a required integer absent or null reads 0"
	case hasLenientDateTime(body):
		return "a date-time the time package reads beyond RFC 3339"
	case hasForeignEvent(body):
		return "an event its product does not send: validate checks the pair, the generic envelope's tags check each name alone"
	}
	return ""
}

// hasForeignEvent reports whether body is of a product of the contract with an event of the contract that this
// product does not send (an SMS TEMPLATE_STATUS_UPDATE): validate routes it to the generic envelope and reports
// /event, a rule on the pair that no tag of api.Envelope carries.
func hasForeignEvent(body []byte) bool {
	kind := kindOf(body)
	if !kind.Event.Valid() || slices.Contains(api.Kinds(), kind) {
		return false
	}
	return slices.ContainsFunc(api.Kinds(), func(k api.Kind) bool { return k.Product == kind.Product })
}

// rfc3339 is the grammar of an RFC 3339 date-time (section 5.6, upper-case T and Z); days and ranges of the
// fields are the time package's to check.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// hasLenientDateTime reports whether a date-time property holds a string that time.Time reads (so encoding/json
// decodes the body) and RFC 3339 forbids.
func hasLenientDateTime(body []byte) bool {
	found := false
	_ = walkJSON(body, func(keys []string, values []any) {
		for i, k := range keys {
			s, ok := values[i].(string)
			if !ok || (k != "createdDateTime" && k != "blockedDateTime") {
				continue
			}
			var t time.Time
			found = found || (t.UnmarshalText([]byte(s)) == nil && !rfc3339.MatchString(s))
		}
	})
	return found
}

// kindOf returns the kind of body, from its productName and event ("" for a property absent or not a string).
func kindOf(body []byte) api.Kind {
	var probe map[string]any
	_ = json.Unmarshal(body, &probe)
	product, _ := probe["productName"].(string)
	event, _ := probe["event"].(string)
	return api.KindOf(product, api.EventType(event))
}

// envelopeFor returns a new value of the envelope type of body's kind.
func envelopeFor(body []byte) api.Webhook {
	return api.NewWebhook(kindOf(body))
}

// escapedTimeRefused reports whether err is time.Time refusing a date-time string with a JSON escape: it reads
// the raw JSON without resolving escapes (go.dev/issue/47353).
func escapedTimeRefused(err error, body []byte) bool {
	var pe *time.ParseError
	return errors.As(err, &pe) && bytes.Contains(body, []byte(`\`))
}

// resolveEscapes re-encodes a JSON document with its strings' escapes resolved.
func resolveEscapes(tb testing.TB, body []byte) []byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	require.NoError(tb, dec.Decode(&v))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(tb, enc.Encode(v))
	return buf.Bytes()
}

// walkJSON calls visit for every object of a well-formed JSON document, with its keys in order (escapes
// resolved, duplicates kept); it stops at the first error.
func walkJSON(body []byte, visit func(keys []string, values []any)) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var value func() (any, error)
	value = func() (any, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			var values []any
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				keys, values = append(keys, k.(string)), append(values, v)
			}
			visit(keys, values)
			obj := map[string]any{}
			for i, k := range keys {
				obj[k] = values[i]
			}
			_, err = dec.Token()
			return obj, err
		case json.Delim('['):
			arr := []any{}
			for dec.More() {
				v, err := value()
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err = dec.Token()
			return arr, err
		}
		return tok, nil
	}
	_, err := value()
	return err
}

func hasDuplicateKeys(body []byte) bool {
	dup := false
	_ = walkJSON(body, func(keys []string, _ []any) {
		dup = dup || len(slices.Compact(slices.Sorted(slices.Values(keys)))) != len(keys)
	})
	return dup
}

// contractNames are the property names of the generated envelopes and hooks.
var contractNames = sync.OnceValue(func() []string {
	var names []string
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() != reflect.TypeFor[api.Envelope]().PkgPath() {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
				names = append(names, name)
			}
			walk(t.Field(i).Type)
		}
	}
	for _, kind := range append(api.Kinds(), api.Kind{}) { // the zero Kind: the *api.Envelope of an unknown kind
		walk(reflect.TypeOf(api.NewWebhook(kind)))
	}
	return names
})

// hasCaseVariantKey reports whether a key of body differs from a property name of the contract in case only:
// encoding/json binds it to that property (Unicode folding included: "hoo\u212Aid" is hookId to it).
func hasCaseVariantKey(body []byte) bool {
	found := false
	_ = walkJSON(body, func(keys []string, _ []any) {
		for _, k := range keys {
			for _, name := range contractNames() {
				found = found || (k != name && strings.EqualFold(k, name))
			}
		}
	})
	return found
}

// hasMissingRequiredInteger reports whether a hook of a kind whose hooks require recipientSeq (SMS's results)
// lacks it or has it null.
func hasMissingRequiredInteger(body []byte) bool {
	var env struct {
		Event string           `json:"event"`
		Hooks []map[string]any `json:"hooks"`
	}
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	switch kindOf(body) {
	case api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeMessageResultUpdate},
		api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeInternationalDeliveryReceipt}:
	default:
		return false // no other kind requires an integer
	}
	for _, h := range env.Hooks {
		if h != nil && h["recipientSeq"] == nil { // a null hook fails on its hookId first
			return true
		}
	}
	return false
}

// integerNames are the integer properties of the contract's hooks (id: a KakaoTalk template comment's).
var integerNames = []string{"recipientSeq", "messageCount", "mailSeq", "id"}

// hasLexicalIntegerIssue reports whether an integer property is written as a number encoding/json refuses for an
// int64 (1.0, 1e2, beyond int64) — a lexical question JSON Schema validators do not all see.
func hasLexicalIntegerIssue(body []byte) bool {
	found := false
	_ = walkJSON(body, func(keys []string, values []any) {
		for i, k := range keys {
			if n, ok := values[i].(json.Number); ok && slices.Contains(integerNames, k) {
				if _, err := n.Int64(); err != nil {
					found = true
				}
			}
		}
	})
	return found
}

// recorder is the application of a receiver, its Handler's Default: it keeps every delivery it is handed.
type recorder struct {
	mu       sync.Mutex
	webhooks []api.Webhook
}

func (r *recorder) record(_ context.Context, w api.Webhook) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.webhooks = append(r.webhooks, w)
	return nil
}

// isVerification reports whether body is an object whose appKey is the console's placeholder.
func isVerification(body []byte) bool {
	var probe map[string]any
	return json.Unmarshal(body, &probe) == nil && probe["appKey"] == verificationAppKey
}

// checkReceiver posts body, with the secret, to a receiver made by smshook.NewHandler with opts: 200 and one dispatch of
// d, the value validate bound, when verdict is valid, 200 without dispatch for the console's verification
// request, else 400 with a problem listing wantPointers, unless nil.
func checkReceiver(t *testing.T, body []byte, verdict string, wantPointers []string, d api.Webhook, opts ...smshook.Option) {
	rec := &recorder{}
	opts = append([]smshook.Option{
		smshook.WithSecrets(secret),
		smshook.WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)
	h, err := smshook.NewHandler(smshook.Handler{Default: rec.record}, opts...)
	require.NoError(t, err)

	w := smshooktest.Post(t, h, body, secret) // as NHN Cloud posts: its Content-Type, the secret verbatim

	verification := verdict != malformed && isVerification(body)
	switch {
	case verification:
		assert.Equal(t, http.StatusOK, w.Code, "the console's verification request is acknowledged: %s", w.Body)
		assert.Empty(t, rec.webhooks, "the console's verification request is not dispatched")
	case verdict == valid:
		require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
		require.NotNil(t, d, "the validator rejected what the receiver accepted")
		require.Len(t, rec.webhooks, 1, "one dispatch per delivery")
		assert.IsType(t, d, rec.webhooks[0], "the application gets the envelope type of the event (*api.Envelope when unknown)")
		assert.Equal(t, d.Head(), rec.webhooks[0].Head())
		assert.JSONEq(t, marshal(t, d), marshal(t, rec.webhooks[0]), "the application gets the value the validator bound")
	default:
		assert.Equal(t, http.StatusBadRequest, w.Code, "%s", w.Body)
		assert.Empty(t, rec.webhooks, "a rejected delivery is not dispatched")
		assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
		var problem api.Problem
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &problem))
		assert.Equal(t, http.StatusBadRequest, problem.Status)
		if wantPointers == nil {
			return
		}
		require.NotNil(t, problem.Errors, "the problem lists no errors")
		var got []validate.Violation
		for _, e := range *problem.Errors {
			got = append(got, validate.Violation{Pointer: e.Pointer})
		}
		assert.Equal(t, wantPointers, pointers(got), "the problem's pointers")
	}
}

// checkPartialReceiver checks the compatible receiver on a delivery whose violations all lie in the hooks
// c.Dropped: it answers 200, hands the other hooks to the application, typed, and the dropped ones, with the
// violations that point into them, to Handler.Invalid.
func checkPartialReceiver(t *testing.T, body []byte, c expectation) {
	require.Equal(t, invalid, c.Compatible, "a partial delivery is one the validator rejects whole")
	rec := &recorder{}
	var dropped []api.InvalidHook
	h, err := smshook.NewHandler(smshook.Handler{
		Default: rec.record,
		Invalid: func(_ context.Context, _ api.Head, hooks []api.InvalidHook) error {
			dropped = append(dropped, hooks...)
			return nil
		},
	}, smshook.WithSecrets(secret), smshook.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	w := smshooktest.Post(t, h, body, secret) // as NHN Cloud posts: its Content-Type, the secret verbatim
	require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)

	var all struct{ Hooks []json.RawMessage }
	require.NoError(t, json.Unmarshal(body, &all))
	require.Len(t, rec.webhooks, 1, "one dispatch of the valid hooks")
	require.Equal(t, len(all.Hooks)-len(c.Dropped), rec.webhooks[0].HookCount(), "the valid hooks are dispatched")
	var indexes []int
	var got []string
	for _, hook := range dropped {
		indexes = append(indexes, hook.Index)
		assert.JSONEq(t, string(all.Hooks[hook.Index]), string(hook.JSON), "the dropped hook's JSON")
		for _, v := range hook.Violations {
			got = append(got, v.Pointer)
		}
	}
	assert.Equal(t, c.Dropped, indexes, "the dropped hooks")
	assert.ElementsMatch(t, c.Pointers, got, "the dropped hooks' violations are the strict pointers")
}

// strictServer is an api.StrictServerInterface that reads the delivery as the generated code offers it: the
// typed envelope of a known event, the JSON of the union for an event it does not know (acknowledged, as an
// application that wants to see new events does).
type strictServer struct {
	mu     sync.Mutex
	values []any
	errs   []error
}

func (s *strictServer) ReceiveWebhook(_ context.Context, r api.ReceiveWebhookRequestObject) (api.ReceiveWebhookResponseObject, error) {
	v, err := readUnion(*r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values, s.errs = append(s.values, v), append(s.errs, err)
	return nil, err
}

// readUnion reads a delivery through both discriminators of the generated union, productName then event, to
// the typed envelope of a known kind; the JSON of the union for another kind. Delivery.Webhook must read the
// same type.
func readUnion(d api.Delivery) (any, error) {
	w, err := d.Webhook()
	if err != nil {
		return nil, err
	}
	if _, untyped := w.(*api.Envelope); untyped {
		raw, err := d.MarshalJSON()
		return json.RawMessage(raw), err
	}
	product, err := d.ValueByDiscriminator()
	if err != nil {
		return nil, err
	}
	byEvent, ok := product.(interface{ ValueByDiscriminator() (any, error) })
	if !ok {
		return nil, fmt.Errorf("the union of product %T has no discriminator", product)
	}
	v, err := byEvent.ValueByDiscriminator()
	if err != nil {
		return nil, err
	}
	if got, want := reflect.TypeOf(v), reflect.TypeOf(w).Elem(); got != want {
		return nil, fmt.Errorf("the union's discriminators read %v, Delivery.Webhook %v", got, want)
	}
	return v, nil
}

// checkStrictServer posts body to a receiver made by smshook.NewStrictHandler (default profile): a delivery that
// the profile accepts, of a known event or not, reaches the generated interface, which must read from it the
// value the validator bound, d.
func checkStrictServer(t *testing.T, body []byte, verdict string, d api.Webhook) {
	app := &strictServer{}
	h, err := smshook.NewStrictHandler(app, smshook.WithSecrets(secret), smshook.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	w := smshooktest.Post(t, h, body, secret) // as NHN Cloud posts: its Content-Type, the secret verbatim

	if verdict != valid || d == nil || isVerification(body) || otherProduct(d) {
		// Another product's delivery is not handed to the generated union, which would read it as SMS.
		assert.Empty(t, app.values, "the strict server interface was called")
		return
	}
	require.Len(t, app.values, 1, "one call per delivery; answered %d %s", w.Code, w.Body)
	require.NoError(t, app.errs[0], "the generated union cannot read the envelope the validator accepted")
	assert.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
	if _, untyped := d.(*api.Envelope); !untyped {
		assert.Equal(t, reflect.TypeOf(d).Elem().String(), reflect.TypeOf(app.values[0]).String(), "the generated union reads another event")
	}
	assert.JSONEq(t, marshal(t, d), marshal(t, app.values[0]), "the strict server interface reads another value than the validator bound")
}

// otherProduct reports whether d is the untyped envelope of a delivery whose event has a name of the contract:
// a product the contract does not know, or an event its product does not send.
func otherProduct(d api.Webhook) bool {
	_, untyped := d.(*api.Envelope)
	return untyped && d.Head().Event.Valid()
}

// headerCase is an element of testdata/headers.json: the secret headers of a delivery and the answer.
type headerCase struct {
	Name          string              `json:"name"`
	Headers       map[string][]string `json:"headers"`
	AllowNoSecret bool                `json:"allowNoSecret"`
	Status        int                 `json:"status"`
	Type          string              `json:"type"`
	Note          string              `json:"note"`
}

// TestSecretHeaders posts a delivery of each product with the headers of each case of headers.json ("$secret"
// is the configured secret) to the receiver and to the strict-server adapter: the products send the same header.
// The SMS and Email deliveries are the vendor's UNSUBSCRIBE examples; KakaoTalk Bizmessage's, whose page prints
// no valid example, its result-update example with values for the type names (vendor-doc/).
func TestSecretHeaders(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "headers.json"))
	require.NoError(t, err)
	var all []headerCase
	require.NoError(t, json.Unmarshal(raw, &all))
	require.NotEmpty(t, all)
	kakaoTalk, err := os.ReadFile(filepath.Join(corpusDir, "vendor-doc", "kakaotalk-message-result-update-values.json"))
	require.NoError(t, err)
	bodies := map[string][]byte{
		"SMS":                  fixtures.Read("unsubscribe.json"),
		"Email":                fixtures.Read("email-unsubscribe.json"),
		"KakaoTalk Bizmessage": kakaoTalk,
	}
	for _, c := range all {
		for product, body := range bodies {
			t.Run(c.Name+"/"+product, func(t *testing.T) {
				checkSecretHeaders(t, c, body)
			})
		}
	}
}

// checkSecretHeaders posts body with the headers of c to the receiver and to the strict-server adapter.
func checkSecretHeaders(t *testing.T, c headerCase, body []byte) {
	require.NotEmpty(t, c.Note)
	opts := []smshook.Option{smshook.WithSecrets(secret), smshook.WithLogger(slog.New(slog.DiscardHandler))}
	if c.AllowNoSecret {
		opts = append(opts, smshook.AllowNoSecret())
	}
	rec := &recorder{}
	h, err := smshook.NewHandler(smshook.Handler{Default: rec.record}, opts...)
	require.NoError(t, err)
	strict, err := smshook.NewStrictHandler(&strictServer{}, opts...)
	require.NoError(t, err)
	for name, h := range map[string]http.Handler{"receiver": h, "strict-server": strict} {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		for k, vs := range c.Headers {
			for _, v := range vs {
				req.Header.Add(k, strings.ReplaceAll(v, "$secret", secret))
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		require.Equal(t, c.Status, w.Code, "%s: %s", name, w.Body)
		if c.Type != "" {
			var p api.Problem
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
			require.Equal(t, "urn:smshook:problem:"+c.Type, p.Type, name)
		}
	}
	require.Equal(t, c.Status == http.StatusOK, len(rec.webhooks) == 1, "dispatched exactly when accepted")
}

// cliReport is an element of `smshook validate --format json`.
type cliReport struct {
	File    string               `json:"file"`
	Valid   bool                 `json:"valid"`
	Event   string               `json:"event"`
	Hooks   int                  `json:"hooks"`
	Errors  []validate.Violation `json:"errors"`
	Drift   []validate.Violation `json:"drift"`
	Dropped []int                `json:"dropped"`
}

// TestCLI validates the whole corpus in one run of `smshook validate --format json` per profile.
func TestCLI(t *testing.T) {
	require.NotEmpty(t, cliBinary, "TestMain built no smshook command")
	all := cases(t)
	for _, profile := range []string{"strict", "compatible"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			args := []string{"validate", "--format", "json"}
			if profile == "compatible" {
				args = append(args, "--compat")
			}
			// The command reads files: the vendor's examples are written out of package fixtures for it.
			vendor := filepath.Join(t.TempDir(), vendorDir)
			require.NoError(t, os.CopyFS(vendor, fixtures.Vendor))
			dirOf := map[string]string{} // the path given to the command → the directory of cases.json
			for _, dir := range corpusDirs {
				p := path.Join(corpusDir, dir)
				if dir == vendorDir {
					p = filepath.ToSlash(vendor)
				}
				dirOf[p] = dir
				args = append(args, p)
			}
			cmd := exec.Command(cliBinary, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}

			var reports []cliReport
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &reports), "stderr: %s", stderr.String())
			byFile := map[string]cliReport{}
			for _, r := range reports {
				file := filepath.ToSlash(r.File)
				for p, dir := range dirOf {
					if rest, ok := strings.CutPrefix(file, p+"/"); ok {
						file = dir + "/" + rest
					}
				}
				_, dup := byFile[file]
				assert.False(t, dup, "%s reported twice", file)
				byFile[file] = r
			}
			assert.Len(t, reports, len(all))

			wantCode := 0
			for _, c := range all {
				verdict := c.Strict
				if profile == "compatible" {
					verdict = c.Compatible
				}
				if verdict != valid {
					wantCode = 1
				}
				r, ok := byFile[c.File]
				if !assert.True(t, ok, "%s: not reported", c.File) {
					continue
				}
				if !assert.Equal(t, verdict == valid, r.Valid, "%s: smshook validate --%s: %v", c.File, profile, r.Errors) {
					continue
				}
				if verdict == valid {
					assert.Empty(t, r.Errors, c.File)
					if profile == "compatible" {
						assert.Equal(t, c.Drift, pointers(r.Drift), "%s: drift", c.File)
					}
				} else if profile == "strict" {
					assert.Equal(t, c.Pointers, pointers(r.Errors), "%s: pointers", c.File)
					assert.Empty(t, r.Dropped, "%s: strict drops no hook", c.File)
				} else {
					assert.Equal(t, c.Dropped, r.Dropped, "%s: the hooks the compatible receiver drops", c.File)
					if c.Dropped != nil {
						assert.ElementsMatch(t, c.Pointers, pointers(r.Errors), "%s: the dropped hooks' pointers", c.File)
					}
				}
			}
			assert.Equal(t, wantCode, code, "exit code; stderr: %s", stderr.String())
		})
	}
}

// TestCompleteness fails when a kind of the contract, a (product, event) of api.Kinds, has no valid or invalid
// case, or no drift case where its hooks have an enum, or a value of an enum of its hooks (mailStatusCode, a comment's status…) no valid case.
func TestCompleteness(t *testing.T) {
	spec, err := api.GetSpec()
	require.NoError(t, err)
	// A schema's Go type is its name, or the overlay's x-go-name (SMS's envelopes).
	schemaOf := map[string]string{}
	for name, s := range spec.Components.Schemas {
		goName, ok := s.Value.Extensions["x-go-name"].(string)
		if !ok {
			goName = name
		}
		schemaOf[goName] = name
	}
	envelopes := map[api.Kind]string{}
	for _, kind := range api.Kinds() {
		name := reflect.TypeOf(api.NewWebhook(kind)).Elem().Name()
		require.Contains(t, schemaOf, name, "openapi.yaml has no schema for %v", kind)
		envelopes[kind] = schemaOf[name]
	}
	// enums lists the values of the enums of a kind's hooks by path (comments.status), null left out.
	enums := func(kind api.Kind) map[string][]string {
		out := map[string][]string{}
		var walk func(prefix string, s *openapi3.Schema)
		walk = func(prefix string, s *openapi3.Schema) {
			for _, ref := range s.AllOf {
				walk(prefix, ref.Value)
			}
			if s.Items != nil {
				walk(prefix, s.Items.Value)
			}
			for _, v := range s.Enum {
				if v, ok := v.(string); ok {
					out[prefix] = append(out[prefix], v)
				}
			}
			for name, p := range s.Properties {
				walk(strings.TrimPrefix(prefix+"."+name, "."), p.Value)
			}
		}
		walk("", spec.Components.Schemas[envelopes[kind]].Value.Properties["hooks"].Value)
		return out
	}
	type seen struct{ valid, invalid, drift bool }
	byKind := map[api.Kind]*seen{}
	values := map[api.Kind]map[string]map[string]bool{} // kind → path → value
	for _, c := range cases(t) {
		body := readCase(t, c)
		var env struct {
			Hooks []any `json:"hooks"`
		}
		if c.Strict == malformed || json.Unmarshal(body, &env) != nil {
			continue
		}
		kind := kindOf(body)
		if byKind[kind] == nil {
			byKind[kind], values[kind] = &seen{}, map[string]map[string]bool{}
		}
		switch {
		case c.Strict == valid:
			byKind[kind].valid = true
			collectValues("", env.Hooks, values[kind])
		case len(c.Drift) > 0:
			byKind[kind].drift = true
		default:
			byKind[kind].invalid = true
		}
	}
	for _, kind := range api.Kinds() {
		got := byKind[kind]
		if !assert.NotNil(t, got, "%v has no case", kind) {
			continue
		}
		assert.True(t, got.valid, "%v has no valid case", kind)
		assert.True(t, got.invalid, "%v has no invalid case", kind)
		enumValues := enums(kind)
		if len(enumValues) > 0 { // a value the contract does not know is drift only where there are known ones
			assert.True(t, got.drift, "%v has no drift case", kind)
		}
		for path, vs := range enumValues {
			for _, v := range vs {
				assert.True(t, values[kind][path][v], "%v: %s %s has no valid case", kind, path, v)
			}
		}
	}
	assert.NotEmpty(t, enums(api.Kind{Product: api.ProductNameEmail, Event: api.EventTypeMessageResultUpdate})["mailStatusCode"])
	assert.NotEmpty(t, enums(api.Kind{Product: api.ProductNameKakaoTalkBizmessage, Event: api.EventTypeTemplateStatusUpdate})["comments.status"])
}

// collectValues records the string values of v, a hook list or a part of one, by path (comments.status).
func collectValues(path string, v any, into map[string]map[string]bool) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			collectValues(path, e, into)
		}
	case map[string]any:
		for k, e := range v {
			collectValues(strings.TrimPrefix(path+"."+k, "."), e, into)
		}
	case string:
		if into[path] == nil {
			into[path] = map[string]bool{}
		}
		into[path][v] = true
	}
}

// TestDecodeThenValidate is the reverse of FuzzValidateThenDecode, on the corpus: a body that json.Unmarshal
// reads into its event's type, with none of the lexical questions encoding/json does not ask (case variants of
// names, duplicate keys, integers written 1.0 or 1e2, invalid UTF-8, date-times beyond RFC 3339 that the time
// package reads), is accepted by strict — or cases.json
// expects strict to call it invalid for a rule encoding/json does not check: a required property or hook, a
// known value, a minimum length or number of items. validator/v10 checks exactly those from the contract's
// tags, so it must reject the decoded value too, unless a required integer is absent or null (Go reads 0) or the
// body's product does not send its event (a rule on the pair, which validate checks as it routes the body).
func TestDecodeThenValidate(t *testing.T) {
	checked := 0
	for _, c := range cases(t) {
		body := readCase(t, c)
		if !utf8.Valid(body) || hasDuplicateKeys(body) || hasCaseVariantKey(body) || hasLexicalIntegerIssue(body) ||
			hasLenientDateTime(body) {
			continue
		}
		value := envelopeFor(body)
		if json.Unmarshal(body, value) != nil {
			continue
		}
		checked++
		_, _, err := validate.Body(body, validate.Strict)
		if err == nil {
			continue
		}
		if !assert.Equal(t, invalid, c.Strict, "%s: encoding/json reads it, strict rejects it (%v), cases.json expects %s", c.File, err, c.Strict) {
			continue
		}
		if !hasMissingRequiredInteger(body) && !hasForeignEvent(body) {
			assert.Error(t, structcheck.Validate(value),
				"%s: strict rejects it (%v) for a reason neither encoding/json nor validator/v10 sees", c.File, err)
		}
	}
	assert.Positive(t, checked)
	t.Logf("%d bodies read by encoding/json without a lexical question", checked)
}

// FuzzValidateThenDecode: whatever strict accepts, json.Unmarshal reads into the same concrete type with the same
// values, and validator/v10 accepts. Seeded from every corpus file.
func FuzzValidateThenDecode(f *testing.F) {
	for _, c := range cases(f) {
		f.Add(readCase(f, c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, _, err := validate.Body(body, validate.Strict)
		if err != nil {
			return
		}
		require.True(t, d.Head().Event.Valid())
		require.NoError(t, structcheck.Validate(d), "validator/v10 rejects the value strict accepted")
		if hasCaseVariantKey(body) {
			// encoding/json binds a case variant of a name (HOOKID) to the property; strict treats it as an unknown
			// property. Their values may then differ by construction.
			return
		}
		typ := reflect.TypeOf(d)
		require.Equal(t, reflect.Pointer, typ.Kind())
		want := reflect.New(typ.Elem()).Interface()
		if err := json.Unmarshal(body, want); err != nil {
			require.True(t, escapedTimeRefused(err, body), "encoding/json refuses what strict accepts: %v", err)
			want = reflect.New(typ.Elem()).Interface()
			require.NoError(t, json.Unmarshal(resolveEscapes(t, body), want))
		}
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		gotJSON, err := json.Marshal(d)
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), string(gotJSON))
	})
}
