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
	"strings"

	"github.com/smshook/smshook/validate"
)

const validateExample = `  smshook validate payloads/                       # every *.json below payloads/
  smshook validate --format github a.json b.json   # annotations in a GitHub Actions job
  smshook samples | smshook validate -             # stdin: one or more JSON documents
`

// report is the verdict on one payload; its JSON is the --format json element.
type report struct {
	File   string               `json:"file"`
	Valid  bool                 `json:"valid"`
	Event  string               `json:"event,omitempty"`
	Hooks  int                  `json:"hooks"`
	Errors []validate.Violation `json:"errors"`
	Drift  []validate.Violation `json:"drift,omitempty"`
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
	case slices.ContainsFunc(reports, func(r report) bool { return !r.Valid }):
		return exitFailed
	}
	return exitOK
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
	r := report{File: pl.name, Errors: []validate.Violation{}}
	if pl.tooLarge {
		r.Errors = append(r.Errors, validate.Violation{Reason: fmt.Sprintf("larger than the receiver's limit of %d bytes", defaultMaxBody)})
		return r
	}
	w, drift, err := validate.Body(pl.body, profile)
	var verr *validate.Error
	switch {
	case errors.As(err, &verr):
		r.Errors = verr.Violations
	case err != nil:
		r.Errors = append(r.Errors, validate.Violation{Reason: err.Error()})
	default:
		r.Valid, r.Event, r.Hooks, r.Drift = true, string(w.Head().Event), w.HookCount(), drift
	}
	return r
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
				fmt.Fprintf(&b, "::error file=%s,title=%s::%s\n", ghProperty(r.File), ghProperty(pointerText(v.Pointer)), ghData(v.Reason))
			}
			for _, v := range r.Drift {
				fmt.Fprintf(&b, "::warning file=%s,title=%s::%s\n", ghProperty(r.File), ghProperty(pointerText(v.Pointer)), ghData("drift: "+v.Reason))
			}
		}
	default:
		for _, r := range reports {
			if r.Valid {
				fmt.Fprintf(&b, "%s: ok (%s, %d hooks)\n", r.File, r.Event, r.Hooks)
			} else {
				fmt.Fprintf(&b, "%s: invalid\n", r.File)
			}
			for _, v := range r.Errors {
				fmt.Fprintf(&b, "  %s: %s\n", pointerText(v.Pointer), v.Reason)
			}
			for _, v := range r.Drift {
				fmt.Fprintf(&b, "  drift %s: %s\n", pointerText(v.Pointer), v.Reason)
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

// ghData and ghProperty escape workflow command values as GitHub's runner unescapes them.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer(":", "%3A", ",", "%2C").Replace(ghData(s))
}
