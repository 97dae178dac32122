package smshook

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// SignatureHeader carries the secret typed into the NHN Cloud console, verbatim, on every request. The name is
// the vendor's header (X-Toast-Webhook-Signature), not a kind of value: what it carries is a shared secret,
// not a signature computed over the body.
const SignatureHeader = "X-Toast-Webhook-Signature"

// nhnSignatureHeader carries the same secret under the company's current name. No vendor page names it, but
// receivers that NHN Cloud customers publish accept it (one prefers it), so a delivery that carries only this
// one is accepted too.
const nhnSignatureHeader = "X-Nhn-Webhook-Signature"

// secretHeaders are the headers the secret is read from, in the order they are checked.
var secretHeaders = [...]string{SignatureHeader, nhnSignatureHeader}

// VerifySecret reports whether value, the value of X-Toast-Webhook-Signature (or X-Nhn-Webhook-Signature), is
// one of secrets: NHN Cloud sends the secret typed into the console verbatim. It is for deliveries that reach
// the application by another way than NewHandler (a queue, a function's event). It compares digests in
// constant time, whatever the lengths, and checks every secret, so the time taken tells neither the secret nor
// which one matched. An empty value or an empty secret never matches.
func VerifySecret(value string, secrets ...string) bool {
	accepted := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		if secret != "" {
			accepted = append(accepted, secret)
		}
	}
	return value != "" && newSecretDigests(accepted).match(value)
}

// secretDigests holds the accepted secrets as SHA-256 digests: comparing fixed-size digests in constant time
// reveals neither a secret nor its length.
type secretDigests [][sha256.Size]byte

func newSecretDigests(secrets []string) secretDigests {
	s := make(secretDigests, 0, len(secrets))
	for _, secret := range secrets {
		s = append(s, sha256.Sum256([]byte(secret)))
	}
	return s
}

// check accepts a request whose secret headers, each that is present, hold exactly one non-empty value equal
// to one of the secrets, and that carries a secret in at least one of them. A request that carries none (no
// secret header, or only empty ones) passes when optional is true (AllowNoSecret): a present secret is never
// waved through because requests without one are allowed. It compares every present value with every secret,
// so the time taken does not tell which one matched.
func (s secretDigests) check(h http.Header, optional bool) error {
	var err error
	carried := false
	for _, name := range secretHeaders {
		values := h.Values(name)
		if len(values) == 0 {
			continue
		}
		if len(values) == 1 && values[0] == "" {
			err = cmp.Or(err, errSecretMissing)
			continue
		}
		carried = true
		if len(values) != 1 {
			err = cmp.Or(err, errSecretMissing)
			continue
		}
		if !s.match(values[0]) {
			err = cmp.Or(err, errSecretMismatch)
		}
	}
	switch {
	case !carried && optional:
		return nil
	case !carried:
		return errSecretMissing
	}
	return err
}

// match reports whether value is one of the secrets. It compares value's digest with every secret's, so the
// time taken does not tell which one matched.
func (s secretDigests) match(value string) bool {
	got := sha256.Sum256([]byte(value))
	match := 0
	for i := range s {
		match |= subtle.ConstantTimeCompare(got[:], s[i][:])
	}
	return match == 1
}
