package decode

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

// unknownEvent is a delivery of an event the contract does not know, bound into the generic *api.Envelope: its
// hooks are maps of the parse, with objects and arrays nested in them, that Bind must copy.
const unknownEvent = `{"hooksId":"hooks-1","webhookConfigId":"config-1","productName":"SMS","appKey":"app-key-1",
	"event":"NEW_EVENT","hooks":[
		{"hookId":"hook-1","nested":{"list":[1,"two",{"deep":[true,null,{"x":"y"}]}],"object":{"a":"b"}},"matrix":[[1,2],[3]]},
		{"hookId":"hook-2","more":[{"k":"v"},[]],"empty":{}}
	]}`

// bound is a body bound from a pooled parse, with what it must keep reading after the parse is recycled.
type bound struct {
	name       string
	got        api.Webhook
	want       api.Webhook // bound from a parse of its own, which nothing recycles
	marshalled string      // got, marshalled before the recycle
}

// TestBoundValuesOutliveTheParse: a value bound from a pooled parse must read the same once the parser is
// recycled and its maps and slices, cleared, are handed out again to parses of the same shape and of others.
// A binder that keeps a map or a slice of the parse (a hook of *api.Envelope, an object nested in it) instead
// of a copy fails here.
func TestBoundValuesOutliveTheParse(t *testing.T) {
	t.Parallel()
	type target struct {
		name  string
		body  string
		fresh func() api.Webhook
	}
	var targets []target
	for _, kind := range api.Kinds() {
		sample, ok := api.Sample(kind)
		require.True(t, ok, "no sample of %s", kind)
		b, err := json.Marshal(sample)
		require.NoError(t, err)
		targets = append(targets,
			target{name: kind.String(), body: string(b), fresh: func() api.Webhook { return api.NewWebhook(kind) }},
			target{name: kind.String() + " as *api.Envelope", body: string(b), fresh: func() api.Webhook { return new(api.Envelope) }})
	}
	targets = append(targets, target{name: "unknown event", body: unknownEvent, fresh: func() api.Webhook {
		return api.NewWebhook(api.Kind{Product: api.ProductNameSMS, Event: "NEW_EVENT"})
	}})

	var kept []bound
	for _, tg := range targets {
		doc, err := ParseJSON([]byte(tg.body))
		require.NoError(t, err)
		want := tg.fresh()
		require.Empty(t, Bind(want, doc), tg.name)

		p := NewParser()
		doc, err = p.Parse(tg.body)
		require.NoError(t, err)
		got := tg.fresh()
		require.Empty(t, Bind(got, doc), tg.name)
		require.Equal(t, want, got, "%s: bound differently from a pooled parse", tg.name)
		snapshot, err := json.Marshal(got)
		require.NoError(t, err)
		p.Recycle()
		kept = append(kept, bound{name: tg.name, got: got, want: want, marshalled: string(snapshot)})
	}
	require.IsType(t, new(api.Envelope), kept[len(kept)-1].got)
	require.Len(t, kept[len(kept)-1].got.(*api.Envelope).Hooks, 2)

	// Other bodies through the pool: each target's shape with other values, which get the recycled maps and
	// slices of the same sizes, and bodies of other shapes.
	var others []string
	for i := range 20 {
		for _, tg := range targets {
			others = append(others, otherValues(t, tg.body, i))
		}
		others = append(others, `{"a":[{"b":[1,2,3],"c":{"d":"e"}},[[[]]],{}],"f":"g"}`,
			`[`+strings.Repeat(`{"x":[{"y":"z"}],"w":{}},`, 40)+`{}]`)
	}
	for _, body := range others {
		p := NewParser()
		_, err := p.Parse(body)
		require.NoError(t, err)
		p.Recycle()
	}

	for _, k := range kept {
		require.Equal(t, k.want, k.got, "%s: the bound value changed after its parse was recycled", k.name)
		after, err := json.Marshal(k.got)
		require.NoError(t, err)
		require.JSONEq(t, k.marshalled, string(after), k.name)
	}
}

// otherValues returns body with every string and number replaced by another of the same JSON type: the same
// shape, so that its parse asks the pool for maps and slices of the same sizes.
func otherValues(tb testing.TB, body string, i int) string {
	tb.Helper()
	doc, err := ParseJSON([]byte(body))
	require.NoError(tb, err)
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for j, e := range v {
				v[j] = walk(e)
			}
		case string:
			return fmt.Sprint("other-", i)
		case json.Number:
			return json.Number(fmt.Sprint(1000 + i))
		}
		return v
	}
	out, err := json.Marshal(walk(doc))
	require.NoError(tb, err)
	return string(out)
}
