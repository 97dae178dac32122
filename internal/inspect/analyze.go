package inspect

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/batch"
	"github.com/smshook/smshook/validate"
)

// verificationAppKey is the appKey of the console's URL verification, which the receiver answers 200 without
// dispatching (see package smshook).
const verificationAppKey = "String"

// entry is one recorded request as the page shows it. Its fields are set once, before it is shared.
type entry struct {
	*captured
	Seq      uint64
	Time     time.Time
	Product  string
	Event    string
	AppKey   string
	Hooks    int       // -1: unknown (not a delivery)
	Typed    bool      // the body passed the contract (perhaps with hooks dropped)
	HookRows []hookRow // the first maxRows hooks
	// MoreHooks counts the hooks past HookRows, which the entry does not keep.
	MoreHooks int
	Problem   *problem
	// Drift is what the compatible profile accepted and the strict one refuses, the values the contract does not
	// know yet (a new enum value, a new event), which the receiver only logs: the first maxRows of them, so
	// that the page shows a drifted delivery as more than a plain 200.
	Drift []api.ProblemError
	// MoreDrift counts the drift past Drift.
	MoreDrift int
	counts    []count // the outcomes of every hook, those past HookRows too
	// moreViolations counts the violations of the quarantined hooks past HookRows.
	moreViolations int
	Notes          []string
	rowHTML        string // the list's row, rendered once for the page's stream
}

// hookRow is one hook of a delivery, in the delivery's order.
type hookRow struct {
	Index       int
	HookID      string
	Outcome     api.Outcome        // "" for hooks that carry no result
	Codes       []resultCode       // the codes the hook carries, which decided its outcome
	Quarantined bool               // dropped by the compatible profile: it broke the contract
	Violations  []api.ProblemError // the first maxRows
	// MoreViolations counts the hook's violations past Violations.
	MoreViolations int
}

// maxRows is how many hook rows, and violations of a hook or of a problem, an entry keeps and the page shows;
// past it, only how many more there are. A partial batch of MaxBody bytes holds some 20,000 empty hooks with
// three violations each: kept whole, 100 of them took 1.6 GB and a list page of 800 MB.
const maxRows = 20

// problem is the RFC 9457 problem the receiver answered.
type problem struct {
	Type, Title, Detail string
	Errors              []api.ProblemError // the first maxRows
	MoreErrors          int                // the violations past Errors
}

// analyze reads what the receiver answered and decodes the stored body again, as the receiver did: the
// inspector learns the hooks' outcomes and the quarantined hooks from the body itself, so that it needs no
// hook into the receiver.
func analyze(c *captured, profile validate.Profile) *entry {
	e := &entry{captured: c, Seq: c.seq, Time: c.at, Hooks: -1}
	if c.status >= 400 {
		e.Problem = readProblem(c.respType, c.resp)
	}
	if int64(len(c.body)) < c.bodySize {
		e.Notes = append(e.Notes, fmt.Sprintf("body of %d bytes, kept up to %d: not decoded, cannot be replayed", c.bodySize, MaxBody))
	}
	if c.headerCut {
		e.Notes = append(e.Notes, fmt.Sprintf("headers past %d bytes not kept: cannot be replayed", maxHeader))
	}
	var loose struct {
		ProductName, Event, AppKey any
		Hooks                      []json.RawMessage
	}
	if len(c.body) == 0 {
		return e
	}
	_ = json.Unmarshal(c.body, &loose) // as far as it goes: a rejected body is shown for what it has
	e.Product, e.Event, e.AppKey = text(loose.ProductName), text(loose.Event), text(loose.AppKey)
	if loose.Hooks != nil {
		e.Hooks = len(loose.Hooks)
	}
	if e.AppKey == verificationAppKey && c.status == http.StatusOK {
		e.Notes = append(e.Notes, `appKey "String": the console's URL verification, answered 200 and not dispatched`)
		return e
	}
	if int64(len(c.body)) < c.bodySize || c.status >= 400 && c.status < 500 {
		return e // the receiver refused it: its problem says why, and no hook was processed
	}
	w, drift, err := validate.Body(c.body, profile)
	var invalid []api.InvalidHook
	if err != nil {
		ok := false
		if profile == validate.Compatible {
			w, drift, invalid, ok = batch.Accept(c.body, err)
		}
		if !ok {
			return e
		}
	}
	e.Typed = true
	head := w.Head()
	e.Product, e.Event = head.ProductName, string(head.Event)
	e.Hooks = w.HookCount() + len(invalid)
	e.HookRows, e.MoreHooks, e.moreViolations, e.counts = hookRows(w, invalid)
	kept := drift[:min(len(drift), maxRows)]
	for _, v := range kept {
		e.Drift = append(e.Drift, api.ProblemError{Pointer: clip(v.Pointer), Detail: clip(v.Reason)})
	}
	e.MoreDrift = len(drift) - len(kept)
	if !head.Kind().Known() {
		e.Notes = append(e.Notes, "a kind the contract does not know: handed over untyped")
	}
	if len(invalid) > 0 {
		e.Notes = append(e.Notes, fmt.Sprintf("%d of %d hooks quarantined: they break the contract and were dropped; the others were processed", len(invalid), e.Hooks))
	}
	return e
}

// replayable reports whether the whole request was kept.
func (e *entry) replayable() bool { return int64(len(e.body)) == e.bodySize && !e.headerCut }

// hookRows lists the first maxRows hooks of a delivery in its order, the valid ones of w with their outcome, the
// quarantined ones in between, and returns how many more hooks it left out, the violations of those, and the
// outcomes of every hook.
func hookRows(w api.Webhook, invalid []api.InvalidHook) (rows []hookRow, more, moreViolations int, counts []count) {
	outcomes := hookOutcomes(w)
	tally := map[string]int{}
	valid, k := 0, 0
	for i := range w.HookCount() + len(invalid) {
		var row hookRow
		switch {
		case k < len(invalid) && invalid[k].Index == i: // invalid is in the delivery's order
			row = hookRow{Index: i, Quarantined: true}
			tally["quarantined"]++
			if len(rows) < maxRows {
				var id struct {
					HookID string `json:"hookId"`
				}
				_ = json.Unmarshal(invalid[k].JSON, &id)
				row.HookID = id.HookID
				vs := invalid[k].Violations
				row.Violations = clipErrors(vs[:min(len(vs), maxRows)])
				row.MoreViolations = len(vs) - len(row.Violations)
			} else {
				moreViolations += len(invalid[k].Violations)
			}
			k++
		case valid < w.HookCount():
			row = hookRow{Index: i, HookID: w.HookID(valid)}
			if len(rows) < maxRows {
				row.Codes = codesOf(w.Hook(valid))
			}
			if outcomes != nil {
				row.Outcome = outcomes[valid]
				tally[string(row.Outcome)]++
			}
			valid++
		default:
			continue
		}
		if len(rows) < maxRows {
			rows = append(rows, row)
		} else {
			more++
		}
	}
	for _, name := range []string{"delivered", "failed", "pending", "canceled", "unknown", "quarantined"} {
		if tally[name] > 0 {
			counts = append(counts, count{name, tally[name]})
		}
	}
	return rows, more, moreViolations, counts
}

// resultCode is a code a hook carries and what the catalogue (result-codes.json, through package api) says of
// it, so that the page shows why a hook failed and whether to send again, not only that it failed.
type resultCode struct {
	Field string // the hook's member: resultCode, dlrStatus, errorCode, mailStatusCode
	Code  string // as the hook sent it, cut to maxText bytes
	Known bool   // the catalogue lists it
	// Meaning and Retry are the catalogue's: its short meaning and "temporary", "permanent" or "".
	Meaning, Retry string
}

// Advice is the catalogue's retry advice in words; "" where the catalogue gives none.
func (c resultCode) Advice() string {
	switch c.Retry {
	case "temporary":
		return "temporary: sending again later may succeed"
	case "permanent":
		return "permanent: the number is no longer in use; remove it rather than send again"
	}
	return ""
}

// codesOf returns the result codes hook carries, looked up in the catalogue; nil for a hook of a kind without
// one, or that carries none.
func codesOf(hook any) []resultCode {
	var out []resultCode
	switch h := hook.(type) {
	case *api.SMSMessageResultUpdateHook:
		out = appendCode(out, "resultCode", h.ResultCode, api.SMSResultCode)
	case *api.SMSInternationalDeliveryReceiptHook:
		out = appendCode(out, "dlrStatus", &h.DlrStatus, api.DlrStatusCode)
		out = appendCode(out, "errorCode", h.ErrorCode, api.DlrErrorCode)
	case *api.EmailMessageResultUpdateHook:
		out = appendCode(out, "mailStatusCode", h.MailStatusCode, api.MailStatusCode)
	case *api.KakaoTalkMessageResultUpdateHook:
		out = appendCode(out, "resultCode", h.ResultCode, api.KakaoTalkResultCode)
	}
	return out
}

// appendCode appends the code of field, looked up with look, to out; a nil or empty code adds nothing.
func appendCode[C ~string](out []resultCode, field string, code *C, look func(C) (api.Code, bool)) []resultCode {
	if code == nil || *code == "" {
		return out
	}
	c, ok := look(*code)
	return append(out, resultCode{Field: field, Code: clip(string(*code)), Known: ok, Meaning: c.Meaning, Retry: c.Retry})
}

// clipErrors copies errs with each pointer and reason cut to maxText bytes.
func clipErrors(errs []api.ProblemError) []api.ProblemError {
	out := make([]api.ProblemError, len(errs))
	for i, e := range errs {
		out[i] = api.ProblemError{Pointer: clip(e.Pointer), Detail: clip(e.Detail)}
	}
	return out
}

// clip cuts s to maxText bytes, on a character's boundary, marking the cut.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// hookOutcomes returns the outcome of each hook of w, or nil when its hooks carry none (those of a kind
// without a result).
func hookOutcomes(w api.Webhook) []api.Outcome {
	var out []api.Outcome
	for i := range w.HookCount() {
		h, ok := w.Hook(i).(api.Outcomer)
		if !ok {
			return nil
		}
		out = append(out, h.Outcome())
	}
	return out
}

// readProblem decodes an RFC 9457 answer; nil for another one.
func readProblem(contentType string, body []byte) *problem {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/problem+json" {
		return nil
	}
	var p api.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &problem{Title: "an answer cut or not JSON"}
		}
		return nil
	}
	out := &problem{Type: p.Type, Title: p.Title}
	if p.Detail != nil {
		out.Detail = *p.Detail
	}
	if p.Errors != nil {
		out.Errors = clipErrors((*p.Errors)[:min(len(*p.Errors), maxRows)])
		out.MoreErrors = len(*p.Errors) - len(out.Errors)
	}
	return out
}

// text is a JSON value as the page shows it: a string as it is, any other value in JSON.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}

// outcomeCounts summarises the hooks, every one and not only the rows kept: "delivered 2", "failed 1",
// "quarantined 1", in a fixed order.
func (e *entry) outcomeCounts() []count { return e.counts }

type count struct {
	Name string
	N    int
}
