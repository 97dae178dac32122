// Package hookkey names one event in a deduplication store, the same way for the handler and the inbox.
package hookkey

import "strconv"

// Of names the event hookID of appKey's event unambiguously: appKey and event are length-prefixed, so that no
// choice of ids containing the separator makes two tuples share a key. hookIds are the vendor's; appKey keeps
// services (and products, each of which has its own appKey) apart.
func Of(appKey, event, hookID string) string {
	return strconv.Itoa(len(appKey)) + ":" + appKey + ":" + strconv.Itoa(len(event)) + ":" + event + ":" + hookID
}
