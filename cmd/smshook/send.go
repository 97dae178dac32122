package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

// defaultSendTimeout bounds one request of send: far longer than a receiver that acknowledges at once needs,
// short enough that a receiver that never answers does not hang a script.
const defaultSendTimeout = 30 * time.Second

const sendExample = `  smshook send --url http://127.0.0.1:8080/ --secret s3cret --event MESSAGE_RESULT_UPDATE --count 3
  smshook send --url http://127.0.0.1:8080/ --secret s3cret --product "KakaoTalk Bizmessage" --event TEMPLATE_STATUS_UPDATE
  smshook send --url https://example.com/webhooks/nhn --secret-file secret.txt --file recorded.json
  smshook send --url http://127.0.0.1:8080/ --secret s3cret --app-key "$NHN_APP_KEY" --event UNSUBSCRIBE
`

func runSend(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "send", "send --url URL [--secret S] ([--product PRODUCT] --event EVENT | --file F) [--app-key APPKEY] [--count N] [--timeout DURATION]", sendExample)
	url := fs.String("url", "", "the receiver's `URL`")
	secret := fs.String("secret", "", "send `SECRET`, the console's secret; also $SMSHOOK_SECRET (the first, if comma-separated)")
	secretFile := fs.String("secret-file", "", "a `FILE` whose first line is the secret to send")
	product := fs.String("product", "SMS", fmt.Sprintf("the `PRODUCT` of --event: one of %s", productNames()))
	event := fs.String("event", "", "send the documented sample of this `EVENT` of --product, with new IDs each time")
	file := fs.String("file", "", "send this `FILE` as it is (- for stdin), but for --app-key")
	appKey := fs.String("app-key", "", "set the appKey of every delivery sent, a sample or a file, to `APPKEY`, for a receiver that pins appKeys")
	count := fs.Int("count", 1, "send `N` times")
	timeout := fs.Duration("timeout", defaultSendTimeout, "the longest one request may take, answer included; past it send fails with exit 1")
	rest, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	sample, known := api.Sample(api.KindOf(*product, api.EventType(*event)))
	switch {
	case len(rest) > 0:
		fmt.Fprintf(e.stderr, "smshook send: unexpected argument %q\n", rest[0])
		return exitUsage
	case *url == "":
		fmt.Fprintln(e.stderr, "smshook send: --url is required")
		return exitUsage
	case (*event == "") == (*file == ""):
		fmt.Fprintln(e.stderr, "smshook send: give exactly one of --event and --file")
		return exitUsage
	case *event != "" && !known:
		fmt.Fprintf(e.stderr, "smshook send: no sample of %s %s: the kinds are %s\n", *product, *event, kindNames())
		return exitUsage
	case *count < 1:
		fmt.Fprintln(e.stderr, "smshook send: --count must be at least 1")
		return exitUsage
	case *timeout <= 0:
		fmt.Fprintln(e.stderr, "smshook send: --timeout must be positive")
		return exitUsage
	}
	secrets, err := gatherSecrets(nonEmpty(*secret), *secretFile, envSecrets(e.getenv))
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook send:", err)
		return exitUsage
	}
	sent := "" // the first: --secret, else the file's, else the environment's
	if len(secrets) > 0 {
		sent = secrets[0]
	}
	var body []byte
	if *file != "" {
		body, err = readInput(e.stdin, *file)
	} else {
		body, err = json.Marshal(sample)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook send:", err)
		return exitUsage
	}
	if *appKey != "" {
		if body, err = withAppKey(body, *appKey); err != nil {
			fmt.Fprintln(e.stderr, "smshook send: --app-key:", err)
			return exitUsage
		}
	}
	to, err := sender.New(*url, sent)
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook send: --url:", err)
		return exitUsage
	}

	failed := false
	for i := 0; i < *count; i++ {
		payload := body
		if *event != "" {
			if payload, err = fresh(body); err != nil {
				fmt.Fprintln(e.stderr, "smshook send:", err)
				return exitFailed
			}
		}
		rctx, cancel := context.WithTimeout(ctx, *timeout)
		resp, err := to.Send(rctx, payload)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			return exitFailed // main says so and exits 130 or 143
		case errors.Is(err, context.DeadlineExceeded):
			fmt.Fprintf(e.stderr, "smshook send: no answer within %v (--timeout)\n", *timeout)
			return exitFailed
		case err != nil:
			fmt.Fprintln(e.stderr, "smshook send:", err)
			return exitFailed
		}
		printAnswer(e.stdout, resp)
		if resp.StatusCode() < 200 || resp.StatusCode() > 299 {
			failed = true
		}
	}
	if failed {
		return exitFailed
	}
	return exitOK
}

// errNotAnObject: --app-key was given with a file that is not one JSON object, so it has no appKey to set.
var errNotAnObject = errors.New("the delivery is not one JSON object, so it has no appKey to set")

// withAppKey returns delivery with appKey as the value of its top-level "appKey" (of each, should the object
// repeat the member), or with the member added first when it has none. Every other byte stays as it was, so
// that a recorded file is sent as it is but for that value. It fails for a body that is not one JSON object.
func withAppKey(delivery []byte, appKey string) ([]byte, error) {
	value, err := json.Marshal(appKey)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(delivery))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotAnObject
	}
	open := dec.InputOffset() // just past the '{'
	var spans [][2]int64      // the values of the appKey members
	members := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errNotAnObject
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errNotAnObject
		}
		members++
		if tok == "appKey" {
			end := dec.InputOffset()
			spans = append(spans, [2]int64{end - int64(len(raw)), end})
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errNotAnObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotAnObject // something after the object
	}
	if len(spans) == 0 {
		member := append([]byte(`"appKey":`), value...)
		if members > 0 {
			member = append(member, ',')
		}
		return slices.Concat(delivery[:open], member, delivery[open:]), nil
	}
	out := make([]byte, 0, len(delivery)+len(value))
	last := int64(0)
	for _, s := range spans {
		out = append(append(out, delivery[last:s[0]]...), value...)
		last = s[1]
	}
	return append(out, delivery[last:]...), nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func readInput(stdin io.Reader, path string) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	// Read a little past the receiver's default limit, so that an oversize file is sent and answered 413.
	return io.ReadAll(io.LimitReader(r, 4*defaultMaxBody))
}

// printAnswer prints the status and any problem details, never the body that was sent.
func printAnswer(w io.Writer, resp *api.ReceiveWebhookResponse) {
	fmt.Fprintf(w, "%d %s\n", resp.StatusCode(), http.StatusText(resp.StatusCode()))
	p := sender.Problem(resp)
	if p == nil {
		return
	}
	fmt.Fprintf(w, "  %s", printable(p.Type))
	if p.Detail != nil {
		fmt.Fprintf(w, ": %s", printable(*p.Detail))
	}
	fmt.Fprintln(w)
	if p.Errors != nil {
		for _, pe := range *p.Errors {
			fmt.Fprintf(w, "  %s: %s\n", printable(pointerText(pe.Pointer)), printable(pe.Detail))
		}
	}
}
