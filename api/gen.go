package api

// api.gen.go: the types, the strict server interface, the client and the embedded spec, by oapi-codegen, with
// the Go-only settings of overlay.yaml applied to openapi.yaml. events.gen.go: the registry of the events
// (Webhook, Events, NewWebhook, Sample). codes.gen.go: the result-code tables, from ../result-codes.json
// (internal/codegen).
//
//go:generate go tool oapi-codegen -config config.yaml ../openapi.yaml
//go:generate go run ../internal/eventgen -spec ../openapi.yaml -overlay overlay.yaml -api events.gen.go
//go:generate go run ../internal/codegen -codes ../result-codes.json -o codes.gen.go
