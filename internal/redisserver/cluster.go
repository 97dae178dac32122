package redisserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Cluster is a Redis Cluster of masters without replicas, each a Server of its own.
type Cluster struct {
	// Masters are the cluster's servers; each holds an equal share of the 16,384 slots.
	Masters []*Server
}

// StartCluster starts n (at least 3) redis-servers with cluster-enabled, joins them into one cluster with
// redis-cli --cluster create, and waits until every node reports cluster_state:ok; ctx bounds their lives.
// The cluster keeps serving the slots of its running masters while one is stopped
// (cluster-require-full-coverage no), so that a test sees the failure of that master's keys alone. It
// returns ErrNotInstalled when redis-server or redis-cli is not on the PATH.
func StartCluster(ctx context.Context, n int) (*Cluster, error) {
	if n < 3 {
		return nil, errors.New("a Redis Cluster needs at least 3 masters")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, ErrNotInstalled
	}
	c := &Cluster{}
	for range n {
		var s *Server
		for attempt := 0; ; attempt++ {
			// The bus port is chosen too: the default, the port plus 10,000, is past 65,535 for a third of the
			// ephemeral ports.
			bus, err := freePort()
			if err == nil {
				s, err = StartWith(ctx, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
					"--cluster-port", strconv.Itoa(bus), "--cluster-node-timeout", "5000",
					"--cluster-require-full-coverage", "no")
			}
			if err == nil {
				break
			}
			if attempt == 2 { // another process took the bus port each time
				c.Close()
				return nil, err
			}
		}
		c.Masters = append(c.Masters, s)
	}
	args := []string{"--cluster", "create"}
	for _, s := range c.Masters {
		args = append(args, s.addr)
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(cctx, cli, args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range c.Masters {
		for {
			info, err := call(s.addr, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				return nil, fmt.Errorf("the cluster did not become ok on %s: %v %s", s.addr, err, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return c, nil
}

// URL is the cluster's URL for go-redis's ParseClusterURL: its first master, the others as addr parameters.
func (c *Cluster) URL() string {
	u := "redis://" + c.Masters[0].addr
	for i, s := range c.Masters[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + s.addr
	}
	return u
}

// Close kills every master and removes their directories.
func (c *Cluster) Close() {
	for _, s := range c.Masters {
		s.Close()
	}
}

// call sends one command to the Redis at addr and returns its reply: a status, an integer or a bulk string.
func call(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		size, err := strconv.Atoi(line[1:])
		if err != nil || size < 0 {
			return "", fmt.Errorf("unexpected reply %q", line)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:size]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
