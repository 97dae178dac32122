package stockapi

import "github.com/smshook/smshook/api"

// LocalDateTime is the Go type that openapi.yaml's x-go-type names for requestDate and receiveDate.
type LocalDateTime = api.LocalDateTime
