// Command smshook works with NHN Cloud's webhooks of SMS, KakaoTalk Bizmessage and Email from the command
// line: it validates payload files against openapi.yaml (in CI), runs a receiver, and sends documented or
// recorded deliveries to one.
//
// Install it with
//
//	go install github.com/smshook/smshook/cmd/smshook@latest
//
// and run `smshook help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/smshook/smshook"
)

// Exit codes of every command.
const (
	exitOK     = 0 // done; every payload valid; every delivery acknowledged
	exitFailed = 1 // a payload is invalid, or a delivery was not acknowledged
	exitUsage  = 2 // bad arguments, or an I/O error
	// exitPartial: validate --compatible found no invalid payload, but deliveries the receiver accepts only in part:
	// it drops their invalid hooks.
	exitPartial = 3
	// exitSIGINT and exitSIGTERM: validate, send, inbox and the other commands that are not graceful were ended
	// by the signal.
	exitSIGINT  = 130
	exitSIGTERM = 143
)

const usage = `smshook works with NHN Cloud's webhooks of SMS, KakaoTalk Bizmessage and Email.

usage: smshook <command> [flags] [arguments]

commands:
  validate   check payload files against openapi.yaml (exit 0 valid, 1 invalid, 2 usage or I/O error)
  serve      run a receiver that prints one JSON line per delivery
  inbox      show a serve --inbox file's counts and dead letters; retry or drop them
  send       post a documented sample or a file to a receiver, with the secret
  samples    print the documented sample deliveries
  spec       print the embedded openapi.yaml
  demo       start a receiver on loopback, send it every sample, print the typed events
  version    print the version

Run 'smshook <command> -h' for a command's flags and an example.

example:
  smshook samples | smshook validate -
`

// env is what a command may touch of the process: its streams, environment and the signal context.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	run func(ctx context.Context, e env, args []string) int
	// graceful commands end themselves once ctx is done, however long that takes (serve lets requests finish);
	// main ends the others interruptGrace after a signal, even while they wait to read stdin or a pipe.
	graceful bool
}

var commands = map[string]command{
	"validate": {run: runValidate},
	"serve":    {run: runServe, graceful: true},
	"inbox":    {run: runInbox},
	"send":     {run: runSend},
	"samples":  {run: runSamples},
	"spec":     {run: runSpec},
	"demo":     {run: runDemo, graceful: true},
	"version":  {run: runVersion},
}

// interruptGrace is how long a command that is not graceful has, after SIGINT or SIGTERM, to return by itself
// (between two payloads, say) before main exits: a read from a terminal or a pipe cannot be cancelled.
const interruptGrace = 250 * time.Millisecond

func main() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	}()
	select {
	case code := <-done:
		os.Exit(code)
	case sig := <-signals:
		cancel()
		name := "smshook"
		if len(os.Args) > 1 {
			if cmd, ok := commands[os.Args[1]]; ok {
				if cmd.graceful {
					os.Exit(<-done) // later signals stay caught: the shutdown is already under way
				}
				name += " " + os.Args[1]
			}
		}
		select {
		case <-done:
		case <-time.After(interruptGrace):
		}
		fmt.Fprintf(os.Stderr, "%s: interrupted by %s\n", name, signalName(sig))
		os.Exit(signalExit(sig))
	}
}

// signalName names SIGINT and SIGTERM as a shell does.
func signalName(sig os.Signal) string {
	if sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

// signalExit is the exit code of a command ended by sig, as a shell reports a process killed by it: 128 plus
// the signal's number, 130 for SIGINT and 143 for SIGTERM.
func signalExit(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

// run executes one command and returns its exit code.
func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "smshook: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return cmd.run(ctx, e, args[1:])
}

// flagSet is a command's flags with its synopsis, notes and example, for -h.
type flagSet struct {
	*flag.FlagSet
	synopsis, example string
	notes             string          // printed between the flags and the example; optional
	hidden            map[string]bool // older names of flags, parsed but not shown by -h
}

// alias makes old another name of the flag name, for scripts written before it was renamed: it sets the same
// value, and -h does not show it.
func (fs *flagSet) alias(old, name string) {
	fs.Var(fs.Lookup(name).Value, old, "")
	if fs.hidden == nil {
		fs.hidden = map[string]bool{}
	}
	fs.hidden[old] = true
}

// newFlagSet returns the flags of a command. Parse errors go to stderr, followed by the usage.
func newFlagSet(e env, name, synopsis, example string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {} // printed by parse, on the right stream
	return &flagSet{FlagSet: fs, synopsis: synopsis, example: example}
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: smshook %s\n\nflags:\n", fs.synopsis)
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if !fs.hidden[f.Name] {
			shown.Var(f.Value, f.Name, f.Usage)
			shown.Lookup(f.Name).DefValue = f.DefValue // as registered, whatever was parsed before -h
		}
	})
	shown.SetOutput(w)
	shown.PrintDefaults()
	if fs.notes != "" {
		fmt.Fprintf(w, "\n%s", fs.notes)
	}
	fmt.Fprintf(w, "\nexample:\n%s", fs.example)
}

// parse parses flags wherever they stand among the arguments and returns the positional arguments, or the
// exit code to return: 0 after -h (usage on stdout), 2 on a bad flag (error and usage on stderr).
func parse(e env, fs *flagSet, args []string) ([]string, int, bool) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printUsage(e.stdout)
				return nil, exitOK, false
			}
			fs.printUsage(e.stderr)
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, 0, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func runSpec(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "spec", "spec", "  smshook spec > openapi.yaml\n")
	rest, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		fmt.Fprintln(e.stderr, "smshook spec: takes no arguments")
		return exitUsage
	}
	if _, err := e.stdout.Write(smshook.Spec()); err != nil {
		fmt.Fprintln(e.stderr, "smshook spec:", err)
		return exitUsage
	}
	return exitOK
}

func runVersion(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "version", "version", "  smshook version\n")
	if _, code, ok := parse(e, fs, args); !ok {
		return code
	}
	fmt.Fprintln(e.stdout, "smshook", version())
	return exitOK
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
