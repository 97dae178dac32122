package inspect

import (
	"bufio"
	"io"
	"net"
	"net/http"
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
