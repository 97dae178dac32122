package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// contractJSON returns ../openapi.yaml as kin-openapi reads it, every extension kept, as a JSON tree.
func contractJSON(t *testing.T) any {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	return tree
}

// isGoOnly reports whether key is an extension that only oapi-codegen reads: x-go-type, x-go-name,
// x-oapi-codegen-extra-tags and the rest of their families. x-enum-varnames is not one: other languages'
// generators read it too.
func isGoOnly(key string) bool {
	return strings.HasPrefix(key, "x-go") || strings.HasPrefix(key, "x-oapi-codegen") || key == "x-omitzero"
}

// withoutGoEnumNames removes ProductName's x-enum-varnames, the one language-neutral key that the overlay
// replaces (Go's initialisms would give SMS and Sms one name), from tree.
func withoutGoEnumNames(tree any) any {
	schemas := tree.(map[string]any)["components"].(map[string]any)["schemas"].(map[string]any)
	delete(schemas["ProductName"].(map[string]any), "x-enum-varnames")
	return tree
}

// stripGoOnly removes the Go-only keys from tree in place and returns their JSON pointers, sorted.
func stripGoOnly(tree any) []string {
	var found []string
	var walk func(node any, pointer string)
	walk = func(node any, pointer string) {
		switch v := node.(type) {
		case map[string]any:
			for key, child := range v {
				p := pointer + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
				if isGoOnly(key) {
					found = append(found, p)
					delete(v, key)
					continue
				}
				walk(child, p)
			}
		case []any:
			for i, child := range v {
				walk(child, pointer+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(tree, "")
	slices.Sort(found)
	return found
}

// TestContractIsLanguageNeutral keeps openapi.yaml free of Go-only extensions: TypeScript and Python generate from
// it too. Go's types and validate tags belong in overlay.yaml, which oapi-codegen applies before it generates.
func TestContractIsLanguageNeutral(t *testing.T) {
	t.Parallel()
	for _, p := range stripGoOnly(contractJSON(t)) {
		t.Errorf("openapi.yaml has the Go-only extension %s; move it to api/overlay.yaml", p)
	}
}

// TestStripGoOnly: the walk that TestContractIsLanguageNeutral relies on finds Go-only keys at any depth, in
// objects and arrays, and leaves the other extensions.
func TestStripGoOnly(t *testing.T) {
	t.Parallel()
	var tree any
	if err := json.Unmarshal([]byte(`{
		"x-go-name": "A",
		"components": {"schemas": {"T": {
			"x-enum-varnames": ["One"],
			"allOf": [{"x-oapi-codegen-extra-tags": {"validate": "required"}}],
			"properties": {"a/b": {"x-go-type": "LocalDateTime", "type": "string"}}
		}}}
	}`), &tree); err != nil {
		t.Fatal(err)
	}
	got := stripGoOnly(tree)
	want := []string{
		"/components/schemas/T/allOf/0/x-oapi-codegen-extra-tags",
		"/components/schemas/T/properties/a~1b/x-go-type",
		"/x-go-name",
	}
	if !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
	b, _ := json.Marshal(tree)
	if s := string(b); s != `{"components":{"schemas":{"T":{"allOf":[{}],"properties":{"a/b":{"type":"string"}},"x-enum-varnames":["One"]}}}}` {
		t.Errorf("left %s", s)
	}
}

// TestOverlayOnlyAddsGoExtensions: the spec that api.gen.go embeds, openapi.yaml with overlay.yaml applied, is
// openapi.yaml plus Go-only keys and nothing else, so the overlay cannot change the contract that Go code sees
// (kin-openapi ignores x- keys when it validates). It fails too when api.gen.go is stale: run go generate.
func TestOverlayOnlyAddsGoExtensions(t *testing.T) {
	t.Parallel()
	b, err := decodeSpec()
	if err != nil {
		t.Fatal(err)
	}
	var embedded any
	if err := json.Unmarshal(b, &embedded); err != nil {
		t.Fatal(err)
	}
	added := stripGoOnly(embedded)
	for _, want := range []string{
		"/components/schemas/KoreanLocalDateTime/x-go-type",
		"/components/schemas/UnsubscribeEnvelope/properties/hooksId/x-oapi-codegen-extra-tags",
	} {
		if !slices.Contains(added, want) {
			t.Errorf("the embedded spec lacks %s: was overlay.yaml applied?", want)
		}
	}
	if !reflect.DeepEqual(withoutGoEnumNames(embedded), withoutGoEnumNames(contractJSON(t))) {
		t.Error("the embedded spec, without its Go-only keys, differs from openapi.yaml: run go generate in api/, " +
			"and keep overlay.yaml to Go's extensions (x-go-*, x-oapi-codegen-*, x-omitzero, ProductName's x-enum-varnames)")
	}
}
