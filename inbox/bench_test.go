package inbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/sender"
	"github.com/smshook/smshook/smshooktest"
)

// The benchmarks insert one job per 10-hook delivery from 16 goroutines (b.SetParallelism(8) on 2 cores)
// and report deliveries/s and the latency of one insert (p50, p99, max). Run them with
//
//	go test -run '^$' -bench . -benchtime 5s ./inbox

// BenchmarkRiverSQLite is River alone, as the naive use would be: one client.Insert per delivery with the
// delivery in the job's arguments, in a WAL file on one connection. args=small puts a 3-byte value in the
// arguments instead; group gathers the concurrent inserts into one InsertMany, as the inbox does.
func BenchmarkRiverSQLite(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, c := range []struct {
			name  string
			small bool
			group bool
		}{{"insert/args=envelope", false, false}, {"insert/args=small", true, false},
			{"group/args=envelope", false, true}, {"group/args=small", true, true}} {
			b.Run("synchronous="+sync+"/"+c.name, func(b *testing.B) {
				client := openRiver(b, sync)
				body := tenHookBody(b)
				if c.small {
					body = []byte(`"x"`)
				}
				insert := func() error {
					_, err := client.Insert(context.Background(), rawArgs{Envelope: body}, nil)
					return err
				}
				if c.group {
					insert = groupInserter(b, client, body)
				}
				measure(b, insert)
			})
		}
	}
}

// BenchmarkInboxReceive is the inbox's whole receiving path: 10-hook deliveries with the secret, each with new
// hookIds, through the Receiver's ServeHTTP: secret, validation, the claim, the job with its delivery and
// the hookIds' marks, the commit; every answer 200.
func BenchmarkInboxReceive(b *testing.B) {
	for _, relaxed := range []bool{false, true} {
		name := "synchronous=FULL"
		if relaxed {
			name = "synchronous=NORMAL"
		}
		b.Run(name, func(b *testing.B) {
			ib, err := Open(context.Background(), filepath.Join(b.TempDir(), "inbox.db"),
				Config{Logger: quietLogger(b), RelaxedSync: relaxed})
			if err != nil {
				b.Fatal(err)
			}
			defer ib.Close()
			h, err := ib.Receiver(smshook.WithSecrets(secret))
			if err != nil {
				b.Fatal(err)
			}
			measure(b, func() error {
				body, err := json.Marshal(tenHooks())
				if err != nil {
					return err
				}
				r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				r.Header.Set("Content-Type", sender.ContentType)
				r.Header.Set(smshook.SignatureHeader, secret)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("answered %d: %s", w.Code, w.Body)
				}
				return nil
			})
		})
	}
}

// BenchmarkInboxDrain is the workers' side: b.N stored 10-hook deliveries handed to an application that
// returns at once, with the default 50 workers; it reports deliveries/s.
func BenchmarkInboxDrain(b *testing.B) {
	ib, err := Open(context.Background(), filepath.Join(b.TempDir(), "inbox.db"), Config{Logger: quietLogger(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer ib.Close()
	for range b.N {
		if err := ib.receive(context.Background(), tenHooks()); err != nil {
			b.Fatal(err)
		}
	}
	var mu sync.Mutex
	left, done := b.N, make(chan struct{})
	app := smshook.Handler{SMSMessageResultUpdate: func(context.Context, *api.SMSMessageResultUpdateEnvelope) error {
		mu.Lock()
		defer mu.Unlock()
		if left--; left == 0 {
			close(done)
		}
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	b.ResetTimer()
	go func() { ran <- ib.Run(ctx, app) }()
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		b.Fatal("not drained")
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	cancel()
	if err := <-ran; err != nil {
		b.Fatal(err)
	}
	res, err := ib.river.JobList(context.Background(), river.NewJobListParams().Kinds(kind).States(rivertype.JobStateAvailable))
	if err != nil || len(res.Jobs) > 0 {
		b.Fatalf("jobs left: %v %v", err, res)
	}
}

// measure runs insert b.N times from 16 goroutines and reports deliveries/s and its latency.
func measure(b *testing.B, insert func() error) {
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := insert(); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(0, "ns/op") // the rate and the latencies say it better
}

type rawArgs struct {
	Envelope json.RawMessage `json:"envelope"`
}

func (rawArgs) Kind() string { return "bench_raw" }

// openRiver opens an insert-only River client on a new WAL file with the given synchronous setting.
func openRiver(b *testing.B, sync string) *river.Client[*sql.Tx] {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "river.db")+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous("+sync+")&_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Migrate(context.Background(), rivermigrate.DirectionUp, nil); err != nil {
		b.Fatal(err)
	}
	client, err := river.NewClient(driver, &river.Config{})
	if err != nil {
		b.Fatal(err)
	}
	return client
}

// groupInserter returns an insert that waits for one InsertMany of every insert waiting at that moment.
func groupInserter(b *testing.B, client *river.Client[*sql.Tx], body []byte) func() error {
	reqs := make(chan chan error, 64)
	stop := make(chan struct{})
	b.Cleanup(func() { close(stop) })
	go func() {
		for {
			var batch []chan error
			select {
			case r := <-reqs:
				batch = append(batch, r)
			case <-stop:
				return
			}
		more:
			for len(batch) < 128 {
				select {
				case r := <-reqs:
					batch = append(batch, r)
				default:
					break more
				}
			}
			params := make([]river.InsertManyParams, len(batch))
			for i := range batch {
				params[i] = river.InsertManyParams{Args: rawArgs{Envelope: body}}
			}
			_, err := client.InsertMany(context.Background(), params)
			for _, r := range batch {
				r <- err
			}
		}
	}()
	return func() error {
		done := make(chan error, 1)
		reqs <- done
		return <-done
	}
}

// tenHooks returns a new 10-hook MESSAGE_RESULT_UPDATE delivery, each hook with a new hookId.
func tenHooks() *api.SMSMessageResultUpdateEnvelope {
	e := smshooktest.Sample[*api.SMSMessageResultUpdateEnvelope]()
	for len(e.Hooks) < 10 {
		h := e.Hooks[0]
		h.RecipientSeq = int64(len(e.Hooks) + 1)
		h.HookID = sender.NewID()
		e.Hooks = append(e.Hooks, h)
	}
	return e
}

func tenHookBody(b *testing.B) []byte {
	body, err := json.Marshal(tenHooks())
	if err != nil {
		b.Fatal(err)
	}
	return body
}
