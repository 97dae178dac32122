package main

import (
	"strings"
	"testing"
)

const run = `goos: linux
BenchmarkReceive/event=MESSAGE_RESULT_UPDATE/hooks=1/impl=floor-2         	  161938	     20000 ns/op	  35.06 MB/s	    1280 B/op	      39 allocs/op
BenchmarkReceive/event=MESSAGE_RESULT_UPDATE/hooks=1/impl=floor-2         	  161938	     10000 ns/op	  35.06 MB/s	    1280 B/op	      39 allocs/op
BenchmarkReceive/event=MESSAGE_RESULT_UPDATE/hooks=1/impl=floor-2         	  161938	     12000 ns/op	  35.06 MB/s	    10000 cpu-ns/op	    1280 B/op	      39 allocs/op
BenchmarkReceive/event=MESSAGE_RESULT_UPDATE/hooks=1/impl=smshook-2       	  123736	     15000 ns/op	  30.08 MB/s	    9000 cpu-ns/op	    3463 B/op	      39 allocs/op
BenchmarkReceive/event=MESSAGE_RESULT_UPDATE/hooks=1000/impl=smshook-2    	     133	  12345678 ns/op	  29.63 MB/s	 1463212 B/op	   20771 allocs/op
BenchmarkReceive/event=TEMPLATE_STATUS_UPDATE/hooks=1/impl=smshook-2       	  123736	     99999 ns/op	  30.08 MB/s	    3463 B/op	      39 allocs/op
`

// TestReportAndTable: ratios of medians, "missing" for a pair not measured, and a table of the medians with
// every row and size, rewritten between the markers only.
func TestReportAndTable(t *testing.T) {
	s := read(strings.NewReader(run))
	report, missing := s.report()
	if !missing {
		t.Error("pairs without benchmarks were not reported missing")
	}
	if !strings.Contains(report, "ratio smshook/floor hooks=1: 1.25\n") {
		t.Errorf("the median ratio is not 15000/12000:\n%s", report)
	}
	if !strings.Contains(report, "cpu ratio smshook/floor hooks=1: 0.90\n") {
		t.Errorf("the CPU ratio is not 9000/10000:\n%s", report)
	}
	if strings.Contains(report, "cpu ratio smshook/ogen") {
		t.Errorf("a CPU ratio that was not measured is reported:\n%s", report)
	}
	if !strings.Contains(report, "ratio smshook/ogen hooks=100: missing\n") {
		t.Errorf("no missing line:\n%s", report)
	}
	table := s.table()
	if !strings.Contains(table, "| **smshook** | 15 000 | – | – | 12 345 678 | 1 463 212 | 20 771 |\n") {
		t.Errorf("smshook's row:\n%s", table)
	}
	if got := strings.Count(table, "\n"); got != 2+len(rows) {
		t.Errorf("%d lines, want a header, a rule and %d rows", got, len(rows))
	}
	doc := "# Title\n\ntext\n" + beginMarker + "\nold\n" + endMarker + "\nafter\n"
	out, err := rewrite([]byte(doc), table, report)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\ntext\n" + beginMarker + "\n" + table + "\n```text\n" + report + "```\n" + endMarker + "\nafter\n"
	if string(out) != want {
		t.Errorf("rewritten:\n%s", out)
	}
	if _, err := rewrite([]byte("no markers"), table, report); err == nil {
		t.Error("a document without the markers was rewritten")
	}
}
