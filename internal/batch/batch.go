// Package batch splits a delivery whose only violations lie inside some of its hooks into its valid hooks and
// its invalid ones, so that under the compatible profile one bad hook does not sink its batch: the vendor has
// shipped hooks missing a field (recipientNo until 2022-08, resultCode on failures until 2024-05).
package batch

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/decode"
	"github.com/smshook/smshook/validate"
)

// Split is a delivery divided into its valid and its invalid hooks.
type Split struct {
	// Valid is the delivery with only its valid hooks, re-encoded, to be validated again.
	Valid []byte
	// Invalid are the invalid hooks, in order, as Handler.Invalid receives them.
	Invalid []api.InvalidHook
	// index[k] is the position in the delivery of the k-th hook of Valid.
	index []int
}

// Accept is the compatible profile's reading of body, which validate.Body refused with err: when every violation
// lies inside some of its hooks and another hook is valid, the delivery of its valid hooks, its drift (pointing
// into body) and the invalid hooks; otherwise ok is false and the delivery is refused whole.
func Accept(body []byte, err error) (w api.Webhook, drift []validate.Violation, invalid []api.InvalidHook, ok bool) {
	var ve *validate.Error
	if !errors.As(err, &ve) || !errors.Is(err, validate.ErrInvalid) {
		return nil, nil, nil, false
	}
	split, ok := Of(body, ve.Violations)
	if !ok {
		return nil, nil, nil, false
	}
	w, drift, err = validate.Body(split.Valid, validate.Compatible)
	if err != nil {
		return nil, nil, nil, false
	}
	for i := range drift {
		drift[i].Pointer = split.Pointer(drift[i].Pointer)
	}
	return w, drift, split.Invalid, true
}

// Of splits body, a delivery whose validation found violations, by hook. It reports false when a violation
// lies outside the hooks (the envelope is wrong: the whole delivery is), or when no hook is valid.
func Of(body []byte, violations []validate.Violation) (*Split, bool) {
	doc, err := decode.ParseJSON(body)
	obj, isObject := doc.(map[string]any)
	if err != nil || !isObject || len(violations) == 0 {
		return nil, false
	}
	hooks, _ := obj["hooks"].([]any)
	byHook := map[int][]validate.Violation{}
	for _, v := range violations {
		i, ok := hookOf(v.Pointer)
		if !ok || i >= len(hooks) {
			return nil, false
		}
		byHook[i] = append(byHook[i], v)
	}
	if len(byHook) == len(hooks) {
		return nil, false
	}
	s := &Split{}
	valid := make([]any, 0, len(hooks)-len(byHook))
	for i, hook := range hooks {
		vs, invalid := byHook[i]
		if !invalid {
			valid = append(valid, hook)
			s.index = append(s.index, i)
			continue
		}
		raw, err := json.Marshal(hook)
		if err != nil {
			return nil, false
		}
		hook := api.InvalidHook{Index: i, JSON: raw, Violations: make([]api.ProblemError, len(vs))}
		for j, v := range vs {
			hook.Violations[j] = api.ProblemError{Pointer: v.Pointer, Detail: v.Reason}
		}
		s.Invalid = append(s.Invalid, hook)
	}
	obj["hooks"] = valid
	if s.Valid, err = json.Marshal(obj); err != nil {
		return nil, false
	}
	return s, true
}

// Pointer maps a pointer into Valid to the same place in the delivery.
func (s *Split) Pointer(p string) string {
	k, ok := hookOf(p)
	if !ok || k >= len(s.index) {
		return p
	}
	prefix := "/hooks/" + strconv.Itoa(k)
	return "/hooks/" + strconv.Itoa(s.index[k]) + p[len(prefix):]
}

// hookOf returns the index of the hook that pointer p lies in: /hooks/N or below it.
func hookOf(p string) (int, bool) {
	rest, ok := strings.CutPrefix(p, "/hooks/")
	if !ok {
		return 0, false
	}
	n, _, _ := strings.Cut(rest, "/")
	if n == "" || (len(n) > 1 && n[0] == '0') || !isDigits(n) {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil
}

func isDigits(s string) bool {
	return !slices.ContainsFunc([]byte(s), func(c byte) bool { return c < '0' || c > '9' })
}
