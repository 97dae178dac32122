package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

func TestLoadReadsTheSpecsEvents(t *testing.T) {
	goNames, err := loadGoNames("../../api/overlay.yaml")
	require.NoError(t, err)
	events, err := load("../../openapi.yaml", goNames)
	require.NoError(t, err)
	var names []string
	for _, e := range events {
		names = append(names, e.Product+" "+e.Name+"="+e.Envelope+"/"+e.Hook+"/"+e.Field)
		require.NotEmpty(t, e.Sample, e.Name)
	}
	require.Equal(t, []string{
		"SMS UNSUBSCRIBE=SMSUnsubscribeEnvelope/SMSUnsubscribeHook/SMSUnsubscribe",
		"SMS MESSAGE_RESULT_UPDATE=SMSMessageResultUpdateEnvelope/SMSMessageResultUpdateHook/SMSMessageResultUpdate",
		"SMS CONVERSION_BLOCK=SMSConversionBlockEnvelope/SMSConversionBlockHook/SMSConversionBlock",
		"SMS INTERNATIONAL_DELIVERY_RECEIPT=SMSInternationalDeliveryReceiptEnvelope/SMSInternationalDeliveryReceiptHook/SMSInternationalDeliveryReceipt",
		"Email UNSUBSCRIBE=EmailUnsubscribeEnvelope/EmailUnsubscribeHook/EmailUnsubscribe",
		"Email MESSAGE_RESULT_UPDATE=EmailMessageResultUpdateEnvelope/EmailMessageResultUpdateHook/EmailMessageResultUpdate",
		"KakaoTalk Bizmessage MESSAGE_RESULT_UPDATE=KakaoTalkMessageResultUpdateEnvelope/KakaoTalkMessageResultUpdateHook/KakaoTalkMessageResultUpdate",
		"KakaoTalk Bizmessage TEMPLATE_STATUS_UPDATE=KakaoTalkTemplateStatusUpdateEnvelope/KakaoTalkTemplateStatusUpdateHook/KakaoTalkTemplateStatusUpdate",
	}, names)
}

// TestLoadRefusesWhatTheRegistryCannotRead: an envelope whose head or hookId is optional would make pointer
// fields, which the registry does not read; the generator says so instead of writing code that does not build.
func TestLoadRefusesWhatTheRegistryCannotRead(t *testing.T) {
	for name, edit := range map[string]func(doc *openapi3.T){
		"optional appKey": func(doc *openapi3.T) {
			s := doc.Components.Schemas["UnsubscribeEnvelope"].Value
			s.Required = []string{"hooksId", "webhookConfigId", "productName", "event", "hooks"}
		},
		"optional hookId": func(doc *openapi3.T) {
			doc.Components.Schemas["ConversionBlockHook"].Value.Required = nil
		},
		"no example": func(doc *openapi3.T) {
			delete(doc.Paths.Find("/").Post.RequestBody.Value.Content.Get("application/json").Examples, "conversionBlock")
		},
		"a product's envelope of another product": func(doc *openapi3.T) {
			doc.Components.Schemas["EmailUnsubscribeEnvelope"].Value.Properties["productName"].Value.Enum = []any{"SMS"}
		},
		"an event mapped twice": func(doc *openapi3.T) {
			doc.Components.Schemas["KakaoTalkDelivery"].Value.Discriminator.Mapping["UNSUBSCRIBE"] =
				openapi3.MappingRef{Ref: "#/components/schemas/KakaoTalkTemplateStatusUpdateEnvelope"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(writeSpec(t, t.TempDir(), edit), goNames(t))
			require.Error(t, err)
		})
	}
}

func goNames(t *testing.T) map[string]string {
	t.Helper()
	names, err := loadGoNames("../../api/overlay.yaml")
	require.NoError(t, err)
	return names
}

// TestLoadHoldsToTheNamingRule: a kind whose Go names are not the product's prefix and the event fails
// generation, naming the schema and the name the rule gives it: SMS's schemas without the overlay's names, and
// an envelope named after another event.
func TestLoadHoldsToTheNamingRule(t *testing.T) {
	_, err := load("../../openapi.yaml", nil)
	require.ErrorContains(t, err, "the Go name of UnsubscribeEnvelope is UnsubscribeEnvelope; the rule names it SmsUnsubscribeEnvelope")
	names := goNames(t)
	delete(names, "ConversionBlockHook")
	_, err = load("../../openapi.yaml", names)
	require.ErrorContains(t, err, "the Go name of ConversionBlockHook is ConversionBlockHook; the rule names it SMSConversionBlockHook")
	names = goNames(t)
	names["EmailUnsubscribeEnvelope"] = "EmailOptOutEnvelope"
	_, err = load("../../openapi.yaml", names)
	require.ErrorContains(t, err, "the rule names it EmailUnsubscribeEnvelope")
}

// TestAddingAnEventIsAnEditOfTheSpec adds an event to Email in a copy of the module's openapi.yaml — its hook
// and envelope schemas, named by the rule (the product's prefix and the event), the Email discriminator's
// mapping, a value of EventType and an example — runs go generate, and receives a delivery of it through
// NewHandler and the new field of Handler, sampled by smshooktest: no hand-written file of the copy, the
// overlay included, is edited.
func TestAddingAnEventIsAnEditOfTheSpec(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	copyModule(t, root, dir)
	writeSpec(t, dir, addReadReceipt)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "readreceipt_test.go"), []byte(readReceiptTest), 0o644))

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	run("generate", "./...")
	gen, err := os.ReadFile(filepath.Join(dir, "handler.gen.go"))
	require.NoError(t, err)
	require.Contains(t, string(gen), "EmailReadReceipt func(ctx context.Context, e *api.EmailReadReceiptEnvelope) error")
	require.Contains(t, run("test", "-count=1", "-v", "-run", "^TestReadReceipt$", "."), "--- PASS: TestReadReceipt")
}

// addReadReceipt adds the event READ_RECEIPT to doc.
func addReadReceipt(doc *openapi3.T) {
	schemas := doc.Components.Schemas
	schemas["EmailReadReceiptHook"] = &openapi3.SchemaRef{Value: &openapi3.Schema{
		Type:        &openapi3.Types{"object"},
		Description: "A recipient read a message.",
		Required:    []string{"hookId", "requestId"},
		Properties: openapi3.Schemas{
			"hookId":    {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, MinLength: 1}},
			"requestId": {Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, MinLength: 1}},
		},
	}}
	envelope := clone(schemas["EmailUnsubscribeEnvelope"].Value)
	envelope.Description = "A delivery of READ_RECEIPT events."
	envelope.Properties["event"].Value.Enum = []any{"READ_RECEIPT"}
	envelope.Properties["hooks"].Value.Items = &openapi3.SchemaRef{Ref: "#/components/schemas/EmailReadReceiptHook"}
	schemas["EmailReadReceiptEnvelope"] = &openapi3.SchemaRef{Value: envelope}
	schemas["EventType"].Value.Enum = append(schemas["EventType"].Value.Enum, "READ_RECEIPT")
	delivery := schemas["EmailDelivery"].Value
	delivery.OneOf = append(delivery.OneOf, &openapi3.SchemaRef{Ref: "#/components/schemas/EmailReadReceiptEnvelope"})
	delivery.Discriminator.Mapping["READ_RECEIPT"] = openapi3.MappingRef{Ref: "#/components/schemas/EmailReadReceiptEnvelope"}
	examples := doc.Paths.Find("/").Post.RequestBody.Value.Content.Get("application/json").Examples
	examples["readReceipt"] = &openapi3.ExampleRef{Value: &openapi3.Example{Value: map[string]any{
		"hooksId": "20261201101010aBcDeFgHiJ0", "webhookConfigId": "q1w2e3r4t5y6", "productName": "Email",
		"appKey": "akb3dukdmdjsdSvgk", "event": "READ_RECEIPT",
		"hooks": []any{map[string]any{"hookId": "20261201101010KlMnOpQrSt0", "requestId": "20261201101005UvxdDrJ4g20"}},
	}}}
}

// readReceiptTest is the test written into the copy: a delivery of the new event reaches its func, typed; a
// copy of it is deduplicated; the strict profile checks its schema.
const readReceiptTest = `package smshook_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/smshooktest"
)

func TestReadReceipt(t *testing.T) {
	var got []string
	h, err := smshook.NewHandler(smshook.Handler{
		EmailReadReceipt: func(_ context.Context, e *api.EmailReadReceiptEnvelope) error {
			got = append(got, e.Hooks[0].RequestID)
			return nil
		},
	}, smshook.WithSecrets("s3cret"), smshook.WithStrict())
	if err != nil {
		t.Fatal(err)
	}
	e := smshooktest.Sample[*api.EmailReadReceiptEnvelope]()
	for range 2 {
		if resp := smshooktest.Post(t, h, e, "s3cret"); resp.Code != http.StatusOK {
			t.Fatalf("answered %d: %s", resp.Code, resp.Body)
		}
	}
	if len(got) != 1 || got[0] != "20261201101005UvxdDrJ4g20" {
		t.Fatalf("the func got %q", got)
	}
	if resp := smshooktest.Post(t, h, smshooktest.Sample[*api.EmailReadReceiptEnvelope](), "s3cret"); resp.Code != http.StatusOK {
		t.Fatalf("a fresh sample answered %d", resp.Code)
	}
	bad := []byte(` + "`" + `{"hooksId":"a","webhookConfigId":"b","productName":"Email","appKey":"k","event":"READ_RECEIPT","hooks":[{"hookId":"h"}]}` + "`" + `)
	if resp := smshooktest.Post(t, h, bad, "s3cret"); resp.Code != http.StatusBadRequest {
		t.Fatalf("a READ_RECEIPT without requestId answered %d", resp.Code)
	}
}
`

// writeSpec writes into dir an openapi.yaml that is the module's, edited, as JSON (a YAML document too), and
// returns its path.
func writeSpec(t *testing.T, dir string, edit func(*openapi3.T)) string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	require.NoError(t, err)
	edit(doc)
	b, err := json.MarshalIndent(doc, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(dir, "openapi.yaml")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path
}

func clone(s *openapi3.Schema) *openapi3.Schema {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var c openapi3.Schema
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

// copyModule copies the module's sources at root into dir: what go generate and go test read.
func copyModule(t *testing.T, root, dir string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "bench", "bin", "docs":
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	require.NoError(t, err)
}
