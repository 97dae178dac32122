// Command ratios reads `go test -bench` output of package bench on stdin and prints the ratios the project
// tracks, from the median ns/op of each benchmark over the runs, for the MESSAGE_RESULT_UPDATE payloads (the
// event a bulk send produces by the million):
//
//	ratio smshook/floor hooks=1: X
//	ratio stock/smshook hooks=100: X
//	…
//
// With -doc FILE it also rewrites, in FILE, the table and the ratios between the lines
// "<!-- bench-peers:begin -->" and "<!-- bench-peers:end -->" with the medians of this run, so that the
// published figures come from one run and are never typed by hand.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^BenchmarkReceive/event=MESSAGE_RESULT_UPDATE/hooks=(\d+)/impl=(\w+)-\d+\s+\d+\s+(.*)`)

// units are the metrics read from a line, in the order of samples' arrays: the wall clock, the bytes and the
// allocations, and the process's CPU time (which other processes on the same cores move less).
var units = [...]string{"ns/op", "B/op", "allocs/op", "cpu-ns/op"}

const (
	nsOp = iota
	bytesOp
	allocsOp
	cpuOp
)

var hookCounts = []string{"1", "10", "100", "1000"}

// ratios are the tracked pairs, a/b.
var ratios = [][2]string{{"smshook", "floor"}, {"stock", "smshook"}, {"smshook", "ogen"}}

// rows are the table's contenders, in its order, with the names it shows.
var rows = [][2]string{
	{"floor", "floor (`encoding/json`, no checks)"},
	{"smshook", "**smshook**"},
	{"ogen", "ogen (whole `openapi.yaml`)"},
	{"stock", "stock (oapi-codegen strict server + nethttp-middleware, validated value kept)"},
	{"libopenapi", "libopenapi-validator + strict server"},
}

const (
	beginMarker = "<!-- bench-peers:begin -->"
	endMarker   = "<!-- bench-peers:end -->"
)

// samples holds, per "impl hooks", every run's value of each of units.
type samples map[string][len(units)][]float64

func (s samples) median(impl, hooks string, metric int) (float64, bool) {
	v := slices.Clone(s[impl+" "+hooks][metric])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2, true
	}
	return v[len(v)/2], true
}

func read(r io.Reader) samples {
	s := samples{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		key := m[2] + " " + m[1]
		v := s[key]
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			if u := slices.Index(units[:], fields[i+1]); u >= 0 {
				f, _ := strconv.ParseFloat(fields[i], 64)
				v[u] = append(v[u], f)
			}
		}
		s[key] = v
	}
	return s
}

// report is the ratio lines, of ns/op, then of cpu-ns/op where the run has it; missing says that a pair lacked
// a benchmark.
func (s samples) report() (text string, missing bool) {
	var b strings.Builder
	for _, metric := range []int{nsOp, cpuOp} {
		name := "ratio"
		if metric == cpuOp {
			name = "cpu ratio"
		}
		for _, r := range ratios {
			for _, hooks := range hookCounts {
				a, okA := s.median(r[0], hooks, metric)
				d, okB := s.median(r[1], hooks, metric)
				switch {
				case okA && okB:
					fmt.Fprintf(&b, "%s %s/%s hooks=%s: %.2f\n", name, r[0], r[1], hooks, a/d)
				case metric == nsOp:
					fmt.Fprintf(&b, "ratio %s/%s hooks=%s: missing\n", r[0], r[1], hooks)
					missing = true
				}
			}
		}
	}
	return b.String(), missing
}

// table is the Markdown table of the medians: ns/op at each size, then the bytes and allocations of a
// 1000-hook delivery.
func (s samples) table() string {
	var b strings.Builder
	b.WriteString("| impl | 1 hook ns/op | 10 hooks ns/op | 100 hooks ns/op | 1000 hooks ns/op | B/op at 1000 | allocs at 1000 |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, row := range rows {
		b.WriteString("| " + row[1])
		for _, hooks := range hookCounts {
			b.WriteString(" | " + number(s.median(row[0], hooks, nsOp)))
		}
		b.WriteString(" | " + number(s.median(row[0], "1000", bytesOp)))
		b.WriteString(" | " + number(s.median(row[0], "1000", allocsOp)))
		b.WriteString(" |\n")
	}
	return b.String()
}

// number writes f rounded, its thousands apart by a space as the docs write them; "–" when it was not measured.
func number(f float64, ok bool) string {
	if !ok {
		return "–"
	}
	digits := strconv.FormatFloat(f, 'f', 0, 64)
	var out []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[i])
	}
	return string(out)
}

// rewrite replaces what lies between the markers of doc with the table and the ratios.
func rewrite(doc []byte, table, report string) ([]byte, error) {
	begin := bytes.Index(doc, []byte(beginMarker))
	end := bytes.Index(doc, []byte(endMarker))
	if begin < 0 || end < begin {
		return nil, errors.New("no " + beginMarker + " … " + endMarker + " section")
	}
	var b bytes.Buffer
	b.Write(doc[:begin+len(beginMarker)])
	b.WriteString("\n" + table + "\n```text\n" + report + "```\n")
	b.Write(doc[end:])
	return b.Bytes(), nil
}

func main() {
	docPath := flag.String("doc", "", "a Markdown file whose bench-peers section is rewritten with this run's figures")
	flag.Parse()
	s := read(os.Stdin)
	report, missing := s.report()
	fmt.Print(report)
	if missing {
		os.Exit(1)
	}
	if *docPath == "" {
		return
	}
	doc, err := os.ReadFile(*docPath)
	if err == nil {
		doc, err = rewrite(doc, s.table(), report)
	}
	if err == nil {
		err = os.WriteFile(*docPath, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", *docPath+":", err)
		os.Exit(1)
	}
	fmt.Println("ratios: wrote the table of", *docPath)
}
