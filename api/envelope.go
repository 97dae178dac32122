package api

// NewEnvelope returns a new value of the generated envelope type of event: *UnsubscribeEnvelope,
// *MessageResultUpdateEnvelope, *ConversionBlockEnvelope or *InternationalDeliveryReceiptEnvelope, or the generic
// *Envelope for an event this contract does not know.
func NewEnvelope(event EventType) any {
	switch event {
	case EventTypeUnsubscribe:
		return new(UnsubscribeEnvelope)
	case EventTypeMessageResultUpdate:
		return new(MessageResultUpdateEnvelope)
	case EventTypeConversionBlock:
		return new(ConversionBlockEnvelope)
	case EventTypeInternationalDeliveryReceipt:
		return new(InternationalDeliveryReceiptEnvelope)
	}
	return new(Envelope)
}
