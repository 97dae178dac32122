package validate

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/decode"
	"github.com/smshook/smshook/internal/fixtures"
)

// BenchmarkStages splits Body into its stages on a MESSAGE_RESULT_UPDATE delivery of 1 and 100 hooks, beside
// encoding/json into the typed struct, to show where the time of a validation goes; "all" is Body, the stages
// together.
func BenchmarkStages(b *testing.B) {
	var env map[string]any
	if err := json.Unmarshal(fixtures.Read("message-result-update.json"), &env); err != nil {
		b.Fatal(err)
	}
	hook := env["hooks"].([]any)[0]
	schema := loadContract().envelopes[api.Kind{Product: api.ProductNameSMS, Event: api.EventTypeMessageResultUpdate}]
	for _, n := range []int{1, 100} {
		hooks := make([]any, n)
		for i := range hooks {
			hooks[i] = hook
		}
		env["hooks"] = hooks
		body, err := json.Marshal(env)
		if err != nil {
			b.Fatal(err)
		}
		doc, err := decode.ParseJSON(body)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("hooks=%d/stage=floor", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var e api.SMSMessageResultUpdateEnvelope
				_ = json.Unmarshal(body, &e)
			}
		})
		src := string(body)
		b.Run(fmt.Sprintf("hooks=%d/stage=parse", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := decode.NewParser()
				_, _ = p.Parse(src)
				p.Recycle()
			}
		})
		b.Run(fmt.Sprintf("hooks=%d/stage=visit", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := schema.VisitJSON(doc, visitOptions...); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("hooks=%d/stage=bind", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = decode.Bind(new(api.SMSMessageResultUpdateEnvelope), doc)
			}
		})
		b.Run(fmt.Sprintf("hooks=%d/stage=all", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Body(body, Compatible); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
