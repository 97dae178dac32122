//go:build unix

package bench

import "syscall"

// cpuTime is the CPU time the process has used, user and system, in nanoseconds: beside ns/op, the time a
// contender costs the machine, which other processes on the same cores move much less than the wall clock.
func cpuTime() (int64, bool) {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0, false
	}
	return u.Utime.Nano() + u.Stime.Nano(), true
}
