// Package redisserver starts a redis-server of the caller's own, on a free loopback port and without
// persistence, so that a test or the soak can stop it with SIGSTOP without disturbing anybody else's.
package redisserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/smshook/smshook/internal/syncbuf"
)

// ErrNotInstalled is returned by Start when redis-server is not on the PATH.
var ErrNotInstalled = errors.New("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")

// Server is a running redis-server.
type Server struct {
	cmd  *exec.Cmd
	addr string
	dir  string
	log  *syncbuf.Buffer
}

// Start starts redis-server in a temporary directory and waits until it answers PING; ctx bounds its life.
// The server is killed with the calling process (Pdeathsig), so that a killed test leaves none behind.
func Start(ctx context.Context) (*Server, error) { return StartWith(ctx) }

// StartWith is Start with extra arguments of redis-server ("--requirepass", "pw"). The server is ready when it
// answers PING, with a result or an error such as NOAUTH.
func StartWith(ctx context.Context, extra ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	dir, err := os.MkdirTemp("", "smshook-redis-")
	if err != nil {
		return nil, err
	}
	for attempt := range 3 { // another process may take the free port in between
		port, err := freePort()
		if err != nil {
			break
		}
		s := &Server{addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir, log: &syncbuf.Buffer{}}
		args := append([]string{"--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--save", "",
			"--appendonly", "no", "--dir", dir, "--daemonize", "no"}, extra...)
		s.cmd = exec.CommandContext(ctx, bin, args...)
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := s.cmd.Start(); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		if ping(s.addr, 5*time.Second) {
			return s, nil
		}
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		if attempt == 2 {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("redis-server did not start on %s:\n%s", s.addr, s.log.String())
		}
	}
	_ = os.RemoveAll(dir)
	return nil, errors.New("no free loopback port for redis-server")
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Stop freezes the server with SIGSTOP: connections stay open and commands queue up unanswered.
func (s *Server) Stop() error { return s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume lets a stopped server run the commands that queued up.
func (s *Server) Resume() error { return s.cmd.Process.Signal(syscall.SIGCONT) }

// Close kills the server and removes its directory.
func (s *Server) Close() {
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ping reports whether the Redis at addr answers PING within d.
func ping(addr string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
			var line string
			if _, err = io.WriteString(conn, "PING\r\n"); err == nil {
				line, err = bufio.NewReader(conn).ReadString('\n')
			}
			conn.Close()
			if err == nil && (strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH")) {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
