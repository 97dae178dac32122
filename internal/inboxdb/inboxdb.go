// Package inboxdb opens the database of an inbox, a SQLite file or a Postgres database, with River's driver
// for it, so that package inbox and the commands that read an inbox open it alike.
package inboxdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite" // the database/sql driver, pure Go

	"github.com/smshook/smshook/internal/redact"
)

// Engine is the kind of database an inbox is in.
type Engine uint8

const (
	// SQLite is one file, through the pure-Go modernc.org/sqlite.
	SQLite Engine = iota
	// Postgres is a Postgres database, through pgx, which several machines share.
	Postgres
)

func (e Engine) String() string {
	if e == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// EngineOf returns the engine of an inbox's name: Postgres for a postgres:// or postgresql:// URL, SQLite for
// anything else, the path of a file.
func EngineOf(name string) Engine {
	if strings.HasPrefix(name, "postgres://") || strings.HasPrefix(name, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Redacted returns name fit for a log line: a URL with its user-info password and every query parameter that
// may hold a credential (password, sslpassword, …) replaced by xxxxx, a path as it is.
func Redacted(name string) string { return redact.URL(name) }

// DB is an opened inbox database.
type DB struct {
	Engine Engine
	// Write is the pool that writes, River's too. SQLite's has one connection: SQLite writes one at a time,
	// and River's SQLite driver asks for it to avoid SQLITE_BUSY between its own operations.
	Write *sql.DB
	// Read is the pool that reads beside the writer: SQLite's query-only connections on the WAL file (nil
	// until OpenReaders), Postgres's Write itself.
	Read *sql.DB
	// listen is the pgx pool whose connection River hijacks to LISTEN (Postgres only).
	listen *pgxpool.Pool
	name   string
	synced bool // commits are flushed: all of them, or those of InSyncedTx under SyncedTxOnly
	// onDemand: the connections commit without a flush, and InSyncedTx asks for one (SyncedTxOnly).
	onDemand bool
}

// Options are how Open opens a database.
type Options struct {
	// RelaxedSync commits a SQLite file without flushing the write-ahead log (synchronous=NORMAL).
	RelaxedSync bool
	// SyncedTxOnly, on a SQLite file without RelaxedSync, flushes the write-ahead log at the commits of
	// InSyncedTx only: the other transactions on Write (River's fetches, completions and retries) commit
	// without a flush. A crash of the process loses none of them (the log is in the operating system's
	// cache); a crash of the machine may lose those after the last flush, and no more, since SQLite recovers
	// its log as a prefix of its commits: each flushed commit makes those before it durable too.
	SyncedTxOnly bool
	// Conns bounds the Postgres connections of the pool; zero means 20.
	Conns int
}

// Open opens the inbox database named by name: the SQLite file at that path, created if needed, in WAL mode
// with every commit flushed to disk unless opts.RelaxedSync, or the Postgres database of a postgres:// URL.
// It does not create tables.
func Open(ctx context.Context, name string, opts Options) (_ *DB, err error) {
	defer func() { err = redact.Error(err, name) }() // pgx's errors may quote the URL or its parameters
	if name == "" {
		return nil, errors.New("give the path of a SQLite file or a postgres:// URL")
	}
	d := &DB{Engine: EngineOf(name), name: name, synced: !opts.RelaxedSync}
	d.onDemand = d.Engine == SQLite && d.synced && opts.SyncedTxOnly
	switch d.Engine {
	case Postgres:
		db, err := sql.Open("pgx", name)
		if err != nil {
			return nil, err
		}
		conns := opts.Conns
		if conns <= 0 {
			conns = 20
		}
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("postgres: %w", err)
		}
		cfg, err := pgxpool.ParseConfig(name)
		if err != nil {
			_ = db.Close()
			return nil, err
		}
		cfg.MinConns, cfg.MaxConns = 0, 1
		if d.listen, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			_ = db.Close()
			return nil, err
		}
		d.Write, d.Read = db, db
	default:
		db, err := openSQLite(sqliteDSN(name, !d.synced || d.onDemand))
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		var mode string
		if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			_ = db.Close()
			return nil, err
		}
		if !strings.EqualFold(mode, "wal") {
			_ = db.Close()
			return nil, fmt.Errorf("the file is in journal mode %q, not WAL", mode)
		}
		d.Write = db
	}
	return d, nil
}

// Path returns the path of a SQLite file, "" for a Postgres database: what the inbox compares with the file
// it opened, to notice a file deleted or replaced under it.
func (d *DB) Path() string {
	if d.Engine != SQLite {
		return ""
	}
	return d.name
}

// readers bounds SQLite's connections that read.
const readers = 4

// OpenReaders opens the pool that reads a SQLite file beside its writer; call it once the file is in WAL mode
// and migrated. Postgres reads on its one pool, so there it does nothing.
func (d *DB) OpenReaders() error {
	if d.Engine != SQLite || d.Read != nil {
		return nil
	}
	db, err := openSQLite(sqliteDSN(d.name, !d.synced || d.onDemand) + "&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(readers)
	db.SetMaxIdleConns(readers) // opening a connection costs more than many reads
	d.Read = db
	return nil
}

// InSyncedTx runs fn in a transaction on Write and commits it unless fn fails. Unless Options.RelaxedSync,
// the commit is flushed to disk before InSyncedTx returns (on Postgres, as its synchronous_commit says); under
// Options.SyncedTxOnly it holds Write's connection meanwhile, to flush at this commit only.
func (d *DB) InSyncedTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if !d.onDemand {
		tx, err := d.Write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		return commit(tx, fn)
	}
	conn, err := d.Write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		return fmt.Errorf("flush the commit: %w", err)
	}
	// If this fails, the connection flushes every commit: slower, as durable.
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`) }()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	return commit(tx, fn)
}

// commit runs fn in tx and commits tx, or rolls it back when fn fails.
func commit(tx *sql.Tx, fn func(*sql.Tx) error) error {
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// River returns River's driver on the database: its SQLite driver, or its database/sql driver for Postgres,
// which listens for new jobs on a connection of its own.
func (d *DB) River() riverdriver.Driver[*sql.Tx] {
	if d.Engine == Postgres {
		return riverdatabasesql.NewWithPgxListener(d.Write, d.listen)
	}
	return riversqlite.New(d.Write)
}

// HasTables reports whether every table of names exists in the database.
func (d *DB) HasTables(ctx context.Context, names ...string) (bool, error) {
	for _, n := range names {
		var found bool
		var err error
		if d.Engine == Postgres {
			err = d.Write.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, n).Scan(&found)
		} else {
			err = d.Write.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = $1`, n).Scan(&found)
		}
		if err != nil || !found {
			return false, err
		}
	}
	return true, nil
}

// Close closes the pools.
func (d *DB) Close() error {
	var errs []error
	if d.Read != nil && d.Read != d.Write {
		errs = append(errs, d.Read.Close())
	}
	if d.listen != nil {
		d.listen.Close()
	}
	errs = append(errs, d.Write.Close())
	return errors.Join(errs...)
}

// openSQLite returns the pool of modernc.org/sqlite connections to dsn that keep the statements they run
// prepared (see cachingConnector).
func openSQLite(dsn string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{base}), nil
}

// fileURI is the file: URI of path, without a query. SQLite percent-decodes a URI's path, so what would end it
// or be decoded is escaped.
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

// sqliteDSN is the modernc.org/sqlite data source name of the file: WAL, the chosen durability, a busy
// timeout for other processes on the same file, and transactions that take the write lock when they begin.
func sqliteDSN(path string, relaxed bool) string {
	sync := "FULL"
	if relaxed {
		sync = "NORMAL"
	}
	// busy_timeout first: the driver runs the pragmas in order, and switching a new file to WAL waits for
	// another process that opens or migrates it only once the timeout is set.
	return fileURI(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync +
		")&_txlock=immediate"
}
