// Package smshook receives NHN Cloud (formerly TOAST) SMS webhooks: one http.Handler that checks the
// signature, validates every delivery against openapi.yaml with kin-openapi and hands typed events to
// application code.
package smshook

import _ "embed"

//go:generate go tool oapi-codegen -config api/config.yaml openapi.yaml

// Spec is openapi.yaml, the contract of the webhook: serve it, share it with other languages.
//
//go:embed openapi.yaml
var Spec []byte
