package validate

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/smshook/smshook/api"
)

// BenchmarkStages splits Body into its stages on a MESSAGE_RESULT_UPDATE delivery of 1 and 100 hooks, beside
// encoding/json into the typed struct, to show where the time of a validation goes; "all" is BodyString, the
// stages together.
func BenchmarkStages(b *testing.B) {
	raw, err := os.ReadFile("../testdata/vendor/message-result-update.json")
	if err != nil {
		b.Fatal(err)
	}
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		b.Fatal(err)
	}
	hook := env["hooks"].([]any)[0]
	c, err := loadContract()
	if err != nil {
		b.Fatal(err)
	}
	schema := c.envelopes[api.EventTypeMessageResultUpdate]
	for _, n := range []int{1, 100} {
		hooks := make([]any, n)
		for i := range hooks {
			hooks[i] = hook
		}
		env["hooks"] = hooks
		body, _ := json.Marshal(env)
		doc, err := parseJSON(body)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("hooks=%d/stage=floor", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var e api.MessageResultUpdateEnvelope
				_ = json.Unmarshal(body, &e)
			}
		})
		src := string(body)
		b.Run(fmt.Sprintf("hooks=%d/stage=parse", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := newParser()
				_, _ = p.parse(src)
				p.recycle()
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
				_ = bind(new(api.MessageResultUpdateEnvelope), doc)
			}
		})
		v, err := New()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("hooks=%d/stage=all", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.BodyString(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
