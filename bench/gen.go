package bench

// The ogen server of the comparison, generated from the whole openapi.yaml as other languages' teams take it;
// ogennames then names the variants that ogen numbers in a random order, so that the output is reproducible.
//go:generate go tool ogen --target ogenapi --package ogenapi --clean ../openapi.yaml
//go:generate go run ./ogennames ogenapi

// oapi-codegen's std-http strict server of the stock peer, generated from the same openapi.yaml.
//go:generate go tool oapi-codegen -config stockapi/config.yaml ../openapi.yaml
