package smshook_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smshook/smshook/api"
)

// The shape of the module, kept by tests: the public API stays the size of the product, the events stay in the
// registry generated from openapi.yaml, and the receiver does not link what it does not use.

// maxExported bounds what the public packages export: their top-level names and the methods of their exported
// types, those of the generated Handler included; package api, generated from the spec, aside. 63 are the
// receiver, its test helpers (3 of them let a test reach a receiver mounted on a router and pinned to appKeys:
// smshooktest.AppKey, Option and Path), validation (validate.BodyOwned among it) and stores; 7 the metrics
// collector (package metrics), a prometheus.Collector and its middleware; 13 what an application embedding the
// inbox needs to see that it cannot store deliveries (Inbox.Health, FaultError and its two methods, FaultKind,
// its six kinds and the list of them, and Metrics.WatchInboxFault, which exports it).
const maxExported = 83

// maxFilesNamingEnvelopes bounds the hand-written non-test files that name an envelope type in code: what is
// per event belongs to the generated registry.
const maxFilesNamingEnvelopes = 3

// goFile is a parsed Go file of the module.
type goFile struct {
	path      string
	file      *ast.File
	generated bool
}

// moduleFiles parses the non-test Go files of this module, bench/ (a module of its own) aside.
func moduleFiles(t *testing.T) []goFile {
	t.Helper()
	var files []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "bench", "node_modules", "testdata", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		files = append(files, goFile{path: path, file: f, generated: ast.IsGenerated(f)})
		return nil
	})
	require.NoError(t, err)
	return files
}

// public reports whether the package in dir is part of the public API a user imports.
func public(dir string, f *ast.File) bool {
	first, _, _ := strings.Cut(filepath.ToSlash(dir), "/")
	switch first {
	case "internal", "cmd", "api", "conformance_test":
		return false
	}
	return f.Name.Name != "main"
}

func TestPublicAPIIsTheSizeOfTheProduct(t *testing.T) {
	byPackage := map[string][]string{}
	total := 0
	for _, gf := range moduleFiles(t) {
		dir := filepath.Dir(gf.path)
		if !public(dir, gf.file) {
			continue
		}
		for _, name := range exported(gf.file) {
			byPackage[dir] = append(byPackage[dir], name)
			total++
		}
	}
	dirs := make([]string, 0, len(byPackage))
	for dir := range byPackage {
		dirs = append(dirs, dir)
	}
	slices.Sort(dirs)
	for _, dir := range dirs {
		slices.Sort(byPackage[dir])
		t.Logf("%s (%d): %s", dir, len(byPackage[dir]), strings.Join(byPackage[dir], ", "))
	}
	t.Logf("total: %d", total)
	require.LessOrEqual(t, total, maxExported, "the public packages export %d identifiers", total)
}

// exported lists the exported top-level names of f and the exported methods of its exported types.
func exported(f *ast.File) []string {
	var names []string
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil {
				names = append(names, d.Name.Name)
				continue
			}
			typ := d.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok && id.IsExported() {
				names = append(names, id.Name+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						names = append(names, s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	return names
}

func TestEventsLiveInTheGeneratedRegistry(t *testing.T) {
	envelopes := map[string]bool{}
	for _, kind := range append(api.Kinds(), api.Kind{}) {
		envelopes[reflect.TypeOf(api.NewWebhook(kind)).Elem().Name()] = true
	}
	require.Len(t, envelopes, len(api.Kinds())+1)
	var naming []string
	for _, gf := range moduleFiles(t) {
		if gf.generated {
			continue
		}
		if namesEnvelope(gf.file, envelopes) {
			naming = append(naming, gf.path)
		}
	}
	t.Logf("hand-written files naming an envelope type: %v", naming)
	require.LessOrEqual(t, len(naming), maxFilesNamingEnvelopes,
		"hand-written files name envelope types: %v; what is per event belongs to the registry (internal/eventgen)", naming)
}

// namesEnvelope reports whether the code of f (not its comments) names one of the envelope types: as api.X,
// or as X inside package api.
func namesEnvelope(f *ast.File, envelopes map[string]bool) bool {
	apiName := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"github.com/smshook/smshook/api"` {
			apiName = "api"
			if imp.Name != nil {
				apiName = imp.Name.Name
			}
		}
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && apiName != "" && x.Name == apiName && envelopes[n.Sel.Name] {
				found = true
			}
		case *ast.Ident:
			if f.Name.Name == "api" && envelopes[n.Name] {
				found = true
			}
		}
		return !found
	})
	return found
}

func TestReceiverDoesNotLinkStructValidation(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/getkin/kin-openapi/openapi3", "go list -deps does not list what the receiver links")
	for _, dep := range deps {
		require.NotContains(t, dep, "go-playground/validator", "the receiver links %s", dep)
	}
}

// TestNamesReadLikeGo: what `go doc -all` shows of every package a user imports, package api's generated code
// included, has Go's initialisms (HooksID, not HooksId) and no name made of a JSON key's underscore
// (UnderscoreLinks for _links), and package api opens with its own doc rather than the generator's.
func TestNamesReadLikeGo(t *testing.T) {
	out, err := exec.Command("go", "list", "./...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	notGo := regexp.MustCompile(`\b[A-Z][A-Za-z0-9]*(Id|Url|Http|Json)\b|\bUnderscore[A-Za-z0-9]*`)
	checked := 0
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/internal/") || strings.Contains(pkg, "/cmd/") || strings.HasSuffix(pkg, "conformance_test") {
			continue
		}
		doc, err := exec.Command("go", "doc", "-all", pkg).CombinedOutput()
		require.NoError(t, err, "%s", doc)
		require.Empty(t, slices.Compact(slices.Sorted(slices.Values(notGo.FindAllString(string(doc), -1)))), "go doc -all %s", pkg)
		if strings.HasSuffix(pkg, "/api") {
			require.NotContains(t, string(doc), "provides primitives to interact with the openapi HTTP API")
			require.Contains(t, string(doc), "Package api holds")
		}
		checked++
	}
	require.GreaterOrEqual(t, checked, 8, "the public packages were not listed")
}
