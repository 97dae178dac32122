// Command codegen writes package api's result-code tables from result-codes.json, the language-neutral
// catalogue of the result codes (SMS receive, DLR status and error; Email mail status; KakaoTalk Bizmessage
// result) shipped beside openapi.yaml
// (result-codes.schema.json is its JSON Schema). The lookups and the outcome rule that read the tables are
// hand-written, in api/outcome.go.
//
// It refuses a catalogue that the tables could not hold faithfully: an unknown key, kind, outcome or retry, a
// code listed twice in its kind, a group outside the receive codes, or a receive or DLR error code that is not
// final (pending), which api's outcome rule relies on.
//
//	go run ../internal/codegen -codes ../result-codes.json -o codes.gen.go
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"strconv"
)

// entry is one code of the catalogue, as result-codes.json writes it.
type entry struct {
	Kind    string `json:"kind"`
	Code    string `json:"code"`
	Group   string `json:"group,omitempty"`
	Outcome string `json:"outcome"`
	Meaning string `json:"meaning"`
	Retry   string `json:"retry,omitempty"`
}

// catalogue is result-codes.json.
type catalogue struct {
	Schema      string  `json:"$schema,omitempty"`
	Description string  `json:"description,omitempty"`
	Codes       []entry `json:"codes"`
}

// table is one generated map: the codes of one kind.
type table struct {
	kind, name, keyType, doc string
}

// tables are the kinds of the catalogue, in the order the generated file lists them.
var tables = []table{
	{"receive", "resultCodes", "string", "the receive result codes, the resultCode of MESSAGE_RESULT_UPDATE"},
	{"dlr-status", "dlrStatusCodes", "DlrStatus", "the DLR status codes, the dlrStatus of INTERNATIONAL_DELIVERY_RECEIPT"},
	{"dlr-error", "dlrErrorCodes", "string", "the DLR error codes, the errorCode of INTERNATIONAL_DELIVERY_RECEIPT"},
	{"mail-status", "mailStatusCodes", "string", "the mail status codes, the mailStatusCode of Email's result update"},
	{"kakaotalk-result", "kakaoTalkResultCodes", "string", "KakaoTalk Bizmessage's result codes, the resultCode of its MESSAGE_RESULT_UPDATE"},
}

// outcomes maps the catalogue's outcomes to the names of api's Outcome constants.
var outcomes = map[string]string{"success": "OutcomeDelivered", "failure": "OutcomeFailed", "pending": "OutcomePending"}

func main() {
	log.SetFlags(0)
	in := flag.String("codes", "result-codes.json", "the catalogue")
	out := flag.String("o", "codes.gen.go", "the Go file to write")
	flag.Parse()
	codes, err := load(*in)
	if err != nil {
		log.Fatalf("codegen: %v", err)
	}
	src, err := generate(codes)
	if err != nil {
		log.Fatalf("codegen: %v", err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatalf("codegen: %v", err)
	}
}

// load reads and checks the catalogue at path.
func load(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	codes, err := decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return codes, nil
}

// decode reads a catalogue, refusing unknown keys and trailing data, and checks it.
func decode(r io.Reader) ([]entry, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var c catalogue
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the catalogue")
	}
	if err := check(c.Codes); err != nil {
		return nil, err
	}
	return c.Codes, nil
}

// check reports the first entry that the generated tables could not hold faithfully.
func check(codes []entry) error {
	if len(codes) == 0 {
		return errors.New("no codes")
	}
	kinds := map[string]bool{}
	for _, t := range tables {
		kinds[t.kind] = true
	}
	seen := map[[2]string]bool{}
	for i, e := range codes {
		where := fmt.Sprintf("codes[%d] (%s %q)", i, e.Kind, e.Code)
		switch {
		case !kinds[e.Kind]:
			return fmt.Errorf("%s: unknown kind", where)
		case e.Code == "":
			return fmt.Errorf("%s: no code", where)
		case seen[[2]string{e.Kind, e.Code}]:
			return fmt.Errorf("%s: listed twice", where)
		case outcomes[e.Outcome] == "":
			return fmt.Errorf("%s: unknown outcome %q", where, e.Outcome)
		case e.Outcome == "pending" && e.Kind != "dlr-status":
			return fmt.Errorf("%s: only a DLR status may be pending", where)
		case e.Kind == "receive" && e.Group == "":
			return fmt.Errorf("%s: a receive result code needs a group", where)
		case e.Kind != "receive" && e.Group != "":
			return fmt.Errorf("%s: only receive result codes have a group", where)
		case e.Meaning == "":
			return fmt.Errorf("%s: no meaning", where)
		case e.Retry != "" && e.Retry != "temporary" && e.Retry != "permanent":
			return fmt.Errorf("%s: retry is %q, not temporary or permanent", where, e.Retry)
		}
		seen[[2]string{e.Kind, e.Code}] = true
	}
	return nil
}

// generate writes codes.gen.go: one map per kind, in the catalogue's order.
func generate(codes []entry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/codegen from result-codes.json. DO NOT EDIT.\n\npackage api\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "\n// %s are %s, by code.\nvar %s = map[%s]Code{\n", t.name, t.doc, t.name, t.keyType)
		for _, e := range codes {
			if e.Kind != t.kind {
				continue
			}
			fmt.Fprintf(&b, "%s: {Kind: %s, Code: %s, ", strconv.Quote(e.Code), strconv.Quote(e.Kind), strconv.Quote(e.Code))
			if e.Group != "" {
				fmt.Fprintf(&b, "Group: %s, ", strconv.Quote(e.Group))
			}
			fmt.Fprintf(&b, "Outcome: %s, Meaning: %s", outcomes[e.Outcome], strconv.Quote(e.Meaning))
			if e.Retry != "" {
				fmt.Fprintf(&b, ", Retry: %s", strconv.Quote(e.Retry))
			}
			b.WriteString("},\n")
		}
		b.WriteString("}\n")
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("the generated code does not parse: %w\n%s", err, b.Bytes())
	}
	return src, nil
}
