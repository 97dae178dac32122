// Package inbox is a durable inbox for smshook: the receiver answers 200 once a delivery's events are written
// to a SQLite file, and workers hand them to the application afterwards, with retries, so that an event no
// longer depends on NHN Cloud sending it again while the application is down or slow.
//
//	ib, err := inbox.Open(ctx, "/var/lib/smshook/inbox.db")
//	...
//	h, err := smshook.NewHandler(ib.Receiver(), smshook.WithStore(ib.Store()), smshook.WithSecrets(secret))
//	...
//	err = ib.Start(ctx, app) // app is your smshook.EventHandler
//
// The file holds River's job tables (github.com/riverqueue/river, on its SQLite driver over the pure-Go
// modernc.org/sqlite) and three of the inbox's own:
//
//   - smshook_hook: the hookIds stored or processed within the retention, keyed as the handler keys events
//     (len(appKey):appKey:len(event):event:hookId), the durable half of Inbox.Store, so that a restart does
//     not forget what was taken;
//   - smshook_delivery: the delivery of each job, as JSON of its typed envelope, kept beside the job rather
//     than in River's arguments, whose JSON River's SQLite driver processes several times per insert;
//   - smshook_migration: the version of these tables.
//
// Every write goes through one goroutine that commits the writes waiting at that moment in one transaction
// (group commit): each caller returns once its transaction committed, which with the default
// synchronous=FULL means once the write-ahead log was flushed to disk.
//
// One River job is one delivery (an envelope with its hooks, those not taken before), so that the
// application receives what the synchronous handler would have handed it, one call per delivery, and a
// retry repeats that call. An event is stored once per hookId within the retention: the Receiver checks and
// marks its hookIds in the same transaction that inserts the job, so that a crash between that insert and
// the handler's Commit, or two attempts whose claims overlapped, cannot store it twice. A worker deletes
// the stored delivery once the application took it, so that a job rerun after a crash finds nothing to
// hand over; only a crash between the application's return and that deletion hands it over twice.
//
// Dead letters are River jobs of kind Kind that gave up: discarded after the maximum of attempts, or
// cancelled when they failed past the maximum age. They keep their delivery and their errors; list or
// retry them with River's API through Inbox.Client.
package inbox
