package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestServesNothing keeps oapi-codegen's handlers out of the package (see config.yaml): no exported function
// returns an http.Handler or the generated ServerInterface, and neither ServerInterface nor NewStrictHandler
// exists, so that smshook.NewStrictHandler, which checks and validates first, is the one way to serve
// StrictServerInterface.
func TestServesNothing(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "api.gen.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if strings.HasPrefix(d.Name.Name, "Handler") || strings.HasPrefix(d.Name.Name, "NewStrictHandler") {
				t.Errorf("%s: api.gen.go has %s", fset.Position(d.Pos()), d.Name.Name)
			}
			if d.Type.Results == nil {
				continue
			}
			for _, r := range d.Type.Results.List {
				if s := typeName(r.Type); s == "http.Handler" || s == "ServerInterface" {
					t.Errorf("%s: %s returns a %s", fset.Position(d.Pos()), d.Name.Name, s)
				}
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok && (ts.Name.Name == "ServerInterface" || ts.Name.Name == "ServerInterfaceWrapper") {
					t.Errorf("%s: api.gen.go has type %s", fset.Position(ts.Pos()), ts.Name.Name)
				}
			}
		}
	}
}

// typeName returns a result type as written: "http.Handler", "ServerInterface", "*Client".
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return typeName(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return "*" + typeName(e.X)
	}
	return ""
}
