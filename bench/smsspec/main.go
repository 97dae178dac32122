// Command smsspec writes openapi.yaml with the request body narrowed to SMS's deliveries (SmsDelivery, by
// event), for ogen: ogen reads a discriminator's mapping only when its targets are objects, and Delivery's
// targets are the products' own discriminated unions (ogen keys them on the schema names instead, and refuses
// every delivery). The benchmarks post SMS deliveries; the other products' hooks go through the same code.
//
//	go run ./smsspec -spec ../openapi.yaml -o ogenapi/openapi.sms.json
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	log.SetFlags(0)
	spec := flag.String("spec", "../openapi.yaml", "the contract")
	out := flag.String("o", "openapi.sms.json", "the file to write")
	flag.Parse()
	doc, err := openapi3.NewLoader().LoadFromFile(*spec)
	if err != nil {
		log.Fatalf("smsspec: %v", err)
	}
	body := doc.Paths.Find("/").Post.RequestBody.Value.Content.Get("application/json")
	body.Schema = &openapi3.SchemaRef{Ref: "#/components/schemas/SmsDelivery"}
	for name, ex := range body.Examples {
		if v, _ := ex.Value.Value.(map[string]any); v["productName"] != "SMS" {
			delete(body.Examples, name)
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		log.Fatalf("smsspec: %v", err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatalf("smsspec: %v", err)
	}
}
