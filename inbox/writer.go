package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/smshook/smshook/internal/hookkey"
	"github.com/smshook/smshook/internal/inboxdb"
)

// maxBatch bounds the writes committed in one transaction, and so the time a batch holds the file.
const maxBatch = 128

// batchTimeout bounds how long the sweeper and a worker wait for a write of theirs.
const batchTimeout = 30 * time.Second

type opKind uint8

const (
	opCommit opKind = iota + 1
	opReceive
	opProcessed
	opSweep
	opQuarantine
	opProbe   // a write that proves the database takes writes (health.go)
	opRestore // a copy of the open database beside its path, outside any transaction (health.go)
)

// op is one caller's write, run in the next batch; done is closed once its batch committed or failed.
type op struct {
	ctx        context.Context
	kind       opKind
	ids        []string      // opCommit
	d          time.Duration // opCommit: the retention
	recv       *delivery     // opReceive
	jobID      int64         // opProcessed: the job and seq of a delivery the application took
	seq        int           // opProcessed
	quarantine []quarantined // opQuarantine

	err  error
	done chan struct{}
}

// delivery is what the Receiver writes: a job and its envelope, and the keys of its hooks.
type delivery struct {
	event  string
	keys   []string    // one per hook; "" for a hook without a hookId
	body   []byte      // JSON of the envelope with every hook
	stored int         // hooks kept in its job, once the batch ran
	fault  *FaultError // committed, but to a file the path no longer names
}

// writer commits every write to the file: it takes the writes that are waiting, runs them in one
// transaction and answers each caller once it committed (group commit). SQLite has one writer at a time
// anyway; gathering concurrent writes makes one commit, one flush and one River insert statement serve many.
type writer struct {
	d        *inboxdb.DB
	river    *river.Client[*sql.Tx]
	cfg      *config
	prepared prepared
	leases   *leases
	health   *health
	ops      chan *op
	quit     chan struct{}
	done     chan struct{}
}

func newWriter(d *inboxdb.DB, rc *river.Client[*sql.Tx], cfg *config, p prepared, l *leases) *writer {
	w := &writer{d: d, river: rc, cfg: cfg, prepared: p, leases: l, health: newHealth(d, cfg.logger),
		ops: make(chan *op, maxBatch), quit: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// do runs o in a batch and waits for its outcome. When ctx ends first, do returns its error, and o may
// still be committed later, as a command to a stalled server may.
func (w *writer) do(ctx context.Context, o *op) error {
	o.ctx, o.done = ctx, make(chan struct{})
	select {
	case <-w.quit:
		return errClosed
	default:
	}
	select {
	case w.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.quit:
		return errClosed
	}
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		// Closed: o ran in the last batch, or it was queued as the writer stopped and never will.
		select {
		case <-o.done:
			return o.err
		default:
			return errClosed
		}
	}
}

// close stops the writer once the batch under way committed; writes still queued fail with errClosed.
func (w *writer) close() {
	close(w.quit)
	<-w.done
}

func (w *writer) loop() {
	defer close(w.done)
	defer w.prepared.close()
	batch := make([]*op, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case o := <-w.ops:
			batch = append(batch, o)
		case <-w.quit:
			w.drain()
			return
		}
	gather:
		for len(batch) < maxBatch {
			select {
			case o := <-w.ops:
				batch = append(batch, o)
			default:
				break gather
			}
		}
		w.run(batch)
	}
}

// drain fails the writes left in the queue.
func (w *writer) drain() {
	for {
		select {
		case o := <-w.ops:
			o.err = errClosed
			close(o.done)
		default:
			return
		}
	}
}

// run commits batch in one transaction; if anything fails, nothing of it is committed and every write in
// it fails with that error. A write whose caller gave up before the batch began is left out; so are the
// Receiver's writes while the database has a fault, which fail with it (a 503), and copies of the database,
// made once the batch committed.
func (w *writer) run(batch []*op) {
	live := batch[:0:0]
	var restores []*op
	fault := w.health.current()
	for _, o := range batch {
		if err := o.ctx.Err(); err != nil {
			o.err = err
			close(o.done)
			continue
		}
		switch {
		case o.kind == opRestore:
			restores = append(restores, o)
			continue
		case fault != nil && (o.kind == opReceive || o.kind == opQuarantine):
			o.err = fault
			close(o.done)
			continue
		}
		live = append(live, o)
	}
	if len(live) > 0 {
		// No deadline: modernc.org/sqlite watches a context that can end with a goroutine per statement. The
		// busy timeout bounds a wait for another process's lock.
		err := w.commit(context.Background(), live)
		for _, o := range live {
			switch {
			case err != nil:
				o.err = err
			case o.kind == opReceive && o.recv.fault != nil:
				o.err = o.recv.fault
			}
			close(o.done)
		}
	}
	for _, o := range restores {
		o.err = w.restoreOnce(o.ctx)
		close(o.done)
	}
}

// restoreOnce copies the open database beside its path unless a copy was made already, and records where.
func (w *writer) restoreOnce(ctx context.Context) error {
	f := w.health.current()
	if f == nil || f.Restored != "" || w.health.path == "" {
		return nil
	}
	to, err := w.restore(ctx)
	if err != nil {
		return err
	}
	w.health.restored(to)
	w.cfg.logger.LogAttrs(ctx, slog.LevelError, "inbox: the open database was copied beside its lost path; deliveries are answered 503 until a restart on it",
		slog.String("fault", string(f.Kind)), slog.String("restored_to", to))
	return nil
}

func (w *writer) commit(ctx context.Context, batch []*op) error {
	var receives []*op
	err := w.d.InSyncedTx(ctx, func(tx *sql.Tx) error {
		var err error
		receives, err = w.write(ctx, &txBatch{tx: tx, engine: w.d.Engine, now: time.Now(), prepared: w.prepared, stmts: map[*sql.Stmt]*sql.Stmt{}}, batch)
		return err
	})
	if err != nil {
		if f := w.health.observe(err); f != nil {
			return fmt.Errorf("%w: %w", f, err) // f says "inbox: …"
		}
		return fmt.Errorf("inbox: %w", err)
	}
	w.health.clear() // a commit succeeded: a fault that may clear did
	if len(receives) > 0 {
		// Committed, but to the file the path still names? If not, the Receiver answers 503: the deliveries
		// are in the lost file, which the writer copies beside the path next.
		if f := w.health.checkFile(); f != nil {
			for _, o := range receives {
				o.recv.fault = f
			}
			return nil
		}
	}
	for _, o := range receives {
		w.leases.markStored(o.recv.keys)
	}
	return nil
}

// write runs batch in b's transaction and returns its receives.
func (w *writer) write(ctx context.Context, b *txBatch, batch []*op) ([]*op, error) {
	var receives []*op
	var jobIDs []int64 // and seqs: the batch's processed deliveries
	var seqs []int
	var err error
	for _, o := range batch {
		switch o.kind {
		case opCommit:
			_, err = b.markDone(ctx, o.ids, o.d)
		case opProcessed:
			jobIDs, seqs = append(jobIDs, o.jobID), append(seqs, o.seq)
		case opSweep:
			err = b.sweep(ctx)
		case opQuarantine:
			for _, q := range o.quarantine {
				if err = b.exec(ctx, quarantineSQL, q.digest, b.now.UnixMilli(), q.product, q.event, q.hooksID, q.index, q.hook, q.violations); err != nil {
					break
				}
			}
		case opReceive:
			receives = append(receives, o)
		case opProbe:
			err = b.probe(ctx)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(jobIDs) > 0 { // one statement for the batch's processed deliveries
		jobs, err := idsArg(b.engine, jobIDs)
		if err != nil {
			return nil, err
		}
		nth, err := idsArg(b.engine, seqs)
		if err != nil {
			return nil, err
		}
		if err := b.exec(ctx, deleteDeliveriesSQL, jobs, nth); err != nil {
			return nil, err
		}
	}
	if len(receives) > 0 {
		if err := w.receive(ctx, b, receives); err != nil {
			return nil, err
		}
	}
	return receives, nil
}

// receive stores the deliveries' hooks that are not stored yet, each hookId once: it marks their keys done
// and inserts one River job per delivery that has any left, with its envelope, all in the batch's
// transaction. A key that two deliveries of the batch share is stored by the first.
func (w *writer) receive(ctx context.Context, b *txBatch, receives []*op) error {
	var keys []string
	for _, o := range receives {
		for _, k := range o.recv.keys {
			if k != "" {
				keys = append(keys, k)
			}
		}
	}
	fresh, err := b.markDone(ctx, keys, w.cfg.retention)
	if err != nil {
		return err
	}
	var rows []*delivery
	for _, o := range receives {
		d := o.recv
		keep := make([]bool, len(d.keys))
		for i, key := range d.keys {
			switch {
			case key == "": // no hookId, nothing to recognise it by (only an event the contract does not know)
				keep[i] = true
				d.stored++
			case fresh[key]:
				keep[i] = true
				d.stored++
				delete(fresh, key) // a later hook of the batch with this key finds it stored
			}
		}
		if d.stored == 0 {
			continue
		}
		if d.stored < len(d.keys) {
			if d.body, err = narrow(d.event, d.body, keep); err != nil {
				return err
			}
		}
		rows = append(rows, d)
	}
	if len(rows) == 0 {
		return nil
	}
	// The batch's deliveries go in jobs of up to maxJobDeliveries: River's insert, fetch and completion cost
	// per job, so that a busy receiver pays them once for several deliveries.
	jobs := chunks(rows, maxJobDeliveries)
	params := make([]river.InsertManyParams, len(jobs))
	for i, job := range jobs {
		args := deliveryArgs{Deliveries: len(job)}
		for _, d := range job {
			args.Hooks += d.stored
		}
		params[i] = river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{Queue: queue, MaxAttempts: w.cfg.maxAttempts}}
	}
	results, err := w.river.InsertManyTx(ctx, b.tx, params)
	if err != nil {
		return fmt.Errorf("insert jobs: %w", err)
	}
	if len(results) != len(params) {
		return fmt.Errorf("insert jobs: River inserted %d jobs of %d", len(results), len(params))
	}
	// One statement for the batch's envelopes, as plain values: no JSON processing in SQLite.
	var q strings.Builder
	q.WriteString(`INSERT INTO smshook_delivery (job_id, seq, event, envelope) VALUES `)
	args := make([]any, 0, 4*len(rows))
	for i, job := range jobs {
		for seq, d := range job {
			if len(args) > 0 {
				q.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
			args = append(args, results[i].Job.ID, seq, d.event, d.body)
		}
	}
	_, err = b.tx.ExecContext(ctx, q.String(), args...)
	return err
}

// maxJobDeliveries bounds the deliveries of one job. The deliveries of a job are handed to the application
// concurrently, and a retry of the job hands over again only those that failed.
const maxJobDeliveries = 16

// chunks splits s into consecutive slices of at most n.
func chunks[T any](s []T, n int) [][]T {
	out := make([][]T, 0, (len(s)+n-1)/n)
	for len(s) > n {
		out = append(out, s[:n:n])
		s = s[n:]
	}
	return append(out, s)
}

// narrow returns the envelope of event in body with only the hooks keep marks.
func narrow(event string, body []byte, keep []bool) ([]byte, error) {
	w, err := decode(event, body)
	if err != nil {
		return nil, err
	}
	if w.HookCount() != len(keep) {
		return nil, fmt.Errorf("stored delivery has %d hooks, not %d", w.HookCount(), len(keep))
	}
	w.KeepHooks(func(i int) bool { return keep[i] })
	return json.Marshal(w)
}

// txBatch is one batch's transaction.
type txBatch struct {
	tx       *sql.Tx
	engine   inboxdb.Engine
	now      time.Time
	prepared prepared
	stmts    map[*sql.Stmt]*sql.Stmt
}

// prepared holds the statements every batch runs, prepared once on the writer's connection before any
// transaction holds it (modernc.org/sqlite keeps a prepared statement compiled, and compiles an unprepared
// one at each call; preparing on the pool inside a transaction would wait for the connection it holds).
type prepared map[string]*sql.Stmt

// batchSQL are the statements prepared.
var batchSQL = []string{markSQL, doneSQL, deleteDeliveriesSQL, sweepHooksSQL, sweepDeliveriesSQL, quarantineSQL, sweepQuarantineSQL}

func prepare(ctx context.Context, d *inboxdb.DB) (prepared, error) {
	p := prepared{}
	for _, q := range batchSQL {
		s, err := d.Write.PrepareContext(ctx, dialect(d.Engine, q))
		if err != nil {
			p.close()
			return nil, fmt.Errorf("inbox: %w", err)
		}
		p[q] = s
	}
	return p, nil
}

func (p prepared) close() {
	for _, s := range p {
		_ = s.Close()
	}
}

func (b *txBatch) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s, ok := b.prepared[query]
	if !ok {
		return nil, fmt.Errorf("inbox: statement not prepared: %s", query)
	}
	if ts, ok := b.stmts[s]; ok {
		return ts, nil
	}
	ts := b.tx.StmtContext(ctx, s)
	b.stmts[s] = ts
	return ts, nil
}

func (b *txBatch) exec(ctx context.Context, query string, args ...any) error {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx, args...)
	return err
}

// Each statement takes a batch of ids as one argument ({ids}), so that a delivery costs one statement
// rather than one per hook.
const (
	// Marks the ids done for the retention unless they are done already; returns those it marked.
	// On Postgres distinct (an insert may not update a row twice) and sorted, so that two transactions that
	// mark the same ids lock them in one order.
	markSQL = `INSERT INTO smshook_hook (id, expires_at)
SELECT {distinct} value, CAST($2 AS BIGINT) FROM {ids} WHERE true {sorted}
ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE smshook_hook.expires_at <= $3
RETURNING id`
	// expires_at + 0: not by the index of expires_at, which a plan made for any $1 may prefer to the ids'.
	doneSQL = `SELECT id FROM smshook_hook WHERE id {in ids} AND expires_at + 0 > $2`
)

// dialects are, on each engine, what the statements' placeholders stand for: {ids}, the table of the ids in
// $1 (idsArg), in a column value; {in ids}, the condition that a column is one of them (on Postgres $1 is an
// array, which the planner looks up by index, one by one); {pairs}, the rows of the arrays $1 and $2 zipped;
// {distinct} and {sorted}, what markSQL needs on Postgres.
var dialects = map[inboxdb.Engine]*strings.Replacer{
	inboxdb.SQLite: strings.NewReplacer(
		"{ids}", "json_each($1)",
		"{in ids}", "IN (SELECT value FROM json_each($1))",
		"{pairs}", "SELECT j.value, s.value FROM json_each($1) AS j JOIN json_each($2) AS s ON s.key = j.key",
		"{distinct}", "",
		"{sorted}", "",
	),
	inboxdb.Postgres: strings.NewReplacer(
		"{ids}", "unnest(CAST($1 AS text[])) AS ids(value)",
		"{in ids}", "= ANY (CAST($1 AS text[]))",
		"{pairs}", "SELECT * FROM unnest(CAST($1 AS bigint[]), CAST($2 AS integer[]))",
		"{distinct}", "DISTINCT",
		"{sorted}", "ORDER BY value",
	),
}

// idsArg returns ids as an argument of {ids}, {in ids} or {pairs}: a JSON array for SQLite
// (json_each), the slice itself for Postgres (pgx sends it as an array).
func idsArg[T string | int64 | int](engine inboxdb.Engine, ids []T) (any, error) {
	if engine == inboxdb.Postgres {
		return ids, nil
	}
	b, err := json.Marshal(ids)
	return string(b), err
}

// dialect returns query in the SQL of engine: the statements are written in what both engines read ($n
// parameters, ON CONFLICT) but for the placeholders of dialects.
func dialect(engine inboxdb.Engine, query string) string {
	return dialects[engine].Replace(query)
}

// markDone marks ids done for retention and returns those that were not done before.
func (b *txBatch) markDone(ctx context.Context, ids []string, retention time.Duration) (map[string]bool, error) {
	if len(ids) == 0 {
		return map[string]bool{}, nil
	}
	arr, err := idsArg(b.engine, ids)
	if err != nil {
		return nil, err
	}
	s, err := b.stmt(ctx, markSQL)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, arr, b.now.Add(retention).UnixMilli(), b.now.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fresh := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		fresh[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_ = rows.Close()
	return fresh, b.dropLegacyDone(ctx, fresh)
}

// dropLegacyDone drops from fresh the keys whose legacy key (hookkey.Legacy), written by a version whose keys
// lacked the product, is done: for one retention after the upgrade such a hook was stored before. Only keys
// are written; remove this once no inbox holds legacy keys.
func (b *txBatch) dropLegacyDone(ctx context.Context, fresh map[string]bool) error {
	if len(fresh) == 0 {
		return nil
	}
	keyOf := make(map[string][]string, len(fresh)) // legacy key → its keys (two products may share one)
	legacy := make([]string, 0, len(fresh))
	for key := range fresh {
		if l, ok := hookkey.Legacy(key); ok {
			if _, seen := keyOf[l]; !seen {
				legacy = append(legacy, l)
			}
			keyOf[l] = append(keyOf[l], key)
		}
	}
	if len(legacy) == 0 {
		return nil
	}
	arr, err := idsArg(b.engine, legacy)
	if err != nil {
		return err
	}
	s, err := b.stmt(ctx, doneSQL)
	if err != nil {
		return err
	}
	rows, err := s.QueryContext(ctx, arr, b.now.UnixMilli())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return err
		}
		for _, key := range keyOf[l] {
			delete(fresh, key)
		}
	}
	return rows.Err()
}

// sweepBatch bounds the rows one sweep deletes, so that it holds the file briefly.
const sweepBatch = 1000

// sweep deletes expired hookIds, and the deliveries of jobs River no longer has (its cleaner deletes
// finished jobs after their retention: dead letters after 7 days).
func (b *txBatch) sweep(ctx context.Context) error {
	if err := b.exec(ctx, sweepHooksSQL, b.now.UnixMilli(), sweepBatch); err != nil {
		return err
	}
	if err := b.exec(ctx, sweepDeliveriesSQL, sweepBatch); err != nil {
		return err
	}
	return b.exec(ctx, sweepQuarantineSQL, b.now.Add(-deadLetterRetention).UnixMilli(), sweepBatch)
}

const (
	// The deliveries of the jobs in $1 at the seqs in $2, pair by pair (idsArg).
	deleteDeliveriesSQL = `DELETE FROM smshook_delivery WHERE (job_id, seq) IN ({pairs})`
	// A quarantined hook is kept once, however often the delivery comes again.
	quarantineSQL = `INSERT INTO smshook_quarantine
(digest, received_at, product, event, hooks_id, hook_index, hook, violations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING`
	sweepQuarantineSQL = `DELETE FROM smshook_quarantine WHERE digest IN
(SELECT digest FROM smshook_quarantine WHERE received_at < $1 LIMIT $2)`
	sweepHooksSQL = `DELETE FROM smshook_hook WHERE id IN (SELECT id FROM smshook_hook WHERE expires_at <= $1 LIMIT $2)`
	// The deliveries of jobs River deleted: its cleaner deletes finished jobs after their retention.
	sweepDeliveriesSQL = `DELETE FROM smshook_delivery WHERE job_id IN (SELECT d.job_id FROM smshook_delivery d
WHERE NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = d.job_id) LIMIT $1)`
)
