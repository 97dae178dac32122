package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/smshook/smshook/internal/inboxdb"
)

const inboxExample = `  smshook inbox /var/lib/smshook/inbox.db
  smshook inbox /var/lib/smshook/inbox.db --retry 42
  smshook inbox /var/lib/smshook/inbox.db --retry all
`

// inboxJobKind is the River job kind of a stored delivery, as package inbox names it.
const inboxJobKind = "smshook_delivery"

// inboxStates are River's job states, in the order they are printed.
var inboxStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning,
	rivertype.JobStatePending, rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled,
}

func runInbox(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "inbox", "inbox FILE|URL [--retry ID|all] [--drop ID] [--payload]", inboxExample)
	fs.notes = `output:
  one line of River's jobs by state (a job holds the deliveries that one write stored, up to 16), then one
  line per dead letter (a delivery that failed its job's last attempt, discarded, or failed past the maximum
  age, cancelled): its job id, state, event, product, hooksId, hooks, attempts, the kind of the job's last
  error and when. Without --payload no payload value is printed; with it, the stored delivery follows each
  line. --retry and --drop act on a job, every dead letter it holds. A retried dead letter is handed over by
  the next serve --inbox on the inbox.
`
	retry := fs.String("retry", "", "hand the dead letters of job `ID` over again (all: every dead letter)")
	drop := fs.String("drop", "", "delete the dead letters of job `ID`, their deliveries with them")
	payload := fs.Bool("payload", false, "print each dead letter's stored delivery, payload values included")
	rest, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintln(e.stderr, "smshook inbox: give the inbox FILE or postgres:// URL")
		return exitUsage
	}
	if *retry != "" && *drop != "" {
		fmt.Fprintln(e.stderr, "smshook inbox: give --retry or --drop, not both")
		return exitUsage
	}
	open := openInboxReadOnly
	if *retry != "" || *drop != "" {
		open = openInboxFile
	}
	ib, err := open(ctx, rest[0])
	if err != nil {
		fmt.Fprintln(e.stderr, "smshook inbox:", printable(err.Error()))
		return exitUsage
	}
	defer ib.close()
	switch {
	case *retry != "":
		return ib.act(ctx, e, "retry", *retry, true, func(id int64) error {
			_, err := ib.river.JobRetry(ctx, id)
			return err
		})
	case *drop != "":
		return ib.act(ctx, e, "drop", *drop, false, func(id int64) error {
			if _, err := ib.river.JobDelete(ctx, id); err != nil {
				return err
			}
			_, err := ib.d.Write.ExecContext(ctx, `DELETE FROM smshook_delivery WHERE job_id = $1`, id)
			return err
		})
	}
	if err := ib.report(ctx, e.stdout, *payload); err != nil {
		fmt.Fprintln(e.stderr, "smshook inbox:", printable(err.Error()))
		return exitUsage
	}
	return exitOK
}

// inboxFile is an inbox's database, a SQLite file or Postgres, opened for its River jobs.
type inboxFile struct {
	d     *inboxdb.DB
	river *river.Client[*sql.Tx]
}

// openInboxFile opens the inbox named by name, the path of a SQLite file that exists or a postgres:// URL, to
// read and write it; it creates nothing.
func openInboxFile(ctx context.Context, name string) (*inboxFile, error) {
	return openInbox(ctx, name, func(ctx context.Context, name string) (*inboxdb.DB, error) {
		return inboxdb.Open(ctx, name, inboxdb.Options{Conns: 2})
	})
}

// openInboxReadOnly is openInboxFile for reading only: listing an inbox changes nothing in it (not even a SQLite
// file's journal mode) and needs no right to write it.
func openInboxReadOnly(ctx context.Context, name string) (*inboxFile, error) {
	return openInbox(ctx, name, inboxdb.OpenReadOnly)
}

func openInbox(ctx context.Context, name string, open func(context.Context, string) (*inboxdb.DB, error)) (*inboxFile, error) {
	if inboxdb.EngineOf(name) == inboxdb.SQLite {
		if _, err := os.Stat(name); err != nil {
			return nil, err
		}
	}
	d, err := open(ctx, name)
	if err != nil {
		return nil, err
	}
	ok, err := d.HasTables(ctx, "river_job", "smshook_delivery")
	if err == nil && !ok {
		err = errors.New("not an inbox (no River jobs and deliveries in it)")
	}
	if err != nil {
		_ = d.Close()
		return nil, err
	}
	// An insert-only client: it runs no worker, only River's API on the jobs.
	rc, err := river.NewClient(d.River(), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		_ = d.Close()
		return nil, err
	}
	return &inboxFile{d: d, river: rc}, nil
}

// close closes the database.
func (ib *inboxFile) close() { _ = ib.d.Close() }

func isDeadLetter(j *rivertype.JobRow) bool {
	return j.Kind == inboxJobKind && (j.State == rivertype.JobStateDiscarded || j.State == rivertype.JobStateCancelled)
}

// deadLetters returns every dead letter, oldest first.
func (ib *inboxFile) deadLetters(ctx context.Context) ([]*rivertype.JobRow, error) {
	var all []*rivertype.JobRow
	params := river.NewJobListParams().Kinds(inboxJobKind).
		States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).First(1000)
	for {
		res, err := ib.river.JobList(ctx, params)
		if err != nil {
			return nil, err
		}
		all = append(all, res.Jobs...)
		if len(res.Jobs) < 1000 {
			return all, nil
		}
		params = params.After(res.LastCursor)
	}
}

// act applies do to the dead letter id, or with all to every dead letter, and prints what it did.
func (ib *inboxFile) act(ctx context.Context, e env, verb, which string, allowAll bool, do func(int64) error) int {
	var ids []int64
	if which == "all" && allowAll {
		jobs, err := ib.deadLetters(ctx)
		if err != nil {
			fmt.Fprintln(e.stderr, "smshook inbox:", err)
			return exitUsage
		}
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
	} else {
		id, err := strconv.ParseInt(which, 10, 64)
		if err != nil {
			fmt.Fprintf(e.stderr, "smshook inbox: --%s takes a job id%s\n", verb, map[bool]string{true: " or all"}[allowAll])
			return exitUsage
		}
		j, err := ib.river.JobGet(ctx, id)
		if errors.Is(err, river.ErrNotFound) || (err == nil && !isDeadLetter(j)) {
			fmt.Fprintf(e.stderr, "smshook inbox: job %d is not a dead letter\n", id)
			return exitFailed
		}
		if err != nil {
			fmt.Fprintln(e.stderr, "smshook inbox:", err)
			return exitUsage
		}
		ids = append(ids, id)
	}
	letters := 0 // the deliveries of the jobs
	for _, id := range ids {
		deliveries, err := ib.deliveries(ctx, id)
		if err == nil {
			err = do(id)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "smshook inbox: %s job %d: %v\n", verb, id, err)
			return exitFailed
		}
		letters += len(deliveries)
	}
	past := map[string]string{"retry": "retried", "drop": "dropped"}[verb]
	fmt.Fprintf(e.stdout, "%s %d dead letters\n", past, letters)
	return exitOK
}

// Count the inbox's jobs, and the deliveries they still hold (those the application took are deleted), by
// state.
const (
	countJobsSQL       = `SELECT state, count(*) FROM river_job WHERE kind = $1 GROUP BY state`
	countDeliveriesSQL = `SELECT j.state, count(*) FROM smshook_delivery d JOIN river_job j ON j.id = d.job_id
WHERE j.kind = $1 GROUP BY j.state`
)

// counts returns the number of the inbox's jobs (countJobsSQL) or deliveries (countDeliveriesSQL) in each
// state.
func (ib *inboxFile) counts(ctx context.Context, query string) (map[rivertype.JobState]int, error) {
	rows, err := ib.d.Write.QueryContext(ctx, query, inboxJobKind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[rivertype.JobState]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		counts[rivertype.JobState(state)] = n
	}
	return counts, rows.Err()
}

// inboxSummary counts the stored deliveries by the states of their jobs, grouped as an operator reads them:
// waiting to be handed over, being handed over, waiting for a retry, and dead letters.
type inboxSummary struct{ pending, running, retrying, dead int }

// depth is what is yet to be handed over: every delivery that is no dead letter and not taken.
func (s inboxSummary) depth() int { return s.pending + s.running + s.retrying }

// summary returns the inbox's deliveries grouped as inboxSummary says.
func (ib *inboxFile) summary(ctx context.Context) (inboxSummary, error) {
	c, err := ib.counts(ctx, countDeliveriesSQL)
	if err != nil {
		return inboxSummary{}, err
	}
	return inboxSummary{
		pending:  c[rivertype.JobStateAvailable] + c[rivertype.JobStateScheduled] + c[rivertype.JobStatePending],
		running:  c[rivertype.JobStateRunning],
		retrying: c[rivertype.JobStateRetryable],
		dead:     c[rivertype.JobStateDiscarded] + c[rivertype.JobStateCancelled],
	}, nil
}

// report prints the counts by state and the dead letters.
func (ib *inboxFile) report(ctx context.Context, w io.Writer, payload bool) error {
	counts, err := ib.counts(ctx, countJobsSQL)
	if err != nil {
		return err
	}
	parts := make([]string, 0, len(inboxStates))
	for _, s := range inboxStates {
		parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
	}
	fmt.Fprintln(w, strings.Join(parts, ", "))
	jobs, err := ib.deadLetters(ctx)
	if err != nil {
		return err
	}
	var lines []string
	for _, j := range jobs {
		kind, at := "-", j.CreatedAt
		if n := len(j.Errors); n > 0 {
			kind, at = errorKind(j.Errors[n-1].Error), j.Errors[n-1].At
		}
		deliveries, err := ib.deliveries(ctx, j.ID)
		if err != nil {
			return err
		}
		for _, d := range deliveries {
			var head struct {
				ProductName string            `json:"productName"`
				HooksID     string            `json:"hooksId"`
				Hooks       []json.RawMessage `json:"hooks"`
			}
			_ = json.Unmarshal(d.envelope, &head)
			line := fmt.Sprintf("job %d %s event=%s product=%q hooksId=%s hooks=%d attempts=%d/%d last_error=%s at=%s",
				j.ID, j.State, printable(d.event), head.ProductName, printable(head.HooksID), len(head.Hooks), j.Attempt,
				j.MaxAttempts, printable(kind), at.UTC().Format(time.RFC3339))
			if payload {
				line += "\n  " + printableJSON(d.envelope)
			}
			lines = append(lines, line)
		}
	}
	fmt.Fprintf(w, "dead letters: %d\n", len(lines))
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return ib.reportQuarantine(ctx, w, payload)
}

// storedDelivery is one delivery of a job, as smshook_delivery keeps it.
type storedDelivery struct {
	event    string
	envelope []byte
}

// deliveries returns the deliveries a job still holds, in order.
func (ib *inboxFile) deliveries(ctx context.Context, jobID int64) ([]storedDelivery, error) {
	rows, err := ib.d.Write.QueryContext(ctx, `SELECT event, envelope FROM smshook_delivery WHERE job_id = $1 ORDER BY seq`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedDelivery
	for rows.Next() {
		var d storedDelivery
		if err := rows.Scan(&d.event, &d.envelope); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// reportQuarantine lists the hooks the receiver dropped from partial batches: where each came from and the
// pointers of its violations, its JSON only with --payload.
func (ib *inboxFile) reportQuarantine(ctx context.Context, w io.Writer, payload bool) error {
	rows, err := ib.d.Write.QueryContext(ctx, `SELECT received_at, product, event, hooks_id, hook_index, hook, violations
FROM smshook_quarantine ORDER BY received_at, hooks_id, hook_index`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var (
			at                      int64
			product, event, hooksID string
			index                   int
			hook, violationsJSON    []byte
		)
		if err := rows.Scan(&at, &product, &event, &hooksID, &index, &hook, &violationsJSON); err != nil {
			return err
		}
		var violations []struct {
			Pointer string `json:"pointer"`
		}
		_ = json.Unmarshal(violationsJSON, &violations)
		pointers := make([]string, len(violations))
		for i, v := range violations {
			pointers[i] = v.Pointer
		}
		line := fmt.Sprintf("quarantined product=%q event=%s hooksId=%s hook=%d violations=%s at=%s", product, printable(event),
			printable(hooksID), index, printable(strings.Join(pointers, ",")), time.UnixMilli(at).UTC().Format(time.RFC3339))
		if payload {
			line += "\n  " + printableJSON(hook)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Fprintf(w, "quarantined hooks: %d\n", len(lines))
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return nil
}

// printableJSON returns a stored delivery or hook fit for a terminal: JSON escapes for DEL and the C1 controls,
// which JSON may hold raw, and Go escapes for any other control character, which a well-formed document does
// not hold raw.
func printableJSON(doc []byte) string {
	return printable(string(jsonPrintable(doc)))
}

// errorKind names what an attempt's error was without its text, which an application's error may fill with
// payload values: the forwarder's own errors ("forward: status 503") are printed as they are.
func errorKind(text string) string {
	// A job whose deliveries failed in several ways has an error per line (errors.Join): the first says it.
	text, _, _ = strings.Cut(text, "\n")
	var kind string
	switch {
	case strings.Contains(text, "forward: "):
		_, after, _ := strings.Cut(text, "forward: ")
		kind = strings.ReplaceAll(after, " ", "_")
	case strings.Contains(text, "panic in the application"):
		kind = "panic"
	case strings.Contains(text, "does not decode"):
		kind = "undecodable"
	case strings.Contains(text, "context deadline exceeded"):
		kind = "timeout"
	default:
		kind = "application_error"
	}
	if strings.Contains(text, "past the maximum age") {
		kind += "(past_max_age)"
	}
	return kind
}
