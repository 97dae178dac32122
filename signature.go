package smshook

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// SignatureHeader carries the secret typed into the NHN Cloud console, verbatim, on every request.
const SignatureHeader = "X-Toast-Webhook-Signature"

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

// check accepts exactly one non-empty header value equal to one of the secrets. It compares with every
// secret, so the time taken does not tell which one matched.
func (s signatures) check(h http.Header) error {
	values := h.Values(SignatureHeader)
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
	return nil
}

// mustCheckSignature reports whether the request's signature is checked: always with secrets, unless
// AllowUnsigned was given and the request carries no signature (no header, or one empty value). A present
// signature is never waved through because unsigned requests are allowed: a wrong one is still 401.
func (h *handler) mustCheckSignature(header http.Header) bool {
	if !h.unsigned {
		return true
	}
	if len(h.secrets) == 0 {
		return false
	}
	values := header.Values(SignatureHeader)
	return !(len(values) == 0 || len(values) == 1 && values[0] == "")
}
