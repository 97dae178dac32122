package api

// SelfHref returns the message single search API link: `_links.self.href`, or, where that is absent, the
// `_link.self.href` of the vendor's example. It returns "" when neither is present.
func (h *SMSMessageResultUpdateHook) SelfHref() string {
	for _, links := range []*MessageLinks{h.Links, h.LinksMisspelled} {
		if links != nil && links.Self != nil && links.Self.Href != nil {
			return *links.Self.Href
		}
	}
	return ""
}
