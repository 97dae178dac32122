package smshook

import _ "embed"

//go:generate go tool oapi-codegen -config api/config.yaml openapi.yaml

// Spec is openapi.yaml, the contract of the webhook, as bytes: serve it, or share it with other languages.
// Package api holds the code generated from it; package validate checks deliveries against it.
//
//go:embed openapi.yaml
var Spec []byte
