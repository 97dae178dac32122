package inspect

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawGet sends a GET of path on a new connection to the page and returns the answer's status line and headers,
// and whether the server closed the connection after it within a second.
func rawGet(t *testing.T, f *fixture, path string) (*http.Response, bool) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.page.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Second)))
	_, err = br.ReadByte()
	return resp, err == io.EOF
}

// TestRefusedRequestsCloseTheirConnection checks that a request the guard refuses, an event stream without
// the token among them, is answered and its connection closed, so that refused clients hold no descriptor.
func TestRefusedRequestsCloseTheirConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{Token: "a-token-of-the-inspector"})
	for _, path := range []string{"/events", "/"} {
		resp, closed := rawGet(t, f, path)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
		assert.True(t, closed, "%s: the refused connection stayed open", path)
	}
	resp, closed := rawGet(t, f, "/assets/style.css")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.False(t, closed, "an accepted request keeps its connection alive")
}

// TestEventStreamsAreCapped opens MaxStreams streams: the next one is answered 503 with Retry-After and its
// connection closed; once one stream ends, a new one is served.
func TestEventStreamsAreCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	var streams []*http.Response
	for range MaxStreams {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.page.URL+"/events", nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		streams = append(streams, resp)
	}
	require.Eventually(t, func() bool { return f.in.events.count() == MaxStreams }, 5*time.Second, 5*time.Millisecond)
	resp, closed := rawGet(t, f, "/events")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.True(t, closed, "the refused stream's connection stayed open")

	streams[0].Body.Close()
	require.Eventually(t, func() bool { return f.in.events.count() == MaxStreams-1 }, 5*time.Second, 5*time.Millisecond)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.page.URL+"/events", nil)
	require.NoError(t, err)
	again, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, again.StatusCode, "a stream is served once another ended")
	again.Body.Close()
	for _, s := range streams[1:] {
		s.Body.Close()
	}
}

// TestStalledStreamIsCutAtItsWriteDeadline opens an event stream that never reads and sends it more than the
// sockets hold: the stream's write times out and the server closes the connection, instead of a goroutine and
// a descriptor held for as long as the reader stays.
func TestStalledStreamIsCutAtItsWriteDeadline(t *testing.T) {
	t.Parallel()
	in := New(Options{})
	t.Cleanup(in.Close)
	closed := make(chan struct{})
	srv := httptest.NewUnstartedServer(in.Handler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			close(closed)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(4096))
	_, err = io.WriteString(conn, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return in.events.count() == 1 }, 5*time.Second, 5*time.Millisecond)
	start := time.Now()
	big := strings.Repeat("x", 1<<20)
	for i := range clientBuffer {
		in.events.publish(sseEvent{id: uint64(i + 1), name: "request", data: big})
	}
	select {
	case <-closed:
		t.Logf("a stalled stream was closed %v after the first write", time.Since(start).Round(time.Millisecond))
	case <-time.After(streamWriteTimeout + 10*time.Second):
		t.Fatalf("a stream whose reader stalled was not closed within %v", streamWriteTimeout+10*time.Second)
	}
}
