package api

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"
)

// catalogueRow is one code of ../result-codes.json, read here without the generator's help.
type catalogueRow struct {
	Kind    string `json:"kind"`
	Code    string `json:"code"`
	Group   string `json:"group"`
	Outcome string `json:"outcome"`
	Meaning string `json:"meaning"`
	Retry   string `json:"retry"`
}

// readCatalogue returns the codes of ../result-codes.json, in its order.
func readCatalogue(tb testing.TB) []catalogueRow {
	tb.Helper()
	data, err := os.ReadFile("../result-codes.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Codes []catalogueRow `json:"codes"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	if len(doc.Codes) == 0 {
		tb.Fatal("result-codes.json lists no codes")
	}
	return doc.Codes
}

// lookup finds row's code with the lookup of its kind.
func lookup(tb testing.TB, row catalogueRow) (Code, bool) {
	tb.Helper()
	switch row.Kind {
	case "receive":
		return SMSResultCode(ResultCode(row.Code))
	case "dlr-status":
		return DlrStatusCode(DlrStatus(row.Code))
	case "dlr-error":
		return DlrErrorCode(ResultCode(row.Code))
	case "mail-status":
		return MailStatusCode(MailStatus(row.Code))
	case "kakaotalk-result":
		return KakaoTalkResultCode(ResultCode(row.Code))
	}
	tb.Fatalf("unknown kind %q", row.Kind)
	return Code{}, false
}

// TestTablesAreTheCatalogue: every row of result-codes.json is found by its kind's lookup with every field as
// written, and the tables hold nothing else.
func TestTablesAreTheCatalogue(t *testing.T) {
	t.Parallel()
	outcomes := map[string]Outcome{"success": OutcomeDelivered, "failure": OutcomeFailed, "pending": OutcomePending}
	rows := readCatalogue(t)
	perKind := map[string]int{}
	for _, row := range rows {
		perKind[row.Kind]++
		got, ok := lookup(t, row)
		want := Code{Kind: row.Kind, Code: row.Code, Group: row.Group, Outcome: outcomes[row.Outcome], Meaning: row.Meaning, Retry: row.Retry}
		if !ok || got != want {
			t.Errorf("%s %s: got %+v, %v; want %+v", row.Kind, row.Code, got, ok, want)
		}
	}
	if len(resultCodes) != perKind["receive"] || len(dlrStatusCodes) != perKind["dlr-status"] || len(dlrErrorCodes) != perKind["dlr-error"] ||
		len(mailStatusCodes) != perKind["mail-status"] || len(kakaoTalkResultCodes) != perKind["kakaotalk-result"] {
		t.Errorf("the tables hold %d, %d, %d, %d and %d codes, the catalogue %v", len(resultCodes), len(dlrStatusCodes), len(dlrErrorCodes),
			len(mailStatusCodes), len(kakaoTalkResultCodes), perKind)
	}
	for key, c := range resultCodes {
		if c.Code != key || c.Kind != "receive" {
			t.Errorf("resultCodes[%q] is %+v", key, c)
		}
	}
	for key, c := range dlrStatusCodes {
		if c.Code != string(key) || c.Kind != "dlr-status" {
			t.Errorf("dlrStatusCodes[%q] is %+v", key, c)
		}
	}
	for key, c := range dlrErrorCodes {
		if c.Code != key || c.Kind != "dlr-error" {
			t.Errorf("dlrErrorCodes[%q] is %+v", key, c)
		}
	}
}

// TestDlrStatusCodesAreTheContractsEnum: the catalogue has exactly the DLR statuses that openapi.yaml allows,
// so that no valid dlrStatus lacks an outcome.
func TestDlrStatusCodesAreTheContractsEnum(t *testing.T) {
	t.Parallel()
	doc, err := GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["DlrStatus"]
	if schema == nil || schema.Value == nil {
		t.Fatal("the spec has no DlrStatus schema")
	}
	var enum []string
	for _, v := range schema.Value.Enum {
		s, _ := v.(string)
		if !DlrStatus(s).Valid() {
			t.Errorf("%v is not a DlrStatus constant", v)
		}
		enum = append(enum, s)
	}
	slices.Sort(enum)
	var catalogued []string
	for status := range maps.Keys(dlrStatusCodes) {
		catalogued = append(catalogued, string(status))
	}
	slices.Sort(catalogued)
	if !slices.Equal(enum, catalogued) {
		t.Errorf("the contract's DLR statuses are %v, the catalogue's %v", enum, catalogued)
	}
}

func TestLookupsOfKnownCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lookup func() (Code, bool)
		want   Code
	}{
		{"success", func() (Code, bool) { return SMSResultCode("1000") }, Code{Kind: "receive", Code: "1000", Group: "carrier", Outcome: OutcomeDelivered, Meaning: "Success"}},
		{"no transfer route", func() (Code, bool) { return SMSResultCode("3015") }, Code{Kind: "receive", Code: "3015", Group: "carrier", Outcome: OutcomeFailed, Meaning: "No transfer route available"}},
		{"temporary network error", func() (Code, bool) { return SMSResultCode("4009") }, Code{Kind: "receive", Code: "4009", Group: "international", Outcome: OutcomeFailed, Meaning: "Temporary network error", Retry: "temporary"}},
		{"duplicate", func() (Code, bool) { return SMSResultCode("E915") }, Code{Kind: "receive", Code: "E915", Group: "other", Outcome: OutcomeFailed, Meaning: "Duplicate messages"}},
		{"buffered", func() (Code, bool) { return DlrStatusCode(DlrStatusBuffered) }, Code{Kind: "dlr-status", Code: "BUFFERED", Outcome: OutcomePending, Meaning: "Message has been buffered for later delivery"}},
		{"dlr unknown is a failure", func() (Code, bool) { return DlrStatusCode(DlrStatusUnknown) }, Code{Kind: "dlr-status", Code: "UNKNOWN", Outcome: OutcomeFailed, Meaning: "No useful information available"}},
		{"absent subscriber, permanent", func() (Code, bool) { return DlrErrorCode("3") }, Code{Kind: "dlr-error", Code: "3", Outcome: OutcomeFailed, Meaning: "Absent Subscriber - Permanent: The number is no longer active and should be removed from your database", Retry: "permanent"}},
		{"handset busy", func() (Code, bool) { return DlrErrorCode("7") }, Code{Kind: "dlr-error", Code: "7", Outcome: OutcomeFailed, Meaning: "Handset Busy: The handset was not available at the time the message was sent - retry", Retry: "temporary"}},
		{"dlr error 1000 is not the receive 1000", func() (Code, bool) { return DlrErrorCode("1000") }, Code{Kind: "dlr-error", Code: "1000", Outcome: OutcomeFailed, Meaning: "ETC Error: ETC error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tt.lookup()
			if !ok || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, true", got, ok, tt.want)
			}
		})
	}
}

// TestLookupsOfUnknownCodes: a code the catalogue does not list is the zero Code and false, spelled however.
func TestLookupsOfUnknownCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"", "0", "1", "999", "9999", "10000", "e900", "E9", " 1000", "1000 ", "1,000", "１０００", "DELIVERED", "3", "\x00"} {
		if c, ok := SMSResultCode(ResultCode(code)); ok || c != (Code{}) {
			t.Errorf("ResultCode(%q) = %+v, %v", code, c, ok)
		}
	}
	for _, status := range []DlrStatus{"", "delivered", "Delivered", "DELIVERED ", "SENT", "1000", "0"} {
		if c, ok := DlrStatusCode(status); ok || c != (Code{}) {
			t.Errorf("DlrStatusCode(%q) = %+v, %v", status, c, ok)
		}
	}
	for _, code := range []string{"", "00", "03", "-1", "+3", "3.0", "10", "15", "100", "E900", "DELIVERED", " 0"} {
		if c, ok := DlrErrorCode(ResultCode(code)); ok || c != (Code{}) {
			t.Errorf("DlrErrorCode(%q) = %+v, %v", code, c, ok)
		}
	}
}
