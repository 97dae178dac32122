package main

import (
	"bufio"
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
	"syscall"

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
	// Dropped, under --compatible, lists the hooks the receiver drops from an invalid delivery, answering it 200
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

func runValidate(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "validate", "validate [--strict | --compatible] [--format text|json|github] [--max-body BYTES] PATH...", validateExample)
	// The profiles' names are validate.Strict and validate.Compatible, as in the library and the receiver;
	// --compat is the older name of --compatible, kept for the scripts that use it.
	compat := fs.Bool("compatible", false, "accept unknown events and unknown enum values, reported as drift (the receiver's default)")
	fs.BoolVar(compat, "compat", false, "the older name of --compatible")
	strict := fs.Bool("strict", false, "reject every violation (the default)")
	format := fs.String("format", "text", "output `FORMAT`: text, json or github (workflow annotations)")
	maxBody := fs.Int64("max-body", defaultMaxBody, "the largest payload, in `BYTES`, as serve --max-body; a larger one is invalid and not read whole")
	paths, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	switch {
	case *compat && *strict:
		fmt.Fprintln(e.stderr, "smshook validate: --strict and --compatible exclude each other")
		return exitUsage
	case !slices.Contains([]string{"text", "json", "github"}, *format):
		fmt.Fprintf(e.stderr, "smshook validate: --format is text, json or github, not %q\n", printable(*format))
		return exitUsage
	case *maxBody < 1:
		fmt.Fprintln(e.stderr, "smshook validate: --max-body must be at least 1")
		return exitUsage
	case len(paths) == 0:
		fmt.Fprintln(e.stderr, "smshook validate: name at least one file, directory or - (stdin)")
		fs.printUsage(e.stderr)
		return exitUsage
	}
	v := &validator{profile: validate.Strict, maxBody: *maxBody, out: &printer{w: e.stdout, format: *format}, stderr: e.stderr}
	if *compat {
		v.profile = validate.Compatible
	}
	for _, p := range paths {
		if ctx.Err() != nil || v.out.err != nil {
			break
		}
		if p == "-" {
			v.stream(ctx, e.stdin)
		} else {
			v.path(ctx, p)
		}
	}
	v.out.end()
	switch {
	case v.out.err != nil:
		fmt.Fprintln(e.stderr, "smshook validate:", v.out.err)
		return exitUsage
	case v.ioFailed:
		return exitUsage
	case v.invalid > 0:
		return exitFailed
	case v.partial > 0:
		return exitPartial
	}
	return exitOK
}

// validator checks payloads one at a time and prints each verdict as soon as it is made, so that what it holds
// is one payload and one report, however many it is given.
type validator struct {
	profile validate.Profile
	maxBody int64
	out     *printer
	stderr  io.Writer
	// invalid and partial count the reports that make the exit code 1 and 3.
	invalid, partial int
	ioFailed         bool // a path could not be read: exit 2
}

// fail reports err, about one path, on stderr; the other paths are still checked.
func (v *validator) fail(err error) {
	fmt.Fprintln(v.stderr, "smshook validate:", printable(err.Error()))
	v.ioFailed = true
}

// emit checks pl and prints its verdict.
func (v *validator) emit(pl payload) {
	v.print(check(v.profile, v.maxBody, pl))
}

func (v *validator) print(r report) {
	switch {
	case r.Dropped != nil:
		v.partial++
	case !r.Valid:
		v.invalid++
	}
	v.out.print(r)
}

// path checks what a path names: a file, or every *.json below a directory. A path that cannot be read, a
// dangling symbolic link among them, is an error of that path alone.
func (v *validator) path(ctx context.Context, path string) {
	info, err := os.Stat(path)
	if err != nil {
		v.fail(statError(path, err))
		return
	}
	if !info.IsDir() {
		v.file(path, true)
		return
	}
	found := 0
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil || v.out.err != nil {
			return fs.SkipAll
		}
		if err != nil {
			v.fail(err) // an unreadable directory: its other entries are still walked
			return nil
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".json") {
			return nil
		}
		found++
		v.file(p, false)
		return nil
	})
	if err != nil {
		v.fail(err)
	}
	if found == 0 && ctx.Err() == nil {
		v.fail(fmt.Errorf("%s: no *.json file below this directory", path))
	}
}

// file checks one file. A file that is not regular (a named pipe, a device, a socket) is skipped with a message
// and not opened, since reading it may never end; named on the command line, skipping it is an error.
func (v *validator) file(path string, named bool) {
	info, err := os.Stat(path)
	if err != nil {
		v.fail(statError(path, err))
		return
	}
	if !info.Mode().IsRegular() {
		v.skip(path, info.Mode(), named)
		return
	}
	// O_NONBLOCK: should a named pipe take the file's place after the Stat, opening it does not wait for a
	// writer, and the Stat of the open file below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		v.fail(err)
		return
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		v.fail(err)
		return
	}
	if !info.Mode().IsRegular() {
		v.skip(path, info.Mode(), named)
		return
	}
	body, err := io.ReadAll(io.LimitReader(f, v.maxBody+1))
	if err != nil {
		v.fail(fmt.Errorf("%s: %w", path, err))
		return
	}
	v.emit(payload{name: path, body: body, tooLarge: int64(len(body)) > v.maxBody})
}

// skip says that path is not a regular file and is not checked.
func (v *validator) skip(path string, mode fs.FileMode, named bool) {
	what := "not a regular file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		what += " (a named pipe; give - to read standard input)"
	case mode&fs.ModeSocket != 0:
		what += " (a socket)"
	case mode&fs.ModeDevice != 0:
		what += " (a device)"
	case mode.IsDir():
		what += " (a directory)"
	}
	fmt.Fprintf(v.stderr, "smshook validate: %s: skipped, %s\n", printable(path), what)
	if named {
		v.ioFailed = true
	}
}

// statError says what is wrong with a path that Stat refused; for a symbolic link to nothing, that it is one.
func statError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		if target, lerr := os.Readlink(path); lerr == nil {
			return fmt.Errorf("%s: a symbolic link to %s, which does not exist", path, target)
		}
	}
	return err
}

// stream checks the JSON documents of r one by one, so that the output of `smshook samples` can be piped in. A
// single document is named "-", several "-#1", "-#2"…: the verdict on the first waits until the second starts.
// What does not parse is checked as one last document with the rest of the stream.
func (v *validator) stream(ctx context.Context, r io.Reader) {
	s := &docSplitter{r: bufio.NewReaderSize(r, 64<<10), max: v.maxBody}
	var first report
	n := 0
	for ctx.Err() == nil && v.out.err == nil {
		body, tooLarge, err := s.next()
		if errors.Is(err, io.EOF) && n == 0 {
			// Nothing but whitespace: checked, and reported as malformed.
			v.emit(payload{name: "-", body: body})
			return
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			v.fail(fmt.Errorf("stdin: %w", err))
			break
		}
		n++
		r := check(v.profile, v.maxBody, payload{name: "-#" + strconv.Itoa(n), body: body, tooLarge: tooLarge})
		switch n {
		case 1:
			first = r
			continue
		case 2:
			v.print(first)
		}
		v.print(r)
	}
	if n == 1 {
		first.File = "-"
		v.print(first)
	}
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

// payload is one document to check. tooLarge marks one over --max-body, whose bytes past it were not kept.
type payload struct {
	name     string
	body     []byte
	tooLarge bool
}

// check returns the verdict on pl; a payload larger than maxBody is not looked into.
func check(profile validate.Profile, maxBody int64, pl payload) report {
	r := report{File: pl.name, Errors: []finding{}}
	if pl.tooLarge {
		r.Errors = append(r.Errors, finding{Reason: fmt.Sprintf("larger than the limit of %d bytes (--max-body)", maxBody)})
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

// printer prints reports in one of validate's formats, each as it comes; end closes what the format opened.
// The first error writing is kept in err, and nothing is written after it.
type printer struct {
	w      io.Writer
	format string
	n      int // reports printed
	err    error
}

func (p *printer) write(b []byte) {
	if p.err == nil {
		_, p.err = p.w.Write(b)
	}
}

// print prints one report. Every value that comes from a payload or a file name goes through printable (text,
// github) or jsonPrintable (json).
func (p *printer) print(r report) {
	var b bytes.Buffer
	switch p.format {
	case "json":
		doc, err := json.MarshalIndent(r, "  ", "  ")
		if err != nil {
			p.err = err
			return
		}
		if p.n == 0 {
			b.WriteString("[\n  ")
		} else {
			b.WriteString(",\n  ")
		}
		b.Write(jsonPrintable(doc))
	case "github":
		file := ghProperty(printable(r.File))
		for _, v := range r.Errors {
			fmt.Fprintf(&b, "::error file=%s%s,title=%s::%s\n", file, ghPosition(v), ghProperty(printable(pointerText(v.Pointer))), ghData(printable(v.Reason)))
		}
		for _, v := range r.Drift {
			fmt.Fprintf(&b, "::warning file=%s%s,title=%s::%s\n", file, ghPosition(v), ghProperty(printable(pointerText(v.Pointer))), ghData(printable("drift: "+v.Reason)))
		}
	default:
		file, product, event := printable(r.File), printable(r.ProductName), printable(r.Event)
		switch {
		case r.Valid:
			fmt.Fprintf(&b, "%s: ok (%s %s, %d hooks)\n", file, product, event, r.Hooks)
		case r.Dropped != nil:
			fmt.Fprintf(&b, "%s: partial (%s %s, %d hooks; %s dropped)\n", file, product, event, r.Hooks, hookList(r.Dropped))
		default:
			fmt.Fprintf(&b, "%s: invalid\n", file)
		}
		for _, v := range r.Errors {
			if r.malformed {
				v.Line = 0 // the parser's reason says where
			}
			fmt.Fprintf(&b, "  %s%s: %s\n", printable(pointerText(v.Pointer)), textPosition(v), printable(v.Reason))
		}
		for _, v := range r.Drift {
			fmt.Fprintf(&b, "  drift %s%s: %s\n", printable(pointerText(v.Pointer)), textPosition(v), printable(v.Reason))
		}
	}
	p.n++
	p.write(b.Bytes())
}

// end closes the JSON array, "[]" when no report was printed.
func (p *printer) end() {
	if p.format != "json" {
		return
	}
	if p.n == 0 {
		p.write([]byte("[]\n"))
		return
	}
	p.write([]byte("\n]\n"))
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
