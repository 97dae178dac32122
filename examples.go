package smshook

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/smshook/smshook/api"
)

// Example is a documented delivery from openapi.yaml: one per event.
type Example struct {
	// Name is the example's key in the spec, such as "messageResultUpdate".
	Name string
	// Event is the delivery's event.
	Event api.EventType
	// Body is the delivery as JSON.
	Body []byte
}

// Examples returns the request examples of openapi.yaml, ordered by event as EventType lists them. It fails
// only when the embedded spec does not load.
func Examples() ([]Example, error) {
	examples, err := loadExamples()
	if err != nil {
		return nil, err
	}
	out := make([]Example, len(examples))
	for i, ex := range examples {
		out[i] = ex
		out[i].Body = append([]byte(nil), ex.Body...)
	}
	return out, nil
}

// loadExamples reads the examples from the spec once.
var loadExamples = sync.OnceValues(func() ([]Example, error) {
	doc, err := api.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("smshook: load the embedded openapi.yaml: %w", err)
	}
	op := doc.Paths.Find("/").Post
	var out []Example
	for name, ex := range op.RequestBody.Value.Content.Get("application/json").Examples {
		body, err := json.Marshal(ex.Value.Value)
		if err != nil {
			return nil, fmt.Errorf("smshook: example %s: %w", name, err)
		}
		var head struct {
			Event api.EventType `json:"event"`
		}
		if err := json.Unmarshal(body, &head); err != nil {
			return nil, fmt.Errorf("smshook: example %s: %w", name, err)
		}
		out = append(out, Example{Name: name, Event: head.Event, Body: body})
	}
	order := map[api.EventType]int{}
	for i, e := range eventOrder {
		order[e] = i
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i].Event] < order[out[j].Event] })
	return out, nil
})

// eventOrder lists the events of the contract.
var eventOrder = []api.EventType{
	api.EventTypeUnsubscribe,
	api.EventTypeMessageResultUpdate,
	api.EventTypeConversionBlock,
	api.EventTypeInternationalDeliveryReceipt,
}
