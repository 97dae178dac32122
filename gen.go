package smshook

import (
	"bytes"
	_ "embed"
)

// handler.gen.go: Handler, one func per event of openapi.yaml.
//
//go:generate go run ./internal/eventgen -spec openapi.yaml -overlay api/overlay.yaml -handler handler.gen.go

//go:embed openapi.yaml
var spec []byte

// Spec returns openapi.yaml, the contract of the webhook: serve it, or share it with other languages. Each call
// returns a new copy. Package api holds the code generated from it.
func Spec() []byte { return bytes.Clone(spec) }
