package inboxdb

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
)

// stmtCacheSize bounds the statements one connection keeps prepared: more than River and the inbox run
// (a few dozen distinct texts), so that the ones run per delivery stay, while a text built per call (a
// migration, a query with a varying number of values) cannot grow it without bound.
const stmtCacheSize = 128

// cachingConnector opens the connections of a modernc.org/sqlite connector that keep the statements they
// run prepared, by text. modernc.org/sqlite compiles the text of every query or exec that is not prepared at
// each call, and River's SQLite driver prepares none: compiling its statements (the completer's update of a
// job's state, one per completed job, above all) was a third of the inbox's CPU, all of it on the one
// connection that writes. A prepared statement is only bound and stepped.
type cachingConnector struct{ driver.Connector }

// sqliteConn is what a modernc.org/sqlite connection implements, and so what the wrapper forwards: without
// these, database/sql falls back to the methods without a context (see sqlite.NewConnector).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is what a modernc.org/sqlite statement implements.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// sqliteRows is what modernc.org/sqlite rows implement, and so what the wrapper of rows forwards.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// Connect implements driver.Connector.
func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("inboxdb: the SQLite connection is a %T, without the methods that take a context", conn)
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

// cachingConn is a connection that keeps up to stmtCacheSize statements prepared. database/sql uses a
// connection from one goroutine at a time, its rows' Close included, so it needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*list.Element // of *cachedStmt, by text
	lru   *list.List               // front: the statement run last
}

// cachedStmt is one prepared statement; busy while rows of it are open, when a query of the same text is
// run unprepared rather than reset under them.
type cachedStmt struct {
	query string
	stmt  sqliteStmt
	busy  bool
}

// Unwrap returns the modernc.org/sqlite connection, as sqlite.Limit expects of a wrapper.
func (c *cachingConn) Unwrap() driver.Conn { return c.sqliteConn }

// stmt returns the idle prepared statement of query, preparing it if needed, or nil when it is busy or cannot
// be kept prepared; the caller then runs query unprepared, which reports any error in it.
func (c *cachingConn) stmt(ctx context.Context, query string) *cachedStmt {
	if e, ok := c.stmts[query]; ok {
		c.lru.MoveToFront(e)
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil
		}
		return cs
	}
	s, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	ss, ok := s.(sqliteStmt)
	if !ok {
		_ = s.Close()
		return nil
	}
	if c.lru.Len() >= stmtCacheSize {
		c.evict()
	}
	cs := &cachedStmt{query: query, stmt: ss}
	c.stmts[query] = c.lru.PushFront(cs)
	return cs
}

// evict closes the idle statement run least recently, if any.
func (c *cachingConn) evict() {
	for e := c.lru.Back(); e != nil; e = e.Prev() {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			continue
		}
		c.lru.Remove(e)
		delete(c.stmts, cs.query)
		_ = cs.stmt.Close()
		return
	}
}

// ExecContext implements driver.ExecerContext.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if cs := c.stmt(ctx, query); cs != nil {
		return cs.stmt.ExecContext(ctx, args)
	}
	return c.sqliteConn.ExecContext(ctx, query, args)
}

// QueryContext implements driver.QueryerContext.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.stmt(ctx, query)
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	r, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	sr, ok := r.(sqliteRows)
	if !ok {
		_ = r.Close()
		return nil, fmt.Errorf("inboxdb: the SQLite rows are a %T, without their column types", r)
	}
	cs.busy = true
	return &cachedRows{sqliteRows: sr, stmt: cs}, nil
}

// Close closes the prepared statements, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		errs = append(errs, e.Value.(*cachedStmt).stmt.Close())
	}
	c.lru.Init()
	clear(c.stmts)
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// cachedRows are the rows of a prepared statement, which Close resets and makes idle again.
type cachedRows struct {
	sqliteRows
	stmt *cachedStmt
}

// Close implements driver.Rows.
func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	r.stmt.busy = false
	return err
}
