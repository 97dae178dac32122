package smshook_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/fixtures"
	"github.com/smshook/smshook/validate"
)

// specEnvelopes names the envelope schema of each event, as the request body's discriminator must map them.
var specEnvelopes = map[api.Kind]string{
	{Product: api.ProductNameSMS, Event: api.EventTypeUnsubscribe}:                          "UnsubscribeEnvelope",
	{Product: api.ProductNameSMS, Event: api.EventTypeMessageResultUpdate}:                  "MessageResultUpdateEnvelope",
	{Product: api.ProductNameSMS, Event: api.EventTypeConversionBlock}:                      "ConversionBlockEnvelope",
	{Product: api.ProductNameSMS, Event: api.EventTypeInternationalDeliveryReceipt}:         "InternationalDeliveryReceiptEnvelope",
	{Product: api.ProductNameEmail, Event: api.EventTypeUnsubscribe}:                        "EmailUnsubscribeEnvelope",
	{Product: api.ProductNameEmail, Event: api.EventTypeMessageResultUpdate}:                "EmailMessageResultUpdateEnvelope",
	{Product: api.ProductNameKakaoTalkBizmessage, Event: api.EventTypeMessageResultUpdate}:  "KakaoTalkMessageResultUpdateEnvelope",
	{Product: api.ProductNameKakaoTalkBizmessage, Event: api.EventTypeTemplateStatusUpdate}: "KakaoTalkTemplateStatusUpdateEnvelope",
}

// loadSpec loads the embedded openapi.yaml as kin-openapi reads it.
func loadSpec(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(smshook.Spec())
	require.NoError(tb, err)
	return doc
}

// specSchema returns components/schemas/name of doc.
func specSchema(tb testing.TB, doc *openapi3.T, name string) *openapi3.Schema {
	tb.Helper()
	ref, ok := doc.Components.Schemas[name]
	require.Truef(tb, ok, "components/schemas has no %s", name)
	require.NotNilf(tb, ref.Value, "components/schemas/%s is not resolved", name)
	return ref.Value
}

// specEnum returns the enum of components/schemas/name as strings.
func specEnum(tb testing.TB, doc *openapi3.T, name string) []string {
	tb.Helper()
	var out []string
	for _, v := range specSchema(tb, doc, name).Enum {
		s, ok := v.(string)
		require.Truef(tb, ok, "%s: enum value %v is not a string", name, v)
		out = append(out, s)
	}
	return out
}

// specOperation returns the POST operation of the only path.
func specOperation(tb testing.TB, doc *openapi3.T) *openapi3.Operation {
	tb.Helper()
	require.Equal(tb, 1, doc.Paths.Len(), "paths: %v", doc.Paths.Keys())
	item := doc.Paths.Value(doc.Paths.Keys()[0])
	require.NotNil(tb, item)
	require.NotNil(tb, item.Post)
	return item.Post
}

// specHook returns the hook schema of an envelope schema: the items of its hooks.
func specHook(tb testing.TB, doc *openapi3.T, envelope string) *openapi3.Schema {
	tb.Helper()
	hooks, ok := specSchema(tb, doc, envelope).Properties["hooks"]
	require.Truef(tb, ok, "%s has no hooks", envelope)
	require.NotNil(tb, hooks.Value.Items, "%s.hooks has no items", envelope)
	require.NotNil(tb, hooks.Value.Items.Value)
	return hooks.Value.Items.Value
}

// specVendorFixtures maps each event to the well-formed fixtures of the vendor that carry it. A fixture that is
// not JSON (the vendor's published example with its trailing comma) carries no event.
func specVendorFixtures(tb testing.TB) map[api.Kind][]string {
	tb.Helper()
	names, err := fs.Glob(fixtures.Vendor, "*.json")
	require.NoError(tb, err)
	require.NotEmpty(tb, names)
	out := map[api.Kind][]string{}
	for _, name := range names {
		var head struct {
			ProductName string        `json:"productName"`
			Event       api.EventType `json:"event"`
		}
		if json.Unmarshal(fixtures.Read(name), &head) != nil {
			continue
		}
		kind := api.KindOf(head.ProductName, head.Event)
		out[kind] = append(out[kind], name)
	}
	return out
}

// specExample is one example of the request body.
type specExample struct {
	name string
	kind api.Kind
	body []byte
}

// specExamples returns the examples of the request body, sorted by name.
func specExamples(tb testing.TB, doc *openapi3.T) []specExample {
	tb.Helper()
	media := specOperation(tb, doc).RequestBody.Value.Content.Get("application/json")
	require.NotNil(tb, media)
	var out []specExample
	for _, name := range slices.Sorted(maps.Keys(media.Examples)) {
		ex := media.Examples[name]
		require.NotNil(tb, ex.Value, name)
		body, err := json.Marshal(ex.Value.Value)
		require.NoError(tb, err, name)
		var head struct {
			ProductName string        `json:"productName"`
			Event       api.EventType `json:"event"`
		}
		require.NoError(tb, json.Unmarshal(body, &head), name)
		out = append(out, specExample{name: name, kind: api.KindOf(head.ProductName, head.Event), body: body})
	}
	return out
}

func enumStrings[T ~string](values ...T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func TestSpecIsValidOpenAPI303(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	require.Equal(t, "3.0.3", doc.OpenAPI)
	require.NoError(t, doc.Validate(t.Context()))
}

// TestSpecGeneratedCopyIsCurrent fails when api/api.gen.go was not regenerated after openapi.yaml changed. The
// generated copy is openapi.yaml with api/overlay.yaml applied: the Go-only extensions it adds are not a
// difference (api/overlay_test.go keeps the overlay to them).
func TestSpecGeneratedCopyIsCurrent(t *testing.T) {
	t.Parallel()
	embedded, err := json.Marshal(loadSpec(t))
	require.NoError(t, err)
	generatedDoc, err := api.GetSpec()
	require.NoError(t, err)
	generated, err := json.Marshal(generatedDoc)
	require.NoError(t, err)
	var want, got any
	require.NoError(t, json.Unmarshal(embedded, &want))
	require.NoError(t, json.Unmarshal(generated, &got))
	require.Empty(t, specJSONDiff("", want, got),
		"api.GetSpec() differs from openapi.yaml: regenerate with go generate ./..., and check api/config.yaml")
}

// specJSONDiff lists the JSON pointers at which two decoded JSON documents differ, with both values.
func specJSONDiff(pointer string, want, got any) []string {
	wantObj, wok := want.(map[string]any)
	gotObj, gok := got.(map[string]any)
	if wok && gok {
		var out []string
		escape := strings.NewReplacer("~", "~0", "/", "~1").Replace
		for _, k := range slices.Sorted(maps.Keys(wantObj)) {
			key := pointer + "/" + escape(k)
			if g, ok := gotObj[k]; ok {
				out = append(out, specJSONDiff(key, wantObj[k], g)...)
			} else {
				out = append(out, key+": missing from the generated copy")
			}
		}
		for _, k := range slices.Sorted(maps.Keys(gotObj)) {
			if _, ok := wantObj[k]; !ok && !specGoOnly(k) {
				out = append(out, pointer+"/"+escape(k)+": only in the generated copy")
			}
		}
		return out
	}
	if pointer == "/components/schemas/ProductName/x-enum-varnames" {
		return nil // the overlay names the constants of SMS and Sms apart for Go's initialisms
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: openapi.yaml has %v, the generated copy %v", pointer, want, got)}
	}
	return nil
}

// specGoOnly reports whether key is an extension that only oapi-codegen reads, as api/overlay.yaml adds them.
func specGoOnly(key string) bool {
	return strings.HasPrefix(key, "x-go") || strings.HasPrefix(key, "x-oapi-codegen") || key == "x-omitzero"
}

func TestSpecOperation(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	op := specOperation(t, doc)
	item := doc.Paths.Value(doc.Paths.Keys()[0])
	require.Len(t, item.Operations(), 1, "the path has operations other than POST")

	t.Run("security", func(t *testing.T) {
		t.Parallel()
		require.NotNil(t, op.Security)
		// Alternatives: either header satisfies the operation.
		require.Equal(t, openapi3.SecurityRequirements{{"webhookSignature": []string{}}, {"nhnWebhookSignature": []string{}}}, *op.Security)
		for name, header := range map[string]string{"webhookSignature": smshook.SignatureHeader, "nhnWebhookSignature": nhnSignatureHeader} {
			scheme, ok := doc.Components.SecuritySchemes[name]
			require.True(t, ok, name)
			require.Equal(t, "apiKey", scheme.Value.Type)
			require.Equal(t, "header", scheme.Value.In)
			require.Equal(t, header, scheme.Value.Name)
		}
		require.Equal(t, "X-Toast-Webhook-Signature", smshook.SignatureHeader)
	})

	t.Run("responses", func(t *testing.T) {
		t.Parallel()
		problem := specSchema(t, doc, "Problem")
		for _, code := range []string{"200", "400", "401", "403", "405", "413", "415", "500", "503"} {
			require.NotNilf(t, op.Responses.Value(code), "response %s is missing", code)
		}
		for _, code := range op.Responses.Keys() {
			resp := op.Responses.Value(code).Value
			require.NotNil(t, resp)
			require.NotEmptyf(t, resp.Description, "response %s has no description", code)
			if strings.HasPrefix(code, "2") {
				continue
			}
			media := resp.Content.Get("application/problem+json")
			require.NotNilf(t, media, "response %s has no application/problem+json content", code)
			require.Lenf(t, resp.Content, 1, "response %s has other content types", code)
			require.NotNil(t, media.Schema)
			require.Equalf(t, "#/components/schemas/Problem", media.Schema.Ref, "response %s", code)
			require.Samef(t, problem, media.Schema.Value, "response %s", code)
		}
	})
}

// TestSpecKindsComplete is the completeness test: every kind of the contract (a product's event) has an
// envelope schema under the discriminators (productName, then event), one request example, a sample in package
// api, a vendor fixture, generated constants and a func of Handler; every product and every event is some
// kind's.
func TestSpecKindsComplete(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	events, products := specEnum(t, doc, "EventType"), specEnum(t, doc, "ProductName")
	body := specOperation(t, doc).RequestBody.Value.Content.Get("application/json")
	require.NotNil(t, body)
	delivery := body.Schema.Value
	require.NotNil(t, delivery.Discriminator)
	require.Equal(t, "productName", delivery.Discriminator.PropertyName)
	require.Len(t, delivery.Discriminator.Mapping, len(products), "the discriminator maps other products than the enum lists")

	examples := specExamples(t, doc)
	vendor := specVendorFixtures(t)
	for kind := range vendor {
		require.Containsf(t, api.Kinds(), kind, "a vendor fixture is of %v, a kind the contract does not have", kind)
	}
	require.Len(t, specEnvelopes, len(api.Kinds()))
	seenEvents, seenProducts := map[string]bool{}, map[string]bool{}
	for _, kind := range api.Kinds() {
		seenEvents[string(kind.Event)], seenProducts[string(kind.Product)] = true, true
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			product, ok := delivery.Discriminator.Mapping[string(kind.Product)]
			require.True(t, ok, "the discriminator does not map the product")
			require.True(t, slices.ContainsFunc(delivery.OneOf, func(s *openapi3.SchemaRef) bool { return s.Ref == product.Ref }),
				"the request body's oneOf does not list %s", product.Ref)
			byEvent := specSchema(t, doc, strings.TrimPrefix(product.Ref, "#/components/schemas/"))
			require.NotNil(t, byEvent.Discriminator)
			require.Equal(t, "event", byEvent.Discriminator.PropertyName)
			ref, ok := byEvent.Discriminator.Mapping[string(kind.Event)]
			require.True(t, ok, "the product's discriminator does not map the event")
			name := strings.TrimPrefix(ref.Ref, "#/components/schemas/")
			require.Equal(t, specEnvelopes[kind], name)
			envelope := specSchema(t, doc, name)
			require.Equal(t, []any{string(kind.Event)}, envelope.Properties["event"].Value.Enum)
			require.Contains(t, envelope.Properties["productName"].Value.Enum, string(kind.Product))
			require.True(t, slices.ContainsFunc(byEvent.OneOf, func(s *openapi3.SchemaRef) bool { return s.Ref == ref.Ref }),
				"the product's oneOf does not list %s", name)

			var withKind []string
			for _, ex := range examples {
				if ex.kind == kind {
					withKind = append(withKind, ex.name)
				}
			}
			require.Len(t, withKind, 1, "request examples: %v", withKind)
			_, ok = api.Sample(kind)
			require.True(t, ok, "api.Sample has no sample")

			require.NotEmpty(t, vendor[kind], "no fixture in internal/fixtures/vendor")
			require.True(t, kind.Event.Valid())
			require.True(t, kind.Product.Valid())

			// The generated Handler has a func for the kind: its name is the envelope's Go type's without
			// "Envelope".
			goName := reflect.TypeOf(api.NewWebhook(kind)).Elem().Name()
			fn := strings.TrimSuffix(goName, "Envelope")
			field, ok := reflect.TypeFor[smshook.Handler]().FieldByName(fn)
			require.True(t, ok, "smshook.Handler has no %s", fn)
			require.Equal(t, "*api."+goName, field.Type.In(1).String())
		})
	}
	for _, ex := range examples {
		require.Containsf(t, api.Kinds(), ex.kind, "example %s", ex.name)
	}
	require.Len(t, seenEvents, len(events), "an event of the enum is no product's")
	for _, p := range products {
		require.True(t, seenProducts[string(api.KindOf(p, "").Product)], "product %s has no kind", p)
	}
	_, ok := api.Sample(api.Kind{Product: api.ProductNameSMS, Event: "RCS_RESULT_UPDATE"})
	require.False(t, ok, "a sample of an event the contract does not know")
}

// TestSpecEnumsMatchConstants names every generated constant, so that renaming one breaks compilation, and
// checks that the constants are exactly the enum.
func TestSpecEnumsMatchConstants(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	tests := []struct {
		name       string
		constants  []string
		valid      func(string) bool
		deprecated []string
	}{
		{
			name: "EventType",
			constants: enumStrings(
				api.EventTypeUnsubscribe,
				api.EventTypeMessageResultUpdate,
				api.EventTypeConversionBlock,
				api.EventTypeInternationalDeliveryReceipt,
				api.EventTypeTemplateStatusUpdate,
			),
			valid: func(s string) bool { return api.EventType(s).Valid() },
		},
		{
			name: "ProductName",
			constants: enumStrings(
				api.ProductNameSMS,
				api.ProductNameSMSMixedCase,
				api.ProductNameEmail,
				api.ProductNameKakaoTalkBizmessage,
			),
			valid: func(s string) bool { return api.ProductName(s).Valid() },
		},
		{
			name: "MessageStatus",
			constants: enumStrings(
				api.MessageStatusCompleted,
				api.MessageStatusFailed,
				api.MessageStatusCancel,
				api.MessageStatusDuplicated,
				api.MessageStatusFailedAd,
				api.MessageStatusReserved,
				api.MessageStatusSending,
				api.MessageStatusResendAd,
			),
			valid:      func(s string) bool { return api.MessageStatus(s).Valid() },
			deprecated: []string{"RESERVED", "SENDING", "RESEND_AD"},
		},
		{
			name: "MailType",
			constants: enumStrings(api.MailTypeNormalMail, api.MailTypeNormalMailAd, api.MailTypeNormalMailAuth,
				api.MailTypeMassMail, api.MailTypeMassMailAd, api.MailTypeMassMailAuth,
				api.MailTypeTagMail, api.MailTypeTagMailAd, api.MailTypeTagMailAuth),
			valid: func(s string) bool { return api.MailType(s).Valid() },
		},
		{
			name:      "MailStatus",
			constants: enumStrings(api.MailStatusSST2, api.MailStatusSST3, api.MailStatusSST4, api.MailStatusSST5, api.MailStatusSST7, api.MailStatusSST8),
			valid:     func(s string) bool { return api.MailStatus(s).Valid() },
		},
		{
			name: "KakaoMessageType",
			constants: enumStrings(api.KakaoMessageTypeAlimtalkNormal, api.KakaoMessageTypeAlimtalkAuth, api.KakaoMessageTypeAlimtalkMass,
				api.KakaoMessageTypeFriendtalkNormal, api.KakaoMessageTypeFriendtalkMass,
				api.KakaoMessageTypeBrandMessageNormal, api.KakaoMessageTypeBrandMessageMass),
			valid: func(s string) bool { return api.KakaoMessageType(s).Valid() },
		},
		{
			name: "TemplateStatus",
			constants: enumStrings(api.TemplateStatusRequested, api.TemplateStatusReviewing, api.TemplateStatusApproved,
				api.TemplateStatusRejected),
			valid: func(s string) bool { return api.TemplateStatus(s).Valid() },
		},
		{
			name: "TemplateCommentStatus",
			constants: enumStrings(api.TemplateCommentStatusInquiry, api.TemplateCommentStatusApproved, api.TemplateCommentStatusRejected,
				api.TemplateCommentStatusReply, api.TemplateCommentStatusReviewing),
			valid: func(s string) bool { return api.TemplateCommentStatus(s).Valid() },
		},
		{
			name: "DlrStatus",
			constants: enumStrings(
				api.DlrStatusAccepted,
				api.DlrStatusDelivered,
				api.DlrStatusBuffered,
				api.DlrStatusExpired,
				api.DlrStatusFailed,
				api.DlrStatusRejected,
				api.DlrStatusUnknown,
			),
			valid: func(s string) bool { return api.DlrStatus(s).Valid() },
		},
	}
	// Every named enum of the spec has a row: a new one names its constants here.
	var named []string
	for name, ref := range doc.Components.Schemas {
		if len(ref.Value.Enum) > 0 {
			named = append(named, name)
		}
	}
	var rows []string
	for _, tc := range tests {
		rows = append(rows, tc.name)
	}
	require.ElementsMatch(t, named, rows, "the named enums of openapi.yaml and the rows of this test")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			enum := specEnum(t, doc, tc.name)
			require.ElementsMatch(t, tc.constants, enum)
			for _, v := range enum {
				require.Truef(t, tc.valid(v), "%s is in the enum but not Valid", v)
			}
			for _, v := range []string{"", "unknown", strings.ToLower(enum[0]), enum[0] + " "} {
				require.Falsef(t, tc.valid(v), "%q is Valid but not in the enum", v)
			}
			schema := specSchema(t, doc, tc.name)
			names, ok := schema.Extensions["x-enum-varnames"].([]any)
			require.True(t, ok, "x-enum-varnames is missing")
			require.Len(t, names, len(enum), "x-enum-varnames")
			if len(tc.deprecated) == 0 {
				require.NotContains(t, strings.ToLower(schema.Description), "deprecated")
				return
			}
			require.Contains(t, strings.ToLower(schema.Description), "deprecated")
			for _, v := range tc.deprecated {
				require.Containsf(t, schema.Description, "`"+v+"`", "the description does not name %s", v)
			}
			descriptions, ok := schema.Extensions["x-enum-descriptions"].([]any)
			require.True(t, ok, "x-enum-descriptions is missing")
			require.Len(t, descriptions, len(enum))
			for i, v := range enum {
				d, _ := descriptions[i].(string)
				require.Equalf(t, slices.Contains(tc.deprecated, v), strings.HasPrefix(d, "Deprecated."),
					"x-enum-descriptions of %s: %q", v, d)
			}
		})
	}
}

func TestSpecEnvelopesShareTheirHeader(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	generic := specSchema(t, doc, "Envelope")
	header := []string{"hooksId", "webhookConfigId", "productName", "appKey", "event", "hooks"}
	require.ElementsMatch(t, header, slices.Collect(maps.Keys(generic.Properties)))
	require.Equal(t, header, generic.Required)
	for kind, name := range specEnvelopes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			envelope := specSchema(t, doc, name)
			require.ElementsMatch(t, slices.Collect(maps.Keys(generic.Properties)), slices.Collect(maps.Keys(envelope.Properties)))
			require.Equal(t, generic.Required, envelope.Required)
			for _, p := range []string{"hooksId", "webhookConfigId", "appKey"} {
				want, got := generic.Properties[p].Value, envelope.Properties[p].Value
				require.Equalf(t, want.Type.Slice(), got.Type.Slice(), "%s type", p)
				require.Equalf(t, []string{"string"}, got.Type.Slice(), "%s type", p)
				require.Equalf(t, want.MinLength, got.MinLength, "%s minLength", p)
				require.Equalf(t, uint64(1), got.MinLength, "%s minLength", p)
				require.Equalf(t, want.Description, got.Description, "%s description", p)
			}
			// productName names the product whose event this envelope is: the vendor's two spellings of SMS, or
			// the one of another product.
			product := envelope.Properties["productName"].Value
			require.Equal(t, []string{"string"}, product.Type.Slice())
			want := []any{string(kind.Product)}
			if kind.Product == api.ProductNameSMS {
				want = []any{"SMS", "Sms"}
			}
			require.Equal(t, want, product.Enum)
		})
	}
}

// TestSpecEverythingIsDescribed walks every schema of components/schemas and every property below it. A
// property wrapped in allOf counts by the wrapper's own description, not by that of the schema it wraps.
func TestSpecEverythingIsDescribed(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	names := slices.Sorted(maps.Keys(doc.Components.Schemas))
	require.NotEmpty(t, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			schema := specSchema(t, doc, name)
			require.NotEmpty(t, strings.TrimSpace(schema.Description), "components/schemas/%s has no description", name)
			var missing []string
			specWalkProperties(name, schema, &missing)
			require.Empty(t, missing, "properties without a description")
		})
	}
}

// specWalkProperties appends to missing the path of every property under schema without a description. It
// descends into inline schemas only: a $ref is walked where it is defined.
func specWalkProperties(path string, schema *openapi3.Schema, missing *[]string) {
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		prop := schema.Properties[name]
		if strings.TrimSpace(prop.Value.Description) == "" {
			*missing = append(*missing, path+"."+name)
		}
		if prop.Ref == "" {
			specWalkProperties(path+"."+name, prop.Value, missing)
		}
	}
	if schema.Items != nil && schema.Items.Ref == "" {
		specWalkProperties(path+"[]", schema.Items.Value, missing)
	}
}

func TestSpecHookRequiredAndNullable(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	sms := func(e api.EventType) api.Kind { return api.Kind{Product: api.ProductNameSMS, Event: e} }
	tests := []struct {
		name     string
		kind     api.Kind
		required []string
	}{
		{name: "unsubscribe", kind: sms(api.EventTypeUnsubscribe), required: []string{"hookId", "recipientNo"}},
		{name: "message result update", kind: sms(api.EventTypeMessageResultUpdate), required: []string{"hookId", "requestId", "recipientSeq"}},
		{name: "conversion block", kind: sms(api.EventTypeConversionBlock), required: []string{"hookId", "countryCode"}},
		{name: "international delivery receipt", kind: sms(api.EventTypeInternationalDeliveryReceipt), required: []string{"hookId", "requestId", "recipientSeq", "dlrStatus"}},
		{name: "email unsubscribe", kind: api.Kind{Product: api.ProductNameEmail, Event: api.EventTypeUnsubscribe}, required: []string{"hookId", "receiveMailAddr"}},
		{name: "email result update", kind: api.Kind{Product: api.ProductNameEmail, Event: api.EventTypeMessageResultUpdate}, required: []string{"hookId", "requestId"}},
		{name: "kakaotalk result update", kind: api.Kind{Product: api.ProductNameKakaoTalkBizmessage, Event: api.EventTypeMessageResultUpdate}, required: []string{"hookId", "requestId"}},
		{name: "kakaotalk template status update", kind: api.Kind{Product: api.ProductNameKakaoTalkBizmessage, Event: api.EventTypeTemplateStatusUpdate}, required: []string{"hookId"}},
	}
	require.Len(t, tests, len(api.Kinds()), "a kind has no row")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hook := specHook(t, doc, specEnvelopes[tc.kind])
			require.ElementsMatch(t, tc.required, hook.Required)
			for _, name := range slices.Sorted(maps.Keys(hook.Properties)) {
				prop := hook.Properties[name].Value
				if slices.Contains(tc.required, name) {
					require.Falsef(t, prop.Nullable, "required %s is nullable", name)
					continue
				}
				// prop is the property itself, or the allOf wrapper around a shared schema, or a oneOf whose
				// first alternative takes null (mailSeq: an integer or a string of digits).
				nullable := prop.Nullable || (len(prop.OneOf) > 0 && prop.OneOf[0].Value.Nullable)
				require.Truef(t, nullable, "optional %s is not nullable", name)
			}
			for _, name := range tc.required {
				require.Containsf(t, hook.Properties, name, "required %s is not a property", name)
			}
		})
	}
}

// TestSpecExamplesValidate: each example of the request body passes the strict profile, typed as its event,
// and api.Sample returns it.
func TestSpecExamplesValidate(t *testing.T) {
	t.Parallel()
	examples := specExamples(t, loadSpec(t))
	require.NotEmpty(t, examples)
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			w, drift, err := validate.Body(ex.body, validate.Strict)
			require.NoError(t, err)
			require.Empty(t, drift)
			require.Equal(t, ex.kind, w.Head().Kind())
			require.IsType(t, api.NewWebhook(ex.kind), w)
			// encoding/json reads the example as the validator's binder does.
			want := api.NewWebhook(ex.kind)
			require.NoError(t, json.Unmarshal(ex.body, want))
			require.Equal(t, want, w)
			sample, ok := api.Sample(ex.kind)
			require.True(t, ok)
			require.Equal(t, want, sample)
		})
	}
}

// TestSpecReturnsACopy: Spec is openapi.yaml, and what a caller does to one copy does not reach the next.
func TestSpecReturnsACopy(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("openapi.yaml")
	require.NoError(t, err)
	spec := smshook.Spec()
	require.Equal(t, want, spec)
	clear(spec)
	require.Equal(t, want, smshook.Spec())
}

// TestSpecJSONDiff: the comparison that TestSpecGeneratedCopyIsCurrent relies on reports a changed, a missing
// and an added value, at their pointers, and only the Go-only keys the overlay adds pass.
func TestSpecJSONDiff(t *testing.T) {
	t.Parallel()
	var want, got any
	require.NoError(t, json.Unmarshal([]byte(`{"a":{"b/c":1,"d":[1,2]},"e":"x","f":true}`), &want))
	require.NoError(t, json.Unmarshal([]byte(`{"a":{"b/c":2,"d":[1,2],"x-go-type":"T"},"e":"x","g":1,"x-oapi-codegen-extra-tags":{}}`), &got))
	require.Equal(t, []string{
		"/a/b~1c: openapi.yaml has 1, the generated copy 2",
		"/f: missing from the generated copy",
		"/g: only in the generated copy",
	}, specJSONDiff("", want, got))
	require.Empty(t, specJSONDiff("", want, want))
}
