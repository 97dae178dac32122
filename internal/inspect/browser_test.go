package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/testenv"
	"github.com/smshook/smshook/smshooktest"
)

// screenshotEnv, set to 1, makes TestInspectorInBrowser write the screenshot docs/inspector.md shows.
// screenshotFile is where: docs/inspector.md shows it (the HTML docs/ gets from make docs is not committed).
const (
	screenshotEnv  = "SMSHOOK_UPDATE_SCREENSHOT"
	screenshotFile = "inspector.png"
)

// chromium returns Debian's headless browser; without it the test fails, unless $SMSHOOK_SKIP names chromium.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	testenv.Missing(t, "chromium", "chromium is not installed (apt-get install chromium)")
	return ""
}

// browser starts a headless Chromium of its own and returns its tab and the errors its pages reported.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)

	var mu sync.Mutex
	var problems []string
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value))
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
				problems = append(problems, fmt.Sprintf("log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	}))
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// TestInspectorInBrowser drives the page in a real headless Chromium while deliveries arrive at a real
// receiver.
func TestInspectorInBrowser(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)

	var mu sync.Mutex
	dispatched := 0
	h, err := smshook.NewHandler(smshook.Handler{Default: func(context.Context, api.Webhook) error {
		mu.Lock()
		defer mu.Unlock()
		dispatched++
		return nil
	}}, smshook.WithSecrets(testSecret), smshook.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	dispatches := func() int {
		mu.Lock()
		defer mu.Unlock()
		return dispatched
	}
	in := New(Options{Secret: testSecret, Capacity: 50})
	recv := httptest.NewServer(in.Wrap(h))
	t.Cleanup(recv.Close)
	page := httptest.NewServer(in.Handler())
	t.Cleanup(page.Close)
	t.Cleanup(in.Close) // first: it ends the page's event stream, which page.Close would wait for
	send := func(body []byte, secret string) int {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, recv.URL+"/", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set(smshook.SignatureHeader, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	pageText := func() string {
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		require.NoError(t, err)
		return text
	}
	noOverflow := func(what string) {
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		require.NoError(t, err)
		assert.True(t, fits, "%s overflows a 360px-wide window", what)
		if !fits {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > window.innerWidth).map(e => e.tagName+'.'+e.className+':'+Math.round(e.getBoundingClientRect().right)+':'+e.textContent.slice(0,60)).join('\n')`))
			t.Log(wide)
		}
	}

	// The page is open before anything arrives; it goes live.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`))))

	// A delivery posted now appears without a reload, within 2 s.
	require.Equal(t, http.StatusOK, send(marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), testSecret))
	within, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = chromedp.Do(within, chromedp.WaitVisible(chromedp.ID("r1")))
	cancel()
	require.NoError(t, err, "the delivery did not appear within 2 s")
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("r1")))
	require.NoError(t, err)
	assert.Contains(t, row, "MESSAGE_RESULT_UPDATE")
	assert.Contains(t, row, "delivered 1")

	// A refused one shows its pointer.
	var doc map[string]any
	require.NoError(t, json.Unmarshal(marshal(t, smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()), &doc))
	delete(doc["hooks"].([]any)[0].(map[string]any), "hookId")
	require.Equal(t, http.StatusBadRequest, send(marshal(t, doc), testSecret))
	pointer, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#r2 .pointer`)))
	require.NoError(t, err)
	assert.Equal(t, "/hooks/0/hookId", pointer)

	// More of what arrives: e-mail addresses, a partial batch, the console's verification, a wrong secret,
	// a body that is not JSON.
	require.Equal(t, http.StatusOK, send(marshal(t, smshooktest.Sample[*api.EmailMessageResultUpdateEnvelope]()), testSecret))
	batch := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	batch.Hooks = append(batch.Hooks, batch.Hooks[0])
	batch.Hooks[1].HookID += "b"
	require.NoError(t, json.Unmarshal(marshal(t, batch), &doc))
	doc["hooks"].([]any)[1].(map[string]any)["recipientSeq"] = "one"
	require.Equal(t, http.StatusOK, send(marshal(t, doc), testSecret))
	require.Equal(t, http.StatusOK, send([]byte(`{"appKey":"String"}`), testSecret))
	require.Equal(t, http.StatusUnauthorized, send(marshal(t, smshooktest.Sample[*api.SMSUnsubscribeEnvelope]()), "not-the-secret"))
	require.Equal(t, http.StatusBadRequest, send([]byte(`{"appKey": "akb3", "hooks": [`), testSecret))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("r7"))))
	quarantined, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("r4")))
	require.NoError(t, err)
	assert.Contains(t, quarantined, "quarantined 1")
	assert.Contains(t, quarantined, "/hooks/1/recipientSeq")
	verification, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("r5")))
	require.NoError(t, err)
	assert.Contains(t, verification, "verification")

	// A delivery with a status the contract does not know yet is accepted, and its row says so and where.
	drifted := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	drifted.HooksID += "d"
	drifted.Hooks[0].HookID += "d"
	require.NoError(t, json.Unmarshal(marshal(t, drifted), &doc))
	doc["hooks"].([]any)[0].(map[string]any)["messageStatus"] = "BRAND_NEW"
	doc["hooks"].([]any)[0].(map[string]any)["resultCode"] = "2007"
	require.Equal(t, http.StatusOK, send(marshal(t, doc), testSecret))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("r8"))))
	row, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("r8")))
	require.NoError(t, err)
	assert.Contains(t, row, "accepted with drift")
	assert.Contains(t, row, "/hooks/0/messageStatus")
	assert.Contains(t, row, "failed 1")

	text := pageText()
	for _, value := range []string{phone, "15446859", email, "sender@nhncloud.com", testSecret} {
		assert.NotContains(t, text, value, "the list shows a payload value or a secret")
	}
	if os.Getenv(screenshotEnv) == "1" {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1200, 720), chromedp.Navigate(page.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#live[data-state="live"]`))))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(screenshotFile, png, 0o644))
	}

	// A narrow window: no horizontal scrolling, on the list and on a detail.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(page.URL+"/"), chromedp.WaitVisible(chromedp.ID("r8"))))
	noOverflow("the list")

	// The detail masks phone numbers until they are revealed, by a POST.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL+"/requests/1"), chromedp.WaitVisible(chromedp.ID("body"))))
	noOverflow("a request's detail")
	text = pageText()
	assert.NotContains(t, text, phone)
	assert.Contains(t, text, maskedPhone)
	assert.Contains(t, text, "[redacted]")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("reveal")), chromedp.WaitVisible(chromedp.ID("mask-again"))))
	text = pageText()
	assert.Contains(t, text, phone, "revealed")
	assert.NotContains(t, text, testSecret, "a secret header stays hidden")

	// A hook's result code with the catalogue's meaning and retry advice, and the drift, on a request's page.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL+"/requests/8"), chromedp.WaitVisible(chromedp.ID("drift-h"))))
	noOverflow("a drifted request's detail")
	text = pageText()
	assert.Contains(t, text, "Accepted with drift")
	assert.Contains(t, text, "resultCode 2007 Temporary device issue temporary: sending again later may succeed")

	// Replay reaches the handler, as does a sample.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1200, 800), chromedp.Navigate(page.URL+"/requests/1"), chromedp.WaitVisible(chromedp.ID("replay-new"))))
	before := dispatches()
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("replay-new")), chromedp.WaitVisible(chromedp.ID("r9"))))
	assert.Equal(t, before+1, dispatches(), "the replay with new hookIds was dispatched")
	origin, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#r9 .origin`)))
	require.NoError(t, err)
	assert.Equal(t, "replay of #1", origin)
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("kind"), "KakaoTalk Bizmessage MESSAGE_RESULT_UPDATE"),
		chromedp.Click(chromedp.CSS(`form.sample button`)), chromedp.WaitVisible(chromedp.ID("r10"))))
	assert.Equal(t, before+2, dispatches(), "the sample was dispatched")
	sample, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("r10")))
	require.NoError(t, err)
	assert.Contains(t, sample, "KakaoTalk Bizmessage")

	assert.Empty(t, problems(), "the pages reported errors")
}
