package smshook

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// SignatureHeader carries the secret typed into the NHN Cloud console, verbatim, on every request: the
// header the vendor's pages name.
const SignatureHeader = "X-Toast-Webhook-Signature"

// nhnSignatureHeader carries the same secret under the company's current name. No vendor page names it, but
// receivers that NHN Cloud customers publish accept it (one prefers it), so a delivery that carries only this
// one is accepted too.
const nhnSignatureHeader = "X-Nhn-Webhook-Signature"

// signatureHeaders are the headers a signature is read from, in the order they are checked.
var signatureHeaders = [...]string{SignatureHeader, nhnSignatureHeader}

// VerifySignature reports whether signature, the value of X-Toast-Webhook-Signature (or
// X-Nhn-Webhook-Signature), is one of secrets: NHN Cloud sends the secret typed into the console verbatim. It
// is for deliveries that reach the application by another way than NewHandler (a queue, a function's event).
// It compares digests in constant time, whatever the lengths, and checks every secret, so the time taken
// tells neither the secret nor which one matched. An empty signature or an empty secret never matches.
func VerifySignature(signature string, secrets ...string) bool {
	accepted := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		if secret != "" {
			accepted = append(accepted, secret)
		}
	}
	return signature != "" && newSignatures(accepted).match(signature)
}

// signatures holds the accepted secrets as SHA-256 digests: comparing fixed-size digests in constant time
// reveals neither a secret nor its length.
type signatures [][sha256.Size]byte

func newSignatures(secrets []string) signatures {
	s := make(signatures, 0, len(secrets))
	for _, secret := range secrets {
		s = append(s, sha256.Sum256([]byte(secret)))
	}
	return s
}

// check accepts a request whose signature headers, each that is present, hold exactly one non-empty value
// equal to one of the secrets, and that carries a signature in at least one of them. A request that carries
// none (no signature header, or only empty ones) passes when unsigned is true: a present signature is never
// waved through because unsigned requests are allowed. It compares every present value with every secret, so
// the time taken does not tell which one matched.
func (s signatures) check(h http.Header, unsigned bool) error {
	var err error
	signed := false
	for _, name := range signatureHeaders {
		values := h.Values(name)
		if len(values) == 0 {
			continue
		}
		if len(values) == 1 && values[0] == "" {
			err = cmp.Or(err, errSignatureMissing)
			continue
		}
		signed = true
		if len(values) != 1 {
			err = cmp.Or(err, errSignatureMissing)
			continue
		}
		if !s.match(values[0]) {
			err = cmp.Or(err, errSignatureMismatch)
		}
	}
	switch {
	case !signed && unsigned:
		return nil
	case !signed:
		return errSignatureMissing
	}
	return err
}

// match reports whether value is one of the secrets. It compares value's digest with every secret's, so the
// time taken does not tell which one matched.
func (s signatures) match(value string) bool {
	got := sha256.Sum256([]byte(value))
	match := 0
	for i := range s {
		match |= subtle.ConstantTimeCompare(got[:], s[i][:])
	}
	return match == 1
}
