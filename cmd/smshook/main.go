// Command smshook works with NHN Cloud SMS webhooks from the command line.
//
//	smshook demo      receive every documented event on loopback and print them typed
//	smshook spec      print the embedded openapi.yaml
//	smshook version   print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/smshook/smshook"
)

const usage = `usage: smshook <command>

commands:
  demo      start a receiver on loopback, send it every documented event, print them typed
  spec      print the embedded openapi.yaml
  version   print the version

example:
  smshook demo
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the exit code: 0 success, 1 failure, 2 usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "demo":
		if err := demo(ctx, stdout); err != nil {
			fmt.Fprintln(stderr, "smshook demo:", err)
			return 1
		}
		return 0
	case "spec":
		_, _ = stdout.Write(smshook.Spec)
		return 0
	case "version":
		fmt.Fprintln(stdout, "smshook", version())
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "smshook: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
