package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

const samplesExample = `  smshook samples MESSAGE_RESULT_UPDATE > result.json
  smshook samples | smshook validate -
`

// runSamples prints the documented deliveries (openapi.yaml's examples), one JSON document after another.
func runSamples(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "samples", "samples [EVENT]", samplesExample)
	rest, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	events := api.Events()
	switch {
	case len(rest) > 1:
		fmt.Fprintln(e.stderr, "smshook samples: takes at most one event")
		return exitUsage
	case len(rest) == 1:
		if _, known := api.Sample(api.EventType(rest[0])); !known {
			fmt.Fprintf(e.stderr, "smshook samples: unknown event %q: one of %v\n", rest[0], events)
			return exitUsage
		}
		events = []api.EventType{api.EventType(rest[0])}
	}
	var b strings.Builder
	for _, event := range events {
		// The generated type writes the fields in the contract's order.
		w, _ := api.Sample(event)
		out, err := json.MarshalIndent(w, "", "  ")
		if err != nil {
			fmt.Fprintln(e.stderr, "smshook samples:", err)
			return exitUsage
		}
		b.Write(out)
		b.WriteByte('\n')
	}
	if _, err := fmt.Fprint(e.stdout, b.String()); err != nil {
		return exitUsage
	}
	return exitOK
}

// fresh returns delivery, a JSON envelope, with a new hooksId and a new hookId in every hook, as a new
// delivery of new events would have. Numbers keep their lexical form.
func fresh(delivery []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(delivery))
	dec.UseNumber()
	var envelope map[string]any
	if err := dec.Decode(&envelope); err != nil {
		return nil, err
	}
	envelope["hooksId"] = sender.NewID()
	hooks, _ := envelope["hooks"].([]any)
	for _, h := range hooks {
		if hook, ok := h.(map[string]any); ok {
			hook["hookId"] = sender.NewID()
		}
	}
	return json.Marshal(envelope)
}
