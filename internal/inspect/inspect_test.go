package inspect

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

const testSecret = "s3cret-for-the-inspector"

// phone and email are payload values that the page must not show before they are revealed.
const (
	phone = "01012341234"
	email = "receiver@nhncloud.com"
)

func TestMask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"Korean mobile", `"recipientNo":"01012341234"`, `"recipientNo":"[phone]"`},
		{"international with dashes", "call +82-10-1234-5678 now", "call [phone] now"},
		{"with spaces", "+82 10 1234 5678", "[phone]"},
		{"with parentheses", "(02) 1234-5678", "([phone]"},
		{"a JSON number", `"no":1012341234}`, `"no":[phone]}`},
		{"e-mail", `"receiveMailAddr":"help@toast.com"`, `"receiveMailAddr":"[e-mail]"`},
		{"e-mail with subdomain and plus", "a.b+c@mail.example.co.kr", "[e-mail]"},
		{"hookId stays", "20240429205809GcSUXthVA00", "20240429205809GcSUXthVA00"},
		{"timestamp stays", "2020-09-09T11:25:10.000+09:00", "2020-09-09T11:25:10.000+09:00"},
		{"date and time stay", "2023-06-01 10:00:00", "2023-06-01 10:00:00"},
		{"short numbers stay", `"recipientSeq":1,"resultCode":"1000","countryCode":"82"`, `"recipientSeq":1,"resultCode":"1000","countryCode":"82"`},
		{"hex key stays", "8a1b2c3d4e5f60718293a4b5c6d7e8f901234567", "8a1b2c3d4e5f60718293a4b5c6d7e8f901234567"},
		{"several", "01012341234, 010-9876-5432 and x@y.io", "[phone], [phone] and [e-mail]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, mask(tc.in))
		})
	}
}

func TestMaskEverySample(t *testing.T) {
	t.Parallel()
	for _, name := range sampleKinds() {
		body, ok := sampleBody(name)
		require.True(t, ok, name)
		masked := mask(string(body))
		for _, value := range []string{phone, "08012341234", "15446859", "help@toast.com", email, "sender@nhncloud.com"} {
			assert.NotContains(t, masked, value, name)
		}
	}
}

func TestShowHeadersRedactsSecrets(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"X-Toast-Webhook-Signature": {testSecret}, "X-Nhn-Webhook-Signature": {testSecret}, "X-Secret-Key": {testSecret},
		"Authorization": {"Bearer " + testSecret}, "Cookie": {"session=" + testSecret}, "X-Api-Key": {testSecret},
		"X-Auth-Token": {testSecret}, "X-Empty-Signature": {""}, "Content-Type": {"application/json"},
		"X-Forwarded-For": {"mail " + email},
	}
	for _, reveal := range []bool{false, true} {
		shown := showHeaders(h, reveal)
		require.Len(t, shown, len(h))
		for _, line := range shown {
			assert.NotContains(t, line.Value, testSecret, "%s (reveal %v)", line.Name, reveal)
			switch line.Name {
			case "Content-Type":
				assert.Equal(t, "application/json", line.Value)
				assert.False(t, line.Redacted)
			case "X-Forwarded-For":
				assert.Equal(t, !reveal, !strings.Contains(line.Value, email), "an e-mail address in a header is masked until revealed")
			case "X-Empty-Signature":
				assert.Equal(t, "(empty)", line.Value)
			default:
				assert.True(t, line.Redacted, line.Name)
			}
		}
	}
}

func TestRingKeepsTheNewest(t *testing.T) {
	t.Parallel()
	r := newRing(3)
	assert.Empty(t, r.list())
	for seq := uint64(1); seq <= 5; seq++ {
		r.add(&entry{Seq: seq})
	}
	var seqs []uint64
	for _, e := range r.list() {
		seqs = append(seqs, e.Seq)
	}
	assert.Equal(t, []uint64{5, 4, 3}, seqs)
	assert.Nil(t, r.get(2), "an entry past the capacity is forgotten")
	assert.Equal(t, uint64(3), r.get(3).Seq)
	var after []uint64
	for _, e := range r.after(3) {
		after = append(after, e.Seq)
	}
	assert.Equal(t, []uint64{4, 5}, after)
}

// fixture is an inspector recording a real receiver, whose application counts what it is handed.
type fixture struct {
	in   *Inspector
	rec  *smshooktest.Recorder
	recv http.Handler
	page *httptest.Server
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{rec: &smshooktest.Recorder{}}
	h, err := smshook.NewHandler(f.rec.Handler(), smshook.WithSecrets(testSecret), smshook.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	opts.Secret = testSecret
	f.in = New(opts)
	t.Cleanup(f.in.Close)
	f.recv = f.in.Wrap(h)
	f.page = httptest.NewServer(f.in.Handler())
	t.Cleanup(f.page.Close)
	return f
}

// post serves a request to the recorded receiver and waits until the inspector holds it.
func (f *fixture) post(t *testing.T, body []byte, secret string) *entry {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(smshook.SignatureHeader, secret)
	}
	before := f.in.seq.Load()
	f.recv.ServeHTTP(httptest.NewRecorder(), req)
	var e *entry
	require.Eventually(t, func() bool { e = f.in.ring.get(before + 1); return e != nil }, 5*time.Second, 5*time.Millisecond)
	return e
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestRecordsWhatTheReceiverAnswered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})

	ok := f.post(t, marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), testSecret)
	assert.Equal(t, http.StatusOK, ok.status)
	assert.True(t, ok.Typed)
	assert.Equal(t, "SMS", ok.Product)
	require.Len(t, ok.HookRows, 1)
	assert.Equal(t, api.OutcomeDelivered, ok.HookRows[0].Outcome)

	missing := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	missing.Hooks[0].HookID = ""
	var doc map[string]any
	require.NoError(t, json.Unmarshal(marshal(t, missing), &doc))
	delete(doc["hooks"].([]any)[0].(map[string]any), "hookId")
	refused := f.post(t, marshal(t, doc), testSecret)
	assert.Equal(t, http.StatusBadRequest, refused.status)
	require.NotNil(t, refused.Problem)
	require.NotEmpty(t, refused.Problem.Errors)
	assert.Equal(t, "/hooks/0/hookId", refused.Problem.Errors[0].Pointer)
	assert.Empty(t, refused.HookRows, "a refused delivery's hooks were not processed")

	without := f.post(t, marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), "")
	assert.Equal(t, http.StatusUnauthorized, without.status)
	assert.Contains(t, string(without.body), `"recipientNo"`, "the body the receiver never read is kept")

	verification := f.post(t, []byte(`{"appKey":"String"}`), testSecret)
	assert.Equal(t, http.StatusOK, verification.status)
	assert.Contains(t, strings.Join(verification.Notes, " "), "verification")

	malformed := f.post(t, []byte(`{"appKey":`), testSecret)
	assert.Equal(t, http.StatusBadRequest, malformed.status)
	require.NotNil(t, malformed.Problem)
	assert.Contains(t, malformed.Problem.Type, "malformed-body")

	// A partial batch: the second hook breaks the contract and is quarantined, the first is processed.
	batch := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	batch.Hooks = append(batch.Hooks, batch.Hooks[0])
	batch.Hooks[1].HookID = batch.Hooks[0].HookID + "b"
	require.NoError(t, json.Unmarshal(marshal(t, batch), &doc))
	doc["hooks"].([]any)[1].(map[string]any)["recipientSeq"] = "one"
	partial := f.post(t, marshal(t, doc), testSecret)
	assert.Equal(t, http.StatusOK, partial.status)
	require.Len(t, partial.HookRows, 2)
	assert.Equal(t, api.OutcomeDelivered, partial.HookRows[0].Outcome)
	assert.True(t, partial.HookRows[1].Quarantined)
	require.NotEmpty(t, partial.HookRows[1].Violations)
	assert.Equal(t, "/hooks/1/recipientSeq", partial.HookRows[1].Violations[0].Pointer)
	assert.Equal(t, []count{{"delivered", 1}, {"quarantined", 1}}, partial.outcomeCounts())

	assert.Len(t, f.rec.Webhooks(), 2, "the inspector hands nothing to the application itself")
}

func TestListRendersWithoutJavaScriptAndMasks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	e := f.post(t, marshal(t, smshooktest.Sample[*api.EmailMessageResultUpdateEnvelope]()), testSecret)
	f.post(t, marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), testSecret)

	list := get(t, f.page.URL+"/", nil)
	assert.Equal(t, http.StatusOK, list.status)
	assert.Contains(t, list.body, `id="r2"`)
	assert.Contains(t, list.body, "MESSAGE_RESULT_UPDATE")
	assert.Contains(t, list.body, `aria-live="polite"`)

	detail := get(t, f.page.URL+"/requests/1", nil)
	assert.Equal(t, http.StatusOK, detail.status)
	assert.Contains(t, detail.body, maskedEmail)
	assert.Contains(t, detail.body, "[redacted]")
	for _, page := range []string{list.body, detail.body} {
		assert.NotContains(t, page, email)
		assert.NotContains(t, page, phone)
		assert.NotContains(t, page, testSecret)
	}

	revealed := postForm(t, f.page.URL+"/requests/1/reveal", nil, nil)
	assert.Equal(t, http.StatusOK, revealed.status)
	assert.Contains(t, revealed.body, email)
	assert.NotContains(t, revealed.body, testSecret, "revealing never shows a secret header")
	byGet := get(t, f.page.URL+"/requests/1/reveal", nil)
	assert.NotEqual(t, http.StatusOK, byGet.status, "only a POST reveals")
	assert.NotContains(t, byGet.body, email)
	assert.Equal(t, e.Seq, uint64(1))

	missing := get(t, f.page.URL+"/requests/99", nil)
	assert.Equal(t, http.StatusNotFound, missing.status)
	assert.Equal(t, "application/problem+json", missing.header.Get("Content-Type"))
}

func TestReplayAndSampleReachTheApplication(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.post(t, marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), testSecret)
	require.Len(t, f.rec.Webhooks(), 1)

	r := postForm(t, f.page.URL+"/requests/1/replay", url.Values{"as": {"redelivery"}}, nil)
	assert.Equal(t, http.StatusSeeOther, r.status)
	assert.Len(t, f.rec.Webhooks(), 1, "a redelivery is deduplicated by the receiver")
	r = postForm(t, f.page.URL+"/requests/1/replay", url.Values{"as": {"new"}}, nil)
	assert.Equal(t, http.StatusSeeOther, r.status)
	assert.Len(t, f.rec.Webhooks(), 2, "a replay with new hookIds reaches the application")
	r = postForm(t, f.page.URL+"/samples", url.Values{"kind": {"Email UNSUBSCRIBE"}}, nil)
	assert.Equal(t, http.StatusSeeOther, r.status)
	assert.Len(t, f.rec.Webhooks(), 3, "a sample reaches the application")
	assert.Equal(t, "Email", f.rec.Webhooks()[2].Head().ProductName)
	require.Eventually(t, func() bool { return len(f.in.ring.list()) == 4 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, "sample", f.in.ring.list()[0].origin)
	assert.Equal(t, "replay of #1", f.in.ring.list()[1].origin)

	bad := postForm(t, f.page.URL+"/samples", url.Values{"kind": {"SMS NO_SUCH_EVENT"}}, nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
	cross := postForm(t, f.page.URL+"/samples", url.Values{"kind": {"Email UNSUBSCRIBE"}},
		http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://elsewhere.example"}})
	assert.Equal(t, http.StatusForbidden, cross.status, "another site cannot make the page post")
	assert.Len(t, f.rec.Webhooks(), 3)
}

func TestEventStreamSendsNewRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.post(t, marshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()), testSecret)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.page.URL+"/events?after=0", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := readEvents(resp.Body)

	first := <-events
	assert.Equal(t, "1", first.id, "the rows after ?after= are sent first")
	require.Eventually(t, func() bool { return f.in.events.count() == 1 }, 5*time.Second, 5*time.Millisecond)
	f.post(t, marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), "wrong-secret")
	second := <-events
	assert.Equal(t, "2", second.id)
	assert.Equal(t, "request", second.name)
	assert.Contains(t, second.data, `<tr id="r2"`)
	assert.Contains(t, second.data, "401")
	assert.NotContains(t, second.data, "\n")
	assert.NotContains(t, first.data+second.data, phone)
}

func TestSlowStreamIsDroppedNotWaitedFor(t *testing.T) {
	t.Parallel()
	b := newBroker()
	slow, err := b.subscribe()
	require.NoError(t, err)
	for i := range clientBuffer + 1 {
		b.publish(sseEvent{id: uint64(i)}) // never blocks, whatever the client does
	}
	n := 0
	for range slow {
		n++
	}
	assert.Equal(t, clientBuffer, n, "a client that fell behind gets what fitted, then its stream ends")
	assert.Zero(t, b.count())
}

type event struct{ id, name, data string }

func readEvents(r io.Reader) <-chan event {
	out := make(chan event, 16)
	go func() {
		defer close(out)
		s := bufio.NewScanner(r)
		s.Buffer(nil, 1<<20)
		var e event
		for s.Scan() {
			line := s.Text()
			switch {
			case line == "":
				if e.name != "" {
					out <- e
				}
				e = event{}
			case strings.HasPrefix(line, "id: "):
				e.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

func TestTokenIsAskedOfEveryPage(t *testing.T) {
	t.Parallel()
	const token = "a-token-of-the-inspector"
	f := newFixture(t, Options{Token: token})
	f.post(t, marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), testSecret)

	for _, path := range []string{"/", "/requests/1", "/events"} {
		r := get(t, f.page.URL+path, nil)
		assert.Equal(t, http.StatusUnauthorized, r.status, path)
		assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"), path)
	}
	assert.Equal(t, http.StatusUnauthorized, postForm(t, f.page.URL+"/requests/1/reveal", nil, nil).status)
	assert.Equal(t, http.StatusUnauthorized, postForm(t, f.page.URL+"/samples", url.Values{"kind": {"SMS UNSUBSCRIBE"}}, nil).status)
	html := get(t, f.page.URL+"/", http.Header{"Accept": {"text/html"}})
	assert.Equal(t, http.StatusUnauthorized, html.status)
	assert.Contains(t, html.body, `action="/signin"`, "a browser is shown the sign-in form")
	assert.Equal(t, http.StatusUnauthorized, get(t, f.page.URL+"/", http.Header{"Authorization": {"Bearer wrong-token-wrong-token"}}).status)
	assert.Equal(t, http.StatusOK, get(t, f.page.URL+"/", http.Header{"Authorization": {"Bearer " + token}}).status)
	assert.Equal(t, http.StatusOK, get(t, f.page.URL+"/assets/style.css", nil).status, "the sign-in form's assets need no token")

	wrong := postForm(t, f.page.URL+"/signin", url.Values{"token": {"not-it"}}, nil)
	assert.Equal(t, http.StatusUnauthorized, wrong.status)
	signin := postForm(t, f.page.URL+"/signin", url.Values{"token": {token}}, nil)
	require.Equal(t, http.StatusSeeOther, signin.status)
	cookie := signin.header.Get("Set-Cookie")
	assert.Contains(t, cookie, "HttpOnly")
	assert.Contains(t, cookie, "SameSite=Strict")
	assert.NotContains(t, cookie, token, "the cookie holds a digest, not the token")
	name, value, _ := strings.Cut(strings.Split(cookie, ";")[0], "=")
	withCookie := http.Header{"Cookie": {name + "=" + value}}
	assert.Equal(t, http.StatusOK, get(t, f.page.URL+"/requests/1", withCookie).status)
	assert.Equal(t, http.StatusOK, postForm(t, f.page.URL+"/requests/1/reveal", nil, withCookie).status)
}

func TestWithoutTokenOnlyLoopbackHostsAreAnswered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for host, want := range map[string]int{
		"": http.StatusOK, "localhost": http.StatusOK, "[::1]:8081": http.StatusOK, "127.0.0.2:1": http.StatusOK,
		"rebound.example.com": http.StatusMisdirectedRequest, "192.168.0.10:8081": http.StatusMisdirectedRequest,
	} {
		h := http.Header{}
		if host != "" {
			h.Set("Host", host)
		}
		assert.Equal(t, want, get(t, f.page.URL+"/", h).status, host)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	r := get(t, f.page.URL+"/", nil)
	assert.Contains(t, r.header.Get("Content-Security-Policy"), "script-src 'self'")
	assert.Contains(t, r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
}

type answer struct {
	status int
	header http.Header
	body   string
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, req *http.Request, h http.Header) answer {
	t.Helper()
	for name, values := range h {
		if name == "Host" {
			req.Host = values[0]
			continue
		}
		req.Header[name] = values
	}
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func get(t *testing.T, u string, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	if strings.HasSuffix(u, "/events") {
		// An event stream that is let in never ends: only its refusal is read.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		req = req.WithContext(ctx)
	}
	return do(t, req, h)
}

func postForm(t *testing.T, u string, form url.Values, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req, h)
}

func TestLongBodiesAreCutAndNotReplayed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	long := []byte(`{"appKey":"` + strings.Repeat("a", 2*MaxBody) + `"}`)
	e := f.post(t, long, testSecret)
	assert.Len(t, e.body, MaxBody, "the inspector keeps MaxBody bytes")
	assert.Equal(t, int64(len(long)), e.bodySize)
	assert.Contains(t, strings.Join(e.Notes, " "), "cannot be replayed")
	r := postForm(t, f.page.URL+"/requests/1/replay", url.Values{"as": {"redelivery"}}, nil)
	assert.Equal(t, http.StatusConflict, r.status)
}

func TestGaugesAreShown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{Gauges: func(context.Context) ([]Gauge, error) {
		return []Gauge{{"pending", 3}, {"retrying", 1}, {"dead", 0}}, nil
	}})
	page := get(t, f.page.URL+"/", nil).body
	assert.Contains(t, page, "<dt>pending</dt><dd>3</dd>")
	assert.Contains(t, page, "<dt>dead</dt><dd>0</dd>")
}

func TestLongHeadersAreCut(t *testing.T) {
	t.Parallel()
	h, cut := boundedHeader(http.Header{"X-Big": {strings.Repeat("b", 2*maxHeader)}, "Content-Type": {"application/json"}})
	assert.True(t, cut)
	assert.Equal(t, []string{"application/json"}, h["Content-Type"])
	assert.Empty(t, h["X-Big"])
	_, cut = boundedHeader(http.Header{"Content-Type": {"application/json"}})
	assert.False(t, cut)
}
