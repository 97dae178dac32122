//go:build !unix

package bench

// cpuTime is not measured here: the benchmarks report ns/op alone.
func cpuTime() (int64, bool) { return 0, false }
