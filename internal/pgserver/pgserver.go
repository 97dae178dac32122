// Package pgserver starts a PostgreSQL server of the caller's own, from Debian's binaries, in a temporary
// directory and on a free loopback port, so that a test or the soak can freeze it (SIGSTOP) or crash it
// (SIGKILL) without disturbing anybody else's. Unlike redisserver's, this server keeps fsync on: it is used
// to test durability.
package pgserver

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to wait for the server and create the database
	"github.com/smshook/smshook/internal/syncbuf"
)

// ErrNotInstalled is returned by Start when Debian's PostgreSQL server binaries are not installed.
var ErrNotInstalled = errors.New("postgres is not installed (apt-get install postgresql; .ci/run installs it)")

// EnvURL names the variable that, when set, points URL at an existing server instead of a private one.
// scripts/with-postgres sets it.
const EnvURL = "SMSHOOK_POSTGRES_URL"

// Database is the database Start creates for the caller.
const Database = "smshook"

// readyTimeout bounds how long Start waits for a freshly started postmaster to accept connections.
const readyTimeout = 15 * time.Second

// Server is a running PostgreSQL server: its postmaster and the backends and helpers it forks.
type Server struct {
	bindir string
	cred   *syscall.Credential // whom to run as; nil for the current user
	dir    string              // the temporary directory: data/ and the Unix socket
	port   int
	log    *syncbuf.Buffer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has exited and been waited for
}

// URL returns the URL of an existing server when $SMSHOOK_POSTGRES_URL is set, with a cleanup that does nothing;
// otherwise it starts a private server (see Start) and cleanup closes it. cleanup is never nil.
func URL(ctx context.Context) (url string, cleanup func(), err error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, func() {}, nil
	}
	s, err := Start(ctx)
	if err != nil {
		return "", func() {}, err
	}
	return s.URL(), s.Close, nil
}

// Start initialises a cluster in a temporary directory, starts postgres on a free loopback port, waits until it
// accepts connections and creates the database smshook; ctx bounds the server's life. PostgreSQL refuses to run
// as root, so under root the server runs as the postgres system user. The postmaster is killed with the calling
// process (Pdeathsig), and its backends follow it, so a killed test leaves none behind.
func Start(ctx context.Context) (*Server, error) {
	bindir, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "smshook-postgres-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	s := &Server{bindir: bindir, cred: cred, dir: dir, log: &syncbuf.Buffer{}}
	// --no-sync only skips initdb's own fsyncs of the fresh cluster; the server itself keeps fsync on.
	initdb := s.command(ctx, "initdb", "-D", s.dataDir(), "-U", "postgres", "-A", "trust", "--no-sync",
		"-E", "UTF8", "--locale=C")
	if err := initdb.Run(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, s.log.String())
	}
	for attempt := range 3 { // another process may take the free port in between
		if s.port, err = freePort(); err != nil {
			break
		}
		if err = s.start(ctx); err == nil {
			err = s.ready(ctx)
		}
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil || attempt == 2 {
			s.Close()
			return nil, fmt.Errorf("postgres did not start on 127.0.0.1:%d: %w\n%s", s.port, err, s.log.String())
		}
		_ = s.Kill() // and try the same cluster on another port
	}
	s.Close()
	return nil, fmt.Errorf("no free loopback port for postgres: %w", err)
}

// URL is the URL of the database smshook, as the superuser postgres (trust authentication, no TLS).
func (s *Server) URL() string { return s.url(Database) }

// Stop freezes the postmaster and all its processes (backends, checkpointer, WAL writer, ...) with SIGSTOP:
// connections stay open, queries go unanswered and new connections wait.
func (s *Server) Stop() error { return s.signal(syscall.SIGSTOP) }

// Resume lets a stopped server answer what queued up.
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

// Kill crashes the server: SIGKILL to the postmaster and all its processes at once, and waits for the
// postmaster to exit. Committed transactions survive it and Restart recovers them. (The kernel keeps what the
// server wrote but had not yet fsynced, so this is a crash of the server, not of the machine.)
func (s *Server) Kill() error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil // already exited
	default:
	}
	err := signalTree(cmd.Process.Pid, syscall.SIGKILL)
	<-done
	return err
}

// Restart starts postgres again on the same directory and port after Kill (or a crash) and waits until it
// accepts connections, having replayed its write-ahead log; ctx bounds the new server's life.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	select {
	case <-done:
	default:
		return errors.New("postgres is still running: Kill it first")
	}
	if err := s.start(ctx); err != nil {
		return err
	}
	if err := s.waitReady(ctx); err != nil {
		return fmt.Errorf("postgres did not restart on 127.0.0.1:%d: %w\n%s", s.port, err, s.log.String())
	}
	return nil
}

// Log returns what initdb and postgres have written so far.
func (s *Server) Log() string { return s.log.String() }

// Close shuts the server down and removes its directory. It is safe after Kill, and more than once.
// A running server gets an immediate shutdown (SIGQUIT), which ends its backends and frees its SysV shared
// memory; only when that takes over 5 s is the server killed.
func (s *Server) Close() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd != nil {
		select {
		case <-done:
		default:
			_ = s.signal(syscall.SIGCONT)
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = s.Kill()
			}
		}
	}
	s.removeSharedMemory()
	_ = os.RemoveAll(s.dir)
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

func (s *Server) url(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, database)
}

// command returns the PostgreSQL program name from bindir, run as s.cred in s.dir and writing to s.log.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bindir, name), args...)
	cmd.Dir = s.dir // postgres must be able to read its working directory, which the caller's may not be
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// start starts the postmaster; canceling ctx kills it and its children.
func (s *Server) start(ctx context.Context) error {
	cmd := s.command(ctx, "postgres", "-D", s.dataDir(), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200",
		// Dynamic shared memory in files under data/ rather than /dev/shm, where a killed server would leave it.
		"-c", "dynamic_shared_memory_type=mmap")
	cmd.Cancel = func() error { return signalTree(cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// ready waits until the server accepts connections, then creates the database smshook.
func (s *Server) ready(ctx context.Context) error {
	if err := s.waitReady(ctx); err != nil {
		return err
	}
	db, err := sql.Open("pgx", s.url("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	cctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	_, err = db.ExecContext(cctx, "CREATE DATABASE "+Database)
	return err
}

// waitReady pings the server's postgres database until it answers, the postmaster exits, or readyTimeout passes.
func (s *Server) waitReady(ctx context.Context) error {
	db, err := sql.Open("pgx", s.url("postgres")+"&connect_timeout=1")
	if err != nil {
		return err
	}
	defer db.Close()
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	deadline := time.Now().Add(readyTimeout)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err = db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return errors.New("postgres exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting connections after %s: %w", readyTimeout, err)
		}
	}
}

// signal sends sig to the postmaster and to every process descending from it.
func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("postgres is not running")
	}
	select {
	case <-done:
		return errors.New("postgres is not running")
	default:
	}
	return signalTree(cmd.Process.Pid, sig)
}

// signalTree sends sig to the process pid and to its descendants. A process group would not reach them: every
// backend and auxiliary process of PostgreSQL calls setsid() and leads a group of its own. So pid is first
// frozen, and seen to be, so that it forks nothing the walk of /proc then misses; it gets sig last (or stays
// stopped, for SIGSTOP), so that its children are not handed to init before they are reached. For SIGSTOP it
// returns once they have all stopped: a signal is delivered asynchronously.
func signalTree(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return err
	}
	waitStopped([]int{pid})
	children := descendants(pid)
	for _, child := range children {
		_ = syscall.Kill(child, sig)
	}
	if sig == syscall.SIGSTOP {
		waitStopped(children)
		return nil
	}
	return syscall.Kill(pid, sig)
}

// waitStopped waits, up to a second, until none of pids runs: each is stopped, a zombie or gone.
func waitStopped(pids []int) {
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		running := false
		for _, pid := range pids {
			if st := procState(pid); st != 'T' && st != 't' && st != 'Z' && st != 0 {
				running = true
				break
			}
		}
		if !running {
			return
		}
	}
}

// descendants returns the processes descending from pid, read from /proc: children before grandchildren.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid := procPPID(p); ppid > 0 {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// procStat returns the fields of /proc/PID/stat after the command name (which may hold spaces and
// parentheses): the state first, then the parent's pid.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// procState returns the state letter of process pid (R, S, T, Z, ...), or 0 when there is no such process.
func procState(pid int) byte {
	if f := procStat(pid); len(f) > 0 && f[0] != "" {
		return f[0][0]
	}
	return 0
}

// procPPID returns the parent of process pid, or 0.
func procPPID(pid int) int {
	if f := procStat(pid); len(f) > 1 {
		ppid, _ := strconv.Atoi(f[1])
		return ppid
	}
	return 0
}

// removeSharedMemory removes the small SysV shared memory segment a killed postmaster leaves behind (a clean
// shutdown removes it and its postmaster.pid). postmaster.pid's seventh line holds the segment's key and id.
func (s *Server) removeSharedMemory() {
	f, err := os.Open(filepath.Join(s.dataDir(), "postmaster.pid"))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line != 7 {
			continue
		}
		if fields := strings.Fields(sc.Text()); len(fields) == 2 {
			if id, err := strconv.Atoi(fields[1]); err == nil && id >= 0 {
				const ipcRMID = 0
				_, _, _ = syscall.Syscall(syscall.SYS_SHMCTL, uintptr(id), ipcRMID, 0)
			}
		}
		return
	}
}

// binDir finds the directory of Debian's postgres and initdb: pg_config's, or else the newest
// /usr/lib/postgresql/VERSION/bin. pg_config alone is not enough: it may belong to the client packages only.
func binDir() (string, error) {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(bin string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(bin)), 64)
		return v
	}
	slices.SortFunc(versions, func(a, b string) int { return cmp.Compare(version(b), version(a)) })
	for _, d := range append(dirs, versions...) {
		if executable(filepath.Join(d, "postgres")) && executable(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// credential returns whom to run PostgreSQL as: nil (the current user) unless that is root, which PostgreSQL
// refuses to run as; then the postgres system user, with no supplementary groups.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres refuses to run as root and there is no postgres user to run it as: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// CreateDatabase creates the database name on the server of serverURL and returns its URL (serverURL with the
// database replaced) and a drop that removes it, ending its connections.
func CreateDatabase(ctx context.Context, serverURL, name string) (string, func() error, error) {
	u, err := neturl.Parse(serverURL)
	if err != nil {
		return "", nil, err
	}
	run := func(ctx context.Context, query string) error {
		db, err := sql.Open("pgx", serverURL)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, query)
		return err
	}
	quoted := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	if err := run(ctx, `CREATE DATABASE `+quoted); err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() error {
		return run(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+quoted+` WITH (FORCE)`)
	}
	return u.String(), drop, nil
}
