package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// errNoRedis is returned by startRedis when redis-server is not installed.
var errNoRedis = errors.New("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")

// redisServer is a redis-server of the soak's own, on a free loopback port, without persistence, so that the
// soak can stop it with SIGSTOP without disturbing anybody else's.
type redisServer struct {
	cmd  *exec.Cmd
	addr string
	dir  string
	log  *lockedBuffer
}

// startRedis starts redis-server in a temporary directory and waits until it answers PING; ctx bounds its
// life.
func startRedis(ctx context.Context) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errNoRedis
	}
	dir, err := os.MkdirTemp("", "smshook-soak-redis-")
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 3; attempt++ { // another process may take the free port in between
		port, err := freePort()
		if err != nil {
			break
		}
		r := &redisServer{addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir, log: &lockedBuffer{}}
		r.cmd = exec.CommandContext(ctx, bin, "--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--save", "",
			"--appendonly", "no", "--dir", dir, "--daemonize", "no")
		r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
		if err := r.cmd.Start(); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		if ping(r.addr, 5*time.Second) {
			return r, nil
		}
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		if attempt == 2 {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("redis-server did not start on %s:\n%s", r.addr, r.log.String())
		}
	}
	_ = os.RemoveAll(dir)
	return nil, errors.New("no free loopback port for redis-server")
}

func (r *redisServer) url() string { return "redis://" + r.addr + "/0" }

// stop freezes the server: connections stay open and commands queue up unanswered.
func (r *redisServer) stop() error { return r.cmd.Process.Signal(syscall.SIGSTOP) }

// resume lets a stopped server run the commands that queued up.
func (r *redisServer) resume() error { return r.cmd.Process.Signal(syscall.SIGCONT) }

func (r *redisServer) close() {
	_ = r.cmd.Process.Signal(syscall.SIGCONT)
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	_ = os.RemoveAll(r.dir)
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
			if err == nil && strings.HasPrefix(line, "+PONG") {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// lockedBuffer collects a child's output, written by os/exec's copying goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
