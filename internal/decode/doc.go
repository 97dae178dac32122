// Package decode is the machinery under package validate: a JSON parser that keeps numbers' lexical form and
// reuses its maps and slices from one parse to the next, the binders that copy a validated value into its
// generated type without a second parse (bind.gen.go, by bindgen), the RFC 3339 reader that both the
// date-time format and the binders use, and the positions (line and column) of a JSON pointer's value in a
// text, for the CLI's reports.
//
// The parser's lifetime rule: once Recycle is called, nothing may refer to the parsed value. Bind copies every
// map and slice it keeps, so a bound envelope outlives the parse; TestBoundValuesOutliveTheParse fails when a
// binder keeps a reference.
package decode
