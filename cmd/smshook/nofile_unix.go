//go:build unix

package main

import "syscall"

// nofileLimit returns the process's limit of open descriptors (RLIMIT_NOFILE, which Go raises to its hard
// limit at start), or 0 when it cannot be read.
func nofileLimit() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	return l.Cur
}
