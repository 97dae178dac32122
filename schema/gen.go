// Package schema holds delivery.schema.json, the request body of openapi.yaml as a JSON Schema (draft-04) for
// applications in other languages; docs/conformance.md says which consumers run on it and how far they agree.
package schema

//go:generate go run ../internal/schemagen -spec ../openapi.yaml -out delivery.schema.json
