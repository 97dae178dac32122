package bench

// The ogen server of the comparison, generated from the same openapi.yaml.
//go:generate go tool ogen --target ogenapi --package ogenapi --clean ../openapi.yaml
