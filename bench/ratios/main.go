// Command ratios reads `go test -bench` output of package bench on stdin and prints the ratios the project
// tracks, from the median ns/op of each benchmark over the runs, for the MESSAGE_RESULT_UPDATE payloads (the
// event a bulk send produces by the million):
//
//	ratio smshook/floor hooks=1: X
//	ratio stock/smshook hooks=100: X
//	…
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
)

var line = regexp.MustCompile(`^BenchmarkReceive/event=MESSAGE_RESULT_UPDATE/hooks=(\d+)/impl=(\w+)-\d+\s+\d+\s+([\d.]+) ns/op`)

func main() {
	samples := map[string][]float64{} // "impl hooks" → ns/op
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[3], 64)
		key := m[2] + " " + m[1]
		samples[key] = append(samples[key], ns)
	}
	median := func(impl, hooks string) (float64, bool) {
		s := samples[impl+" "+hooks]
		if len(s) == 0 {
			return 0, false
		}
		slices.Sort(s)
		if n := len(s); n%2 == 0 {
			return (s[n/2-1] + s[n/2]) / 2, true
		}
		return s[len(s)/2], true
	}
	missing := false
	for _, r := range [][2]string{{"smshook", "floor"}, {"stock", "smshook"}, {"smshook", "ogen"}} {
		for _, hooks := range []string{"1", "100"} {
			a, okA := median(r[0], hooks)
			b, okB := median(r[1], hooks)
			if !okA || !okB {
				fmt.Printf("ratio %s/%s hooks=%s: missing\n", r[0], r[1], hooks)
				missing = true
				continue
			}
			fmt.Printf("ratio %s/%s hooks=%s: %.2f\n", r[0], r[1], hooks, a/b)
		}
	}
	if missing {
		os.Exit(1)
	}
}
