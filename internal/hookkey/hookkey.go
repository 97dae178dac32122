// Package hookkey names one event in a deduplication store, the same way for the handler and the inbox.
//
// A key names the product, the appKey, the event and the hookId. Versions before the product was part of it
// wrote legacy keys (appKey, event and hookId only), under which an SMS and an Email event with one appKey
// and hookId were one key, and the second was taken for a redelivery. The stores that outlive a process
// (redisstore, the inbox's smshook_hook table) hold legacy keys for one retention after an upgrade: for
// that long they count a hook done when its key or its legacy key (Legacy) is done, and they write only keys.
// The reading of legacy keys can go once every store has been written by this version for a retention.
package hookkey

import (
	"strconv"
	"strings"
)

// prefix starts every key: a legacy key starts with a digit, so that the two forms never meet.
const prefix = "v2:"

// Of names the event hookID of appKey's event of product unambiguously: product, appKey and event are
// length-prefixed, so that no choice of ids containing the separator makes two tuples share a key. hookIds
// are the vendor's; product and appKey keep products and services apart. The product's case is folded
// ("SMS" and "Sms" are one product), so that a redelivery that spells it otherwise is still recognised.
func Of(product, appKey, event, hookID string) string {
	product = fold(product)
	return prefix + strconv.Itoa(len(product)) + ":" + product + ":" + legacy(appKey, event, hookID)
}

// Legacy returns the legacy key of a key made by Of, the key that versions without the product wrote for the
// same event, and false for anything else.
func Legacy(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return "", false
	}
	n, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return "", false
	}
	size, err := strconv.Atoi(n)
	if err != nil || size < 0 || len(rest) < size+1 || rest[size] != ':' {
		return "", false
	}
	return rest[size+1:], true
}

// legacy is the key of versions without the product.
func legacy(appKey, event, hookID string) string {
	return strconv.Itoa(len(appKey)) + ":" + appKey + ":" + strconv.Itoa(len(event)) + ":" + event + ":" + hookID
}

// fold returns product in lower case, without allocating for the products of the contract.
func fold(product string) string {
	switch product {
	case "SMS", "Sms", "sms":
		return "sms"
	case "Email", "email":
		return "email"
	case "KakaoTalk Bizmessage", "kakaotalk bizmessage":
		return "kakaotalk bizmessage"
	}
	return strings.ToLower(product)
}
