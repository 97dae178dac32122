package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
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
	events := smshooktest.Events()
	switch {
	case len(rest) > 1:
		fmt.Fprintln(e.stderr, "smshook samples: takes at most one event")
		return exitUsage
	case len(rest) == 1:
		if !slices.Contains(events, api.EventType(rest[0])) {
			fmt.Fprintf(e.stderr, "smshook samples: unknown event %q: one of %v\n", rest[0], events)
			return exitUsage
		}
		events = []api.EventType{api.EventType(rest[0])}
	}
	var b strings.Builder
	for _, ev := range events {
		sample, err := smshooktest.Sample(ev)
		if err != nil {
			fmt.Fprintln(e.stderr, "smshook samples:", err)
			return exitUsage
		}
		out, err := json.MarshalIndent(sample, "", "  ")
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
