// Package inbox is a durable inbox for smshook: its receiver answers 200 once a delivery is written to a SQLite
// file or a Postgres database, and Run hands the stored deliveries to the application afterwards, with
// retries, so that an event no longer depends on NHN Cloud sending it again while the application is down or
// slow.
//
// Open the file (or the database: inbox.Open(ctx, "postgres://smshook@db/smshook", …)), mount the Receiver
// where NHN Cloud posts, and Run the application, a smshook.Handler whose funcs are called as
// smshook.NewHandler would call them, but from the inbox:
//
//	ib, err := inbox.Open(ctx, "/var/lib/smshook/inbox.db", inbox.Config{}) // the zero Config: the defaults
//	if err != nil {
//		return err
//	}
//	defer ib.Close()
//	receiver, err := ib.Receiver(smshook.WithSecrets(os.Getenv("SMSHOOK_SECRET")))
//	if err != nil {
//		return err
//	}
//	http.Handle("/nhn/sms", receiver)
//	go http.ListenAndServe(":8080", nil)
//
//	app := smshook.Handler{
//		SMSMessageResultUpdate: saveResults, // your func(ctx, envelope) error, as for smshook.NewHandler
//		Default: func(ctx context.Context, w api.Webhook) error {
//			return nil // every other event, and those the contract does not know yet
//		},
//	}
//	return ib.Run(ctx, app) // until ctx is cancelled; then it lets the running calls finish
//
// A func that returns an error (or panics) is called again after a backoff, with the same delivery; past
// Config.MaxAttempts the delivery becomes a dead letter.
//
// The application receives what the synchronous handler would have handed it, one call per delivery (an
// envelope with its hooks, those not stored before), and a retry repeats that call. A River job holds the
// deliveries that one transaction stored, up to 16 (one when the receiver is not busy), since River's
// insert, fetch and completion cost per job: a job's deliveries are handed over concurrently, those the
// application took are deleted, and a retry of the job hands over again only those that failed. An event is
// stored once per hookId within Config.Retention: the receiver checks and marks its hookIds in the same
// transaction that inserts the job, so that a crash between that insert and the handler's commit, or two
// attempts whose claims overlapped, cannot store it twice. A worker deletes each stored delivery once the
// application took it, so that a job rerun after a crash finds nothing of it to hand over; only a crash
// between the application's return and that deletion hands it over twice. Several processes may open one
// inbox: each receives into it, and a delivery is handed to one Run at a time. A SQLite file serves the
// processes of one machine; a Postgres database serves receivers and workers on several. Processes that open
// one inbox together migrate it one after the other (on SQLite, Open holds a lock on the file FILE.lock beside
// it until the inbox is ready). Each Inbox keeps a heartbeat in the inbox, and when a process dies (kill -9)
// with calls to the application running, another Inbox on it, or the process started again, hands
// those deliveries over again once its heartbeat is older than Config.HeartbeatTimeout: about 10 seconds
// after a restart at once, with the defaults. River's own rescue, after Config.RescueAfter, is the last resort.
// Each Inbox on Postgres opens at most 17 connections.
//
// River logs through Config.Logger, but its routine lines (a client started or stopped, a migration applied,
// its maintenance) at Debug: at Info it says only what concerns a job, such as an application's error.
//
// The inbox holds River's job tables (github.com/riverqueue/river, on its SQLite driver over the pure-Go
// modernc.org/sqlite, or on Postgres its database/sql driver over pgx, which listens for new jobs) and five of
// the inbox's own:
//
//   - smshook_hook: the hookIds stored or processed within the retention, keyed as the handler keys events
//     (v2:len(product):product:len(appKey):appKey:len(event):event:hookId), so that a restart does not forget
//     what was taken; for one retention after an upgrade, a hookId stored without the product (the legacy
//     key, len(appKey):appKey:len(event):event:hookId) counts as stored too, and only the new form is written;
//   - smshook_delivery: the deliveries of each job (numbered by seq), as JSON of their envelopes, kept beside
//     the job rather than in River's arguments, whose JSON River's SQLite driver processes several times per
//     insert;
//   - smshook_quarantine: the hooks that the compatible profile dropped from a partial batch because they break
//     the contract (the receiver's Handler.Invalid), with their violations, kept 7 days as dead letters;
//   - smshook_client: the River client ID of each open Inbox and its last heartbeat, written every fifth of
//     Config.HeartbeatTimeout and deleted at Close or once it is late and its calls were handed over again;
//   - smshook_migration: the version of these tables.
//
// Every write goes through one goroutine that commits the writes waiting at that moment in one transaction
// (group commit): each caller returns once its transaction committed, which on SQLite without
// Config.RelaxedSync means once the write-ahead log was flushed to disk, and on Postgres what its
// synchronous_commit says (on, its default: flushed). On SQLite, River's own transactions (fetches,
// completions, retries) are not flushed: a crash of the process loses none of them, and after a crash of the
// machine SQLite recovers its log up to the last flushed commit, so that at worst a job runs again, and finds
// deleted what the application took.
//
// The inbox knows its file (health.go): after each commit of deliveries and every second it compares the
// path with the file it opened, and it reads the codes of SQLite's and Postgres's errors. From the moment a
// fault is seen (the file deleted or replaced, the database read-only, a full disk, an I/O error, a
// corruption) the Receiver answers 503 with Retry-After, never 200, and Health returns a *FaultError naming
// it. A full disk, a read-only database or an I/O error clears once a probe write commits; the others last
// until a restart. When the path lost the file under the running process, the inbox copies the open
// database, as its writer sees it, with VACUUM INTO to a file in the same directory, flushes it and links it
// to the path if the path is still free (PATH.recovered-UNIXTIME otherwise: an existing file is never
// overwritten). Copying rather than handing over until empty and then exiting: the copy is made at once, in
// one step, and holds everything committed to the lost file, the dead letters, the hookIds and the
// deliveries answered 503 included, while handing over could wait hours for an application that is down; a
// restart on the copy may hand over again what the workers took meanwhile from the open file, and loses
// nothing. The process keeps running, refusing deliveries, until it is restarted on the copy.
//
// Dead letters are the River jobs of kind "smshook_delivery" that gave up: discarded after Config.MaxAttempts,
// or cancelled when they failed past Config.MaxAge. They keep the deliveries that failed (smshook_delivery,
// under the job's id) and their errors for 7 days. smshook inbox lists, retries and drops them; in Go, use River's API on the
// same database: a river.Client over riversqlite.New (or riverdatabasesql.New) on it, JobList with
// rivertype.JobStateDiscarded and rivertype.JobStateCancelled, then JobRetry; a retried job is handed over by
// the next Run.
package inbox
