package smshook_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/smshooktest"
	"github.com/smshook/smshook/validate"
)

// mru is the vendor's message-result example (comma fixed) with one field replaced by raw JSON, or removed
// when raw is "".
func mru(tb testing.TB, field, raw string) []byte {
	tb.Helper()
	return replaceField(tb, fixtures.Read("message-result-update.json"), field, raw)
}

func replaceField(tb testing.TB, body []byte, field, raw string) []byte {
	tb.Helper()
	lines := bytes.Split(body, []byte("\n"))
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte(`"`+field+`":`)) {
			if raw == "" {
				lines = append(lines[:i], lines[i+1:]...)
			} else {
				comma := ""
				if bytes.HasSuffix(l, []byte(",")) {
					comma = ","
				}
				lines[i] = []byte(`"` + field + `": ` + raw + comma)
			}
			return bytes.Join(lines, []byte("\n"))
		}
	}
	tb.Fatalf("no field %s", field)
	return nil
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// TestBadInputs is the table of hostile and broken requests, each with its fixed status.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	unsub := fixtures.Read("unsubscribe.json")
	withUnknown := func(raw string) []byte {
		return bytes.Replace(unsub, []byte(`"hooks": [`), []byte(`"extra": `+raw+`, "hooks": [`), 1)
	}
	const limit = 4096
	padded := func(n int) []byte { // a valid body padded with white space to n bytes
		return append(bytes.TrimRight(unsub, "\n"), bytes.Repeat([]byte(" "), n-len(bytes.TrimRight(unsub, "\n")))...)
	}
	type tc struct {
		name   string
		body   []byte
		edit   func(*http.Request)
		status int
	}
	// Cases that need a larger body limit than the table's, and the one handed over untyped.
	bigger := map[string]bool{"nesting 9000 deep in an unknown property": true, "nesting 10001 deep": true, "nesting 100000 deep": true}
	unknownEvent := "event lower case (compatible: unknown)"
	tests := []tc{
		{"valid", unsub, nil, 200},
		{"duplicate key", []byte(`{"hooksId":"a","hooksId":"b","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":[{"hookId":"h","recipientNo":"010"}]}`), nil, 400},
		{"duplicate key in a hook", bytes.Replace(unsub, []byte(`"hookId": "202007271010101010sadasdavas",`), []byte(`"hookId": "a", "hookId": "b",`), 1), nil, 400},
		{"trailing data", append(append([]byte{}, unsub...), []byte("x")...), nil, 400},
		{"two documents", append(append([]byte{}, unsub...), unsub...), nil, 400},
		{"trailing white space", append(append([]byte{}, unsub...), []byte(" \n\t\r\n")...), nil, 200},
		{"invalid UTF-8 in a value", bytes.Replace(unsub, []byte("NHN Cloud"), []byte("NHN \xff Cloud"), 1), nil, 400},
		{"invalid UTF-8 in a key", withUnknown(`{"\xc3\x28": 1}`), nil, 400},
		{"overlong UTF-8", bytes.Replace(unsub, []byte("NHN Cloud"), []byte("\xc0\xafNHN"), 1), nil, 400},
		{"UTF-8 BOM", append([]byte("\xef\xbb\xbf"), unsub...), nil, 400},
		{`\u0000 in a string`, bytes.Replace(unsub, []byte("NHN Cloud"), []byte(`NHN\u0000Cloud`), 1), nil, 200},
		{"raw control character in a string", bytes.Replace(unsub, []byte("NHN Cloud"), []byte("NHN\x01Cloud"), 1), nil, 400},
		{"lone surrogate escape", bytes.Replace(unsub, []byte("NHN Cloud"), []byte(`\ud800`), 1), nil, 200},
		{"Korean text", bytes.Replace(unsub, []byte("NHN Cloud"), []byte("엔에이치엔 클라우드"), 1), nil, 200},
		{"invalid escape", bytes.Replace(unsub, []byte("NHN Cloud"), []byte(`\x41`), 1), nil, 400},
		{"recipientSeq 1", mru(t, "recipientSeq", "1"), nil, 200},
		{"recipientSeq 1.0", mru(t, "recipientSeq", "1.0"), nil, 400},
		{"recipientSeq 1e2", mru(t, "recipientSeq", "1e2"), nil, 400},
		{"recipientSeq 1e400", mru(t, "recipientSeq", "1e400"), nil, 400},
		{"recipientSeq 1.5", mru(t, "recipientSeq", "1.5"), nil, 400},
		{`recipientSeq "1"`, mru(t, "recipientSeq", `"1"`), nil, 400},
		{"recipientSeq -0", mru(t, "recipientSeq", "-0"), nil, 200},
		{"recipientSeq 2^63", mru(t, "recipientSeq", "9223372036854775808"), nil, 400},
		{"recipientSeq 01", mru(t, "recipientSeq", "01"), nil, 400},
		{"recipientSeq +1", mru(t, "recipientSeq", "+1"), nil, 400},
		{"recipientSeq NaN", mru(t, "recipientSeq", "NaN"), nil, 400},
		{"recipientSeq null", mru(t, "recipientSeq", "null"), nil, 400},
		{"recipientSeq absent", mru(t, "recipientSeq", ""), nil, 400},
		{"messageCount null", mru(t, "messageCount", "null"), nil, 200},
		{"messageCount 1.0", mru(t, "messageCount", "1.0"), nil, 400},
		{"messageStatus unknown (compatible)", mru(t, "messageStatus", `"NEW"`), nil, 200},
		{"messageStatus number", mru(t, "messageStatus", `5`), nil, 400},
		{"requestDate with offset", mru(t, "requestDate", `"2024-04-29T20:58:02+09:00"`), nil, 400},
		{"requestDate impossible day", mru(t, "requestDate", `"2024-02-30T20:58:02"`), nil, 400},
		{"requestDate with a fraction", mru(t, "requestDate", `"2024-04-29T20:58:02.5"`), nil, 400},
		{"createdDateTime second 60", bytes.Replace(unsub, []byte("11:25:10.000"), []byte("11:25:60.000"), 1), nil, 400},
		{"createdDateTime without offset", bytes.Replace(unsub, []byte("11:25:10.000+09:00"), []byte("11:25:10"), 1), nil, 400},
		{"createdDateTime Z", bytes.Replace(unsub, []byte("11:25:10.000+09:00"), []byte("11:25:10Z"), 1), nil, 200},
		{"nesting 9000 deep in an unknown property", withUnknown(nested(9000)), nil, 200},
		{"nesting 10001 deep", withUnknown(nested(10001)), nil, 400},
		{"nesting 100000 deep", []byte(nested(100000)), nil, 400},
		{"empty body", []byte{}, nil, 400},
		{"white space only", []byte(" \n"), nil, 400},
		{"null body", []byte("null"), nil, 400},
		{"array body", []byte("[" + string(unsub) + "]"), nil, 400},
		{"string body", []byte(`"UNSUBSCRIBE"`), nil, 400},
		{"hooks null", bytes.Replace(unsub, []byte(`"hooks": [`), []byte(`"hooks": null, "x": [`), 1), nil, 400},
		{"hooks empty", []byte(`{"hooksId":"a","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":[]}`), nil, 400},
		{"hooks an object", []byte(`{"hooksId":"a","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":{}}`), nil, 400},
		{"hook a string", []byte(`{"hooksId":"a","webhookConfigId":"c","productName":"SMS","appKey":"k","event":"UNSUBSCRIBE","hooks":["x"]}`), nil, 400},
		{"event absent", bytes.Replace(unsub, []byte(`"event": "UNSUBSCRIBE",`), nil, 1), nil, 400},
		{"event empty", bytes.Replace(unsub, []byte(`"event": "UNSUBSCRIBE"`), []byte(`"event": ""`), 1), nil, 400},
		{"event lower case (compatible: unknown)", bytes.Replace(unsub, []byte(`"UNSUBSCRIBE"`), []byte(`"unsubscribe"`), 1), nil, 200},
		{"event a number", bytes.Replace(unsub, []byte(`"UNSUBSCRIBE"`), []byte(`1`), 1), nil, 400},
		{"published example with trailing comma", fixtures.Read("message-result-update.published.json"), nil, 400},
		{"truncated JSON", unsub[:len(unsub)/2], nil, 400},
		{"binary garbage", []byte{0x00, 0x01, 0xff, 0xfe, 0x7b}, nil, 400},
		{"wrong content type", unsub, header("Content-Type", "text/plain"), 415},
		{"content type with a bad parameter", unsub, header("Content-Type", "application/json; charset"), 415},
		{"content type application/json-seq", unsub, header("Content-Type", "application/json-seq"), 415},
		{"content type upper case", unsub, header("Content-Type", "APPLICATION/JSON"), 200},
		{"two content types", unsub, addHeader("Content-Type", "text/plain"), 200}, // Go reads the first value
		{"no secret", unsub, delHeader(smshook.SignatureHeader), 401},
		{"empty secret", unsub, header(smshook.SignatureHeader, ""), 401},
		{"duplicated secret", unsub, addHeader(smshook.SignatureHeader, testSecret), 401},
		{"duplicated secret, one wrong", unsub, addHeader(smshook.SignatureHeader, "x"), 401},
		{"secret with a trailing space", unsub, header(smshook.SignatureHeader, testSecret+" "), 401},
		{"secret in another case", unsub, header(smshook.SignatureHeader, strings.ToUpper(testSecret)), 401},
		{"secret header in lower case", unsub, func(r *http.Request) {
			r.Header.Del(smshook.SignatureHeader)
			r.Header["x-toast-webhook-signature"] = []string{testSecret}
		}, 401}, // a client sends it canonicalised; a raw lower-case map key is not the header
		{"GET", nil, func(r *http.Request) { r.Method = http.MethodGet }, 405},
		{"HEAD", nil, func(r *http.Request) { r.Method = http.MethodHead }, 405},
		{"PUT", unsub, func(r *http.Request) { r.Method = http.MethodPut }, 405},
		{"PATCH", unsub, func(r *http.Request) { r.Method = http.MethodPatch }, 405},
		{"DELETE", nil, func(r *http.Request) { r.Method = http.MethodDelete }, 405},
		{"OPTIONS", nil, func(r *http.Request) { r.Method = http.MethodOptions }, 405},
		{"lower-case post", unsub, func(r *http.Request) { r.Method = "post" }, 405},
		{"exactly the limit", padded(limit), nil, 200},
		{"limit + 1 bytes", padded(limit + 1), nil, 413},
		{"limit + 1 bytes, unknown length", padded(limit + 1), unknownLength, 413},
		{"Content-Length over the limit", unsub, func(r *http.Request) { r.ContentLength = limit + 1 }, 413},
	}
	require.GreaterOrEqual(t, len(tests), 60)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec smshooktest.Recorder
			max := int64(limit)
			if bigger[tt.name] {
				max = 1 << 20 // the default limit
			}
			h := newHandler(t, rec.Handler(), smshook.WithMaxBodyBytes(max))
			w := postWith(t, h, tt.body, orNothing(tt.edit))
			require.Equal(t, tt.status, w.Code, w.Body.String())
			if tt.status != http.StatusOK {
				require.Empty(t, rec.Webhooks())
				problemOf(t, w)
				return
			}
			got := rec.Webhooks()
			require.Len(t, got, 1)
			if tt.name == unknownEvent {
				require.IsType(t, &api.Envelope{}, got[0], "an unknown event is handed over untyped")
				return
			}
			_, untyped := got[0].(*api.Envelope)
			require.False(t, untyped, "a known event is handed over typed")
		})
	}
}

// rawExchange writes request to a real server connection, optionally holds it open, and returns the status line.
func rawExchange(tb testing.TB, url, request string, closeWrite bool) string {
	tb.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	require.NoError(tb, err)
	defer conn.Close()
	require.NoError(tb, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = conn.Write([]byte(request))
	require.NoError(tb, err)
	if closeWrite {
		require.NoError(tb, conn.(*net.TCPConn).CloseWrite())
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "" // the server closed the connection without an answer
	}
	return strings.TrimSpace(line)
}

// TestLyingContentLength sends requests whose Content-Length is not the body's length to a real server.
func TestLyingContentLength(t *testing.T) {
	t.Parallel()
	var rec smshooktest.Recorder
	srv := httptest.NewServer(newHandler(t, rec.Handler()))
	t.Cleanup(srv.Close)
	body := string(fixtures.Read("unsubscribe.json"))
	head := func(n int) string {
		return fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\n\r\n",
			smshook.SignatureHeader, testSecret, n)
	}
	// Longer than the body, and the client stops sending: the body ends early, nothing is dispatched.
	status := rawExchange(t, srv.URL, head(len(body)+100)+body, true)
	require.Contains(t, []string{"", "HTTP/1.1 400 Bad Request"}, status)
	// Shorter than the body: the server reads Content-Length bytes, a truncated document.
	require.Equal(t, "HTTP/1.1 400 Bad Request", rawExchange(t, srv.URL, head(len(body)/2)+body, false))
	// Not a number: net/http refuses the request before the handler.
	require.Equal(t, "HTTP/1.1 400 Bad Request", rawExchange(t, srv.URL, strings.Replace(head(10), "Content-Length: 10", "Content-Length: ten", 1)+body, false))
	require.Empty(t, rec.Webhooks())
	// The honest one is dispatched.
	require.Equal(t, "HTTP/1.1 200 OK", rawExchange(t, srv.URL, head(len(body))+body, false))
	require.Len(t, rec.Webhooks(), 1)
}

// FuzzServeHTTP sends arbitrary bodies and headers through the whole handler: it never panics, answers one
// of the documented statuses, and a 200 for a JSON body with the secret means the body validates.
func FuzzServeHTTP(f *testing.F) {
	for _, name := range []string{"unsubscribe.json", "message-result-update.json", "message-result-update.published.json", "conversion-block.json", "international-delivery-receipt.json"} {
		f.Add(fixtures.Read(name), testSecret, "application/json;charset=UTF-8", "POST")
	}
	f.Add([]byte(`{"appKey":"String"}`), testSecret, "application/json", "POST")
	f.Add([]byte(nested(20)), "", "text/plain", "GET")
	h := newHandler(f, smshook.Handler{Default: func(context.Context, api.Webhook) error { return nil }}, smshook.WithMaxBodyBytes(64<<10))
	allowed := map[int]bool{200: true, 400: true, 401: true, 405: true, 413: true, 415: true}
	f.Fuzz(func(t *testing.T, body []byte, secret, contentType, method string) {
		r := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/", bytes.NewReader(body))
		r.Method = method
		r.Header.Set("Content-Type", contentType)
		r.Header.Set(smshook.SignatureHeader, secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.True(t, allowed[w.Code], "status %d", w.Code)
		if w.Code == http.StatusOK && !bytes.Contains(body, []byte(`"String"`)) {
			_, _, err := validate.Body(body, validate.Compatible)
			require.NoError(t, err, "answered 200 to a body that does not validate")
		}
		if w.Code != http.StatusOK {
			require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
		}
	})
}
