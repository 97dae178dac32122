package bench

// The ogen server of the comparison, generated from the same openapi.yaml with the request body narrowed to SMS
// (smsspec says why).
//go:generate go run ./smsspec -spec ../openapi.yaml -o smsspec/openapi.sms.json
//go:generate go tool ogen --target ogenapi --package ogenapi --clean smsspec/openapi.sms.json

// oapi-codegen's std-http strict server of the stock peer, generated from the same openapi.yaml.
//go:generate go tool oapi-codegen -config stockapi/config.yaml ../openapi.yaml
