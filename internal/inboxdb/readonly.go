package inboxdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	"modernc.org/sqlite"
)

// OpenReadOnly opens the inbox database named by name for reading only, so that looking at an inbox changes
// nothing and needs no right to write it: the SQLite file at that path, which must exist, through SQLite's
// mode=ro and no pragma that writes (its journal mode stays what it is, WAL or not), or the Postgres database
// of a postgres:// URL, whose every transaction is read-only (default_transaction_read_only). A write through
// the returned DB fails (SQLITE_READONLY; Postgres's read_only_sql_transaction). Its Write and Read are one
// pool. Reading a SQLite file in WAL mode takes its -shm file: where SQLite may create it (and an empty -wal)
// it does, as any reader does, and leaves them to the next writer; where it may not and there is no -wal, the
// file is read as immutable.
func OpenReadOnly(ctx context.Context, name string) (*DB, error) {
	if name == "" {
		return nil, errors.New("give the path of a SQLite file or a postgres:// URL")
	}
	if EngineOf(name) == Postgres {
		u, err := url.Parse(name)
		if err != nil {
			return nil, errors.New("postgres: the URL does not parse") // not err: it quotes the URL, password and all
		}
		q := u.Query()
		q.Set("default_transaction_read_only", "on")
		u.RawQuery = q.Encode()
		return Open(ctx, u.String(), Options{Conns: 2})
	}
	if _, err := os.Stat(name); err != nil {
		return nil, err
	}
	db, err := openReadOnlySQLite(ctx, readOnlyDSN(name))
	var serr *sqlite.Error
	if errors.As(err, &serr) && (serr.Code()&0xff == sqliteReadOnly || serr.Code()&0xff == sqliteCantOpen) {
		// SQLite could not create the shared-memory file of a WAL database beside it (a directory it may not
		// write). Without a -wal file no process has the database open in WAL mode (the first to open it
		// creates the file, the last to close it removes it), so the main file holds every commit, and SQLite
		// may read it as immutable, without the shared memory. With one, the error stands: the log's commits
		// cannot be read without it.
		if _, statErr := os.Stat(name + "-wal"); errors.Is(statErr, fs.ErrNotExist) {
			db, err = openReadOnlySQLite(ctx, readOnlyDSN(name)+"&immutable=1")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s read-only: %w", name, err)
	}
	return &DB{Engine: SQLite, Write: db, Read: db, name: name, synced: true}, nil
}

// SQLite's primary result codes that say a read-only connection could not be set up.
const (
	sqliteReadOnly = 8
	sqliteCantOpen = 14
)

// openReadOnlySQLite opens the pool of dsn, one connection, and reads the schema, which is where SQLite opens
// the file and, for a WAL database, its shared memory.
func openReadOnlySQLite(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := openSQLite(dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// readOnlyDSN is the modernc.org/sqlite data source name that opens the file at path read-only: mode=ro is
// SQLite's own (the file is opened O_RDONLY), query_only refuses writes even to a temporary table, and the
// busy timeout lets a serve that is writing the file finish its transaction.
func readOnlyDSN(path string) string {
	return fileURI(path) + "?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)"
}
