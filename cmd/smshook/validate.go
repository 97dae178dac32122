package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/smshook/smshook/internal/batch"
	"github.com/smshook/smshook/internal/decode"
	"github.com/smshook/smshook/validate"
)

const validateExample = `  smshook validate payloads/                       # every *.json below payloads/
  smshook validate --format github a.json b.json   # annotations in a GitHub Actions job
  smshook samples | smshook validate -             # stdin: one or more JSON documents
`

// report is the verdict on one payload; its JSON is the --format json element.
type report struct {
	File        string    `json:"file"`
	Valid       bool      `json:"valid"`
	ProductName string    `json:"productName,omitempty"`
	Event       string    `json:"event,omitempty"`
	Hooks       int       `json:"hooks"`
	Errors      []finding `json:"errors"`
	Drift       []finding `json:"drift,omitempty"`
	// Dropped, under --compat, lists the hooks the receiver drops from an invalid delivery, answering it 200
	// and processing its other hooks (Hooks counts those), because every violation lies inside them.
	Dropped []int `json:"dropped,omitempty"`

	malformed bool // the one error is the parser's, whose reason says where it is
}

// finding is a violation and where it is in the file: the line and the column (from 1, in bytes) of the value
// its pointer names, or of the object that lacks it, or where a malformed body went wrong; 0 where there is no
// place to show (the whole body).
type finding struct {
	Pointer string `json:"pointer"`
	Reason  string `json:"reason"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

func runValidate(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "validate", "validate [--strict | --compat] [--format text|json|github] PATH...", validateExample)
	compat := fs.Bool("compat", false, "accept unknown events and unknown enum values, reported as drift")
	strict := fs.Bool("strict", false, "reject every violation (the default)")
	format := fs.String("format", "text", "output `FORMAT`: text, json or github (workflow annotations)")
	paths, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	switch {
	case *compat && *strict:
		fmt.Fprintln(e.stderr, "smshook validate: --strict and --compat exclude each other")
		return exitUsage
	case !slices.Contains([]string{"text", "json", "github"}, *format):
		fmt.Fprintf(e.stderr, "smshook validate: --format is text, json or github, not %q\n", *format)
		return exitUsage
	case len(paths) == 0:
		fmt.Fprintln(e.stderr, "smshook validate: name at least one file, directory or - (stdin)")
		fs.printUsage(e.stderr)
		return exitUsage
	}
	profile := validate.Strict
	if *compat {
		profile = validate.Compatible
	}

	var reports []report
	ioFailed := false
	for _, p := range paths {
		payloads, err := collect(e.stdin, p)
		if err != nil {
			fmt.Fprintln(e.stderr, "smshook validate:", err)
			ioFailed = true
			continue
		}
		for _, pl := range payloads {
			reports = append(reports, check(profile, pl))
		}
	}
	if err := write(e.stdout, *format, reports); err != nil {
		fmt.Fprintln(e.stderr, "smshook validate:", err)
		return exitUsage
	}
	switch {
	case ioFailed:
		return exitUsage
	case slices.ContainsFunc(reports, func(r report) bool { return !r.Valid && r.Dropped == nil }):
		return exitFailed
	case slices.ContainsFunc(reports, func(r report) bool { return r.Dropped != nil }):
		return exitPartial
	}
	return exitOK
}

// hookList names the hooks of indexes: "hook 1", "hooks 1, 3".
func hookList(indexes []int) string {
	names := make([]string, len(indexes))
	for i, n := range indexes {
		names[i] = strconv.Itoa(n)
	}
	if len(names) == 1 {
		return "hook " + names[0]
	}
	return "hooks " + strings.Join(names, ", ")
}

// payload is one document to check. tooLarge marks one over the receiver's limit, not read whole.
type payload struct {
	name     string
	body     []byte
	tooLarge bool
}

// collect reads the payloads a path names: a file, every *.json below a directory, or the documents on stdin.
func collect(stdin io.Reader, path string) ([]payload, error) {
	if path == "-" {
		return splitStream(stdin)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		pl, err := readFile(path)
		return []payload{pl}, err
	}
	var out []payload
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".json") {
			return nil
		}
		pl, err := readFile(p)
		out = append(out, pl)
		return err
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no *.json file below this directory", path)
	}
	return out, err
}

// readFile reads at most one byte more than the receiver's limit.
func readFile(path string) (payload, error) {
	f, err := os.Open(path)
	if err != nil {
		return payload{}, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, defaultMaxBody+1))
	if err != nil {
		return payload{}, fmt.Errorf("%s: %w", path, err)
	}
	return payload{name: path, body: body, tooLarge: int64(len(body)) > defaultMaxBody}, nil
}

// splitStream cuts stdin into its JSON documents, so that the output of `smshook samples` can be piped in. A
// single document is named "-", several "-#1", "-#2"…; what does not parse is checked as one last document.
func splitStream(r io.Reader) ([]payload, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	var docs [][]byte
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		start := dec.InputOffset()
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			docs = append(docs, data[start:])
			break
		}
		docs = append(docs, data[start:dec.InputOffset()])
	}
	if len(docs) == 0 {
		docs = append(docs, data) // empty: reported as malformed
	}
	out := make([]payload, len(docs))
	for i, d := range docs {
		out[i] = payload{name: "-", body: d, tooLarge: int64(len(d)) > defaultMaxBody}
		if len(docs) > 1 {
			out[i].name = fmt.Sprintf("-#%d", i+1)
		}
	}
	return out, nil
}

func check(profile validate.Profile, pl payload) report {
	r := report{File: pl.name, Errors: []finding{}}
	if pl.tooLarge {
		r.Errors = append(r.Errors, finding{Reason: fmt.Sprintf("larger than the receiver's limit of %d bytes", defaultMaxBody)})
		return r
	}
	w, drift, err := validate.Body(pl.body, profile)
	var verr *validate.Error
	switch {
	case errors.As(err, &verr) && errors.Is(err, validate.ErrMalformed):
		// validate says what is wrong; the parser, asked again, says where.
		r.malformed = true
		var se *decode.SyntaxError
		_, perr := decode.ParseJSON(pl.body)
		for _, v := range verr.Violations {
			f := finding{Pointer: v.Pointer, Reason: v.Reason}
			if errors.As(perr, &se) {
				f.Line, f.Column = se.Line(), se.Column()
			}
			r.Errors = append(r.Errors, f)
		}
	case errors.As(err, &verr):
		r.Errors = locate(pl.body, verr.Violations)
		if profile != validate.Compatible {
			break
		}
		if w, drift, invalid, ok := batch.Accept(pl.body, err); ok {
			r.ProductName, r.Event, r.Hooks, r.Drift = w.Head().ProductName, string(w.Head().Event), w.HookCount(), locate(pl.body, drift)
			for _, hook := range invalid {
				r.Dropped = append(r.Dropped, hook.Index)
			}
		}
	case err != nil:
		r.Errors = append(r.Errors, finding{Reason: err.Error()})
	default:
		r.Valid, r.ProductName, r.Event, r.Hooks, r.Drift = true, w.Head().ProductName, string(w.Head().Event), w.HookCount(), locate(pl.body, drift)
	}
	return r
}

// locate finds in body, well-formed JSON, where each violation's value starts: the value its pointer names, or
// where it is missing, the object or array that lacks it. The whole body ("") has no place.
func locate(body []byte, violations []validate.Violation) []finding {
	if violations == nil {
		return nil
	}
	pointers := make([]string, len(violations))
	for i, v := range violations {
		pointers[i] = v.Pointer
	}
	places := decode.ValueOffsets(body, pointers) // one pass, however many violations a large batch has
	out := make([]finding, len(violations))
	for i, v := range violations {
		out[i] = finding{Pointer: v.Pointer, Reason: v.Reason}
		if v.Pointer != "" {
			out[i].Line, out[i].Column = places[i].Line, places[i].Column
		}
	}
	return out
}

func write(w io.Writer, format string, reports []report) error {
	var b strings.Builder
	switch format {
	case "json":
		if reports == nil {
			reports = []report{}
		}
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	case "github":
		for _, r := range reports {
			for _, v := range r.Errors {
				fmt.Fprintf(&b, "::error file=%s%s,title=%s::%s\n", ghProperty(r.File), ghPosition(v), ghProperty(pointerText(v.Pointer)), ghData(v.Reason))
			}
			for _, v := range r.Drift {
				fmt.Fprintf(&b, "::warning file=%s%s,title=%s::%s\n", ghProperty(r.File), ghPosition(v), ghProperty(pointerText(v.Pointer)), ghData("drift: "+v.Reason))
			}
		}
	default:
		for _, r := range reports {
			switch {
			case r.Valid:
				fmt.Fprintf(&b, "%s: ok (%s %s, %d hooks)\n", r.File, r.ProductName, r.Event, r.Hooks)
			case r.Dropped != nil:
				fmt.Fprintf(&b, "%s: partial (%s %s, %d hooks; %s dropped)\n", r.File, r.ProductName, r.Event, r.Hooks, hookList(r.Dropped))
			default:
				fmt.Fprintf(&b, "%s: invalid\n", r.File)
			}
			for _, v := range r.Errors {
				if r.malformed {
					v.Line = 0 // the parser's reason says where
				}
				fmt.Fprintf(&b, "  %s%s: %s\n", pointerText(v.Pointer), textPosition(v), v.Reason)
			}
			for _, v := range r.Drift {
				fmt.Fprintf(&b, "  drift %s%s: %s\n", pointerText(v.Pointer), textPosition(v), v.Reason)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// pointerText shows the empty pointer, the whole body, as "/" would be misread.
func pointerText(p string) string {
	if p == "" {
		return "(body)"
	}
	return p
}

// textPosition is where a finding is, as the text format shows it after the pointer; "" where unknown.
func textPosition(f finding) string {
	if f.Line == 0 {
		return ""
	}
	return fmt.Sprintf(" (line %d, column %d)", f.Line, f.Column)
}

// ghPosition is where a finding is, as workflow command properties after file=; "" where unknown.
func ghPosition(f finding) string {
	if f.Line == 0 {
		return ""
	}
	return fmt.Sprintf(",line=%d,col=%d", f.Line, f.Column)
}

// ghData and ghProperty escape workflow command values as GitHub's runner unescapes them.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer(":", "%3A", ",", "%2C").Replace(ghData(s))
}
