package stockapi

import "github.com/smshook/smshook/api"

// The hand-written Go types that overlay.yaml's x-go-type names, as package api defines them.
type (
	// LocalDateTime is the type of requestDate and receiveDate.
	LocalDateTime = api.LocalDateTime
	// SeqNumber is the type of Email's mailSeq.
	SeqNumber = api.SeqNumber
)
