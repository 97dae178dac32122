// Package structcheck checks webhook values built in Go, such as an *api.SMSUnsubscribeEnvelope a test or a
// forwarder assembles, against the required and known-value rules of the contract, with
// go-playground/validator and the validate tags generated from openapi.yaml. The receiver (package smshook)
// does not use it: it validates bodies with package validate, and does not link validator.
package structcheck

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/smshook/smshook/api"
	"github.com/smshook/smshook/internal/decode"
	"github.com/smshook/smshook/validate"
)

// structValidator checks the validate tags that oapi-codegen generates from openapi.yaml
// (api/overlay.yaml), and names fields by their JSON names.
var structValidator = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	// SMS's dates are in its layout, korean-local-date-time: LocalDateTime keeps any other value as sent, since
	// the other products' dates take any string. A struct-level rule, so that the generated types carry no tag
	// that a validator without it would not know.
	v.RegisterStructValidation(func(sl validator.StructLevel) {
		h := sl.Current().Addr().Interface().(*api.SMSMessageResultUpdateHook)
		for name, d := range map[string]*api.LocalDateTime{"requestDate": h.RequestDate, "receiveDate": h.ReceiveDate} {
			if d != nil && !decode.IsKoreanLocalDateTime(d.String()) {
				sl.ReportError(d, name, name, "korean_local_date_time", "")
			}
		}
	}, api.SMSMessageResultUpdateHook{})
	return v
}()

// Validate checks v, a value of package api such as an *api.SMSUnsubscribeEnvelope, against the required and
// known-value rules of the contract. It returns nil, or a *validate.Error
// wrapping validate.ErrInvalid whose violations point at JSON names (/hooks/0/hookId). It cannot see what
// Go does not keep: an integer field that was absent reads as 0. Strict: unknown enum values are violations.
func Validate(v any) error {
	err := structValidator.Struct(v)
	var fieldErrs validator.ValidationErrors
	if !errors.As(err, &fieldErrs) {
		return err
	}
	out := &validate.Error{Err: validate.ErrInvalid}
	for _, fe := range fieldErrs {
		out.Violations = append(out.Violations, validate.Violation{
			Pointer: namespacePointer(fe.Namespace()),
			Reason:  ruleReason(fe),
		})
	}
	return out
}

// namespacePointer turns validator's "Envelope.hooks[0].hookId" into "/hooks/0/hookId".
func namespacePointer(ns string) string {
	_, rest, found := strings.Cut(ns, ".")
	if !found {
		return ""
	}
	rest = strings.NewReplacer("[", ".", "]", "").Replace(rest)
	return "/" + strings.ReplaceAll(rest, ".", "/")
}

func ruleReason(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of " + fe.Param()
	case "eq":
		return "must be " + fe.Param()
	case "min":
		return "must have at least " + fe.Param() + " items"
	case "korean_local_date_time":
		return "must be a date-time of the form yyyy-MM-ddTHH:mm:ss in a valid range"
	}
	return "fails the " + fe.Tag() + " rule"
}
