//go:build !unix

package main

// nofileLimit returns 0, unknown: the side listeners keep their caps.
func nofileLimit() uint64 { return 0 }
