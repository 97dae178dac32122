package validate

// DefaultMaxBodyBytes is the body limit of a Validator and of the receiver: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// Option configures a Validator.
type Option func(*Validator)

// WithProfile selects Strict (the default) or Compatible.
func WithProfile(p Profile) Option {
	return func(v *Validator) { v.profile = p }
}

// WithMaxBodyBytes sets the largest body Request reads; n <= 0 keeps DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) Option {
	return func(v *Validator) {
		if n > 0 {
			v.maxBody = n
		}
	}
}
