package main_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// silentPostgres returns the URL of a listener that accepts connections and never answers, as a stalled
// Postgres does.
func silentPostgres(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = ln.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return "postgres://smshook:pw@" + ln.Addr().String() + "/inbox?sslmode=disable"
}

// TestCommandsEndOnSignals: validate, send and inbox, each blocked where no context reaches (reading stdin,
// opening a named pipe without a writer, waiting for a database), end within a second of SIGINT or SIGTERM,
// exiting 130 or 143 and saying why.
func TestCommandsEndOnSignals(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "payload.json")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	pg := silentPostgres(t)
	blocked := []struct {
		name string
		args []string
	}{
		{"validate reading stdin", []string{"validate", "-"}},
		{"validate reading stdin after a document", []string{"validate", "--format", "json", "-"}},
		{"send reading stdin", []string{"send", "--url", "http://127.0.0.1:1/", "--file", "-"}},
		{"send opening a named pipe", []string{"send", "--url", "http://127.0.0.1:1/", "--file", fifo}},
		{"inbox waiting for Postgres", []string{"inbox", pg}},
	}
	for _, tc := range blocked {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(fmt.Sprintf("%s %v", tc.name, sig), func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
				defer cancel()
				cmd := exec.CommandContext(ctx, binary, tc.args...)
				cmd.Env = environ(nil)
				stdin, err := cmd.StdinPipe() // left open: a read waits
				require.NoError(t, err)
				defer stdin.Close()
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				require.NoError(t, cmd.Start())
				if tc.args[1] == "--format" {
					_, err = stdin.Write([]byte("{}\n{}\n"))
					require.NoError(t, err)
				}
				waitBlocked(t, cmd.Process.Pid)
				start := time.Now()
				require.NoError(t, cmd.Process.Signal(sig))
				_ = cmd.Wait()
				took := time.Since(start)
				want := map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143}[sig]
				assert.Equal(t, want, cmd.ProcessState.ExitCode(), "stderr: %s", stderr.String())
				assert.Less(t, took, time.Second, "time from the signal to the exit")
				name := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[sig]
				assert.Contains(t, stderr.String(), "smshook "+tc.args[0]+": interrupted by "+name+"\n")
				assertNoCrash(t, stderr.String())
				assert.NotContains(t, stderr.String(), ":pw@", "the URL's password")
				t.Logf("exited %v after the signal", took.Round(time.Millisecond))
			})
		}
	}
}

// waitBlocked waits until the process pid sleeps in the kernel (state S: a read or an open that waits) after
// its start, so that the signal finds it blocked rather than starting.
func waitBlocked(tb testing.TB, pid int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	asleep := 0
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		require.NoError(tb, err)
		// pid (comm) S …: the state follows the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i > 0 && i+2 < len(stat) && stat[i+2] == 'S' {
			asleep++
			if asleep == 5 { // several reads apart: not a pause between two steps of its start
				return
			}
		} else {
			asleep = 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("process %d never waited", pid)
}
