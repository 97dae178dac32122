package stockapi

import "github.com/smshook/smshook/api"

// The hand-written Go types that overlay.yaml's x-go-type names, as package api defines them.
type (
	// LocalDateTime is the type of every product's dates.
	LocalDateTime = api.LocalDateTime
	// SeqNumber is the type of Email's mailSeq.
	SeqNumber = api.SeqNumber
	// ResultCode is the type of SMS's and KakaoTalk's resultCode.
	ResultCode = api.ResultCode
)
