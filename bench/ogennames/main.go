// Command ogennames makes ogen's output reproducible: ogen (v1.25.0) names the variants of a discriminator
// whose mapping keys give colliding Go names (Delivery's SMS and Sms) by their position in a Go map's
// iteration, Delivery_<N>Delivery, so that every run may swap them. It renames each such variant after its
// mapping key, read from the generated DeliveryType constants, in every file of the directory given.
//
//	go run ./ogennames ogenapi
package main

import (
	"go/format"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

// constant matches a generated variant constant and its mapping key: `Delivery_1Delivery DeliveryType = "SMS"`.
var constant = regexp.MustCompile(`\b(\w+)_(\d+)(\w*)\s+(\w+Type) = "([^"]*)"`)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 2 {
		log.Fatal("usage: ogennames DIR")
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*_gen.go"))
	if err != nil || len(files) == 0 {
		log.Fatalf("ogennames: no generated files in %s", os.Args[1])
	}
	texts := map[string]string{}
	renames := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		texts[f] = string(b)
		for _, m := range constant.FindAllStringSubmatch(texts[f], -1) {
			renames[m[1]+"_"+m[2]+m[3]] = m[1] + goName(m[5])
		}
	}
	if len(renames) == 0 {
		return
	}
	olds := make([]string, 0, len(renames))
	for old := range renames {
		olds = append(olds, regexp.QuoteMeta(old))
	}
	// One pass over the text, so that Delivery_1Delivery becoming one name never meets a second rename.
	ident := regexp.MustCompile(`\b(New)?(` + strings.Join(olds, "|") + `)\b`)
	for _, f := range files {
		out := ident.ReplaceAllStringFunc(texts[f], func(s string) string {
			if rest, ok := strings.CutPrefix(s, "New"); ok {
				if n, ok := renames[rest]; ok {
					return "New" + n
				}
			}
			return renames[s]
		})
		if out != texts[f] {
			b, err := format.Source([]byte(out)) // the names' lengths changed the alignment
			if err != nil {
				log.Fatalf("ogennames: %s: %v", f, err)
			}
			if err := os.WriteFile(f, b, 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
}

// goName keeps the letters and digits of a mapping key: "SMS" stays "SMS", "KakaoTalk Bizmessage" becomes
// "KakaoTalkBizmessage".
func goName(key string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, key)
}
