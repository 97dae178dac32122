package smshook

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// SignatureHeader carries the secret typed into the NHN Cloud console, verbatim, on every request: the
// header the vendor's pages name.
const SignatureHeader = "X-Toast-Webhook-Signature"

// NHNSignatureHeader carries the same secret under the company's current name. No vendor page names it, but
// receivers that NHN Cloud customers publish accept it (one prefers it), so a delivery that carries only this
// one is accepted too.
const NHNSignatureHeader = "X-Nhn-Webhook-Signature"

// signatureHeaders are the headers a signature is read from, in the order they are checked.
var signatureHeaders = [...]string{SignatureHeader, NHNSignatureHeader}

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
// equal to one of the secrets, and that carries at least one of them. It compares every present value with
// every secret, so the time taken does not tell which one matched.
func (s signatures) check(h http.Header) error {
	present := 0
	for _, name := range signatureHeaders {
		values := h.Values(name)
		if len(values) == 0 {
			continue
		}
		present++
		if len(values) != 1 || values[0] == "" {
			return ErrSignatureMissing
		}
		got := sha256.Sum256([]byte(values[0]))
		match := 0
		for i := range s {
			match |= subtle.ConstantTimeCompare(got[:], s[i][:])
		}
		if match != 1 {
			return ErrSignatureMismatch
		}
	}
	if present == 0 {
		return ErrSignatureMissing
	}
	return nil
}

// mustCheckSignature reports whether the request's signature is checked: always with secrets, unless
// AllowUnsigned was given and the request carries no signature (no signature header, or only empty ones). A
// present signature is never waved through because unsigned requests are allowed: a wrong one is still 401.
func (h *handler) mustCheckSignature(header http.Header) bool {
	if !h.unsigned {
		return true
	}
	if len(h.secrets) == 0 {
		return false
	}
	for _, name := range signatureHeaders {
		values := header.Values(name)
		if !(len(values) == 0 || len(values) == 1 && values[0] == "") {
			return true
		}
	}
	return false
}
