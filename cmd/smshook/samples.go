package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
)

const samplesExample = `  smshook samples --product SMS MESSAGE_RESULT_UPDATE > result.json
  smshook samples | smshook validate -
`

// runSamples prints the documented deliveries (openapi.yaml's examples), one JSON document after another: of
// every kind, or of one product, one event, or both.
func runSamples(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "samples", "samples [--product PRODUCT] [EVENT]", samplesExample)
	product := fs.String("product", "", fmt.Sprintf("print the samples of this `PRODUCT` only: one of %s", productNames()))
	rest, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(rest) > 1 {
		fmt.Fprintln(e.stderr, "smshook samples: takes at most one event")
		return exitUsage
	}
	var kinds []api.Kind
	for _, kind := range api.Kinds() {
		if (*product == "" || api.KindOf(*product, kind.Event) == kind) && (len(rest) == 0 || string(kind.Event) == rest[0]) {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) == 0 {
		fmt.Fprintf(e.stderr, "smshook samples: no sample of %s: the kinds are %s\n", strings.TrimSpace(*product+" "+strings.Join(rest, "")), kindNames())
		return exitUsage
	}
	var b strings.Builder
	for _, kind := range kinds {
		// The generated type writes the fields in the contract's order.
		w, _ := api.Sample(kind)
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

// productNames lists the products of the contract, for a flag's help.
func productNames() string {
	var names []string
	for _, kind := range api.Kinds() {
		if !slices.Contains(names, string(kind.Product)) {
			names = append(names, string(kind.Product))
		}
	}
	return strings.Join(names, ", ")
}

// kindNames lists the kinds of the contract, for an error.
func kindNames() string {
	var names []string
	for _, kind := range api.Kinds() {
		names = append(names, kind.String())
	}
	return strings.Join(names, ", ")
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
