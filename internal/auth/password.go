package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are the argon2id cost parameters of new password hashes.
//
// The default (64 MiB, 2 passes, 2 lanes) follows RFC 9106 §4's second
// recommendation (64 MiB) with fewer passes, sized for a 2-core server:
// about 50–100 ms per hash there (docs/SECURITY.md has the measured
// figure). Memory is what makes GPU and ASIC guessing expensive.
type Params struct {
	// Memory in KiB.
	Memory uint32
	// Iterations (passes over the memory).
	Iterations uint32
	// Parallelism (lanes).
	Parallelism uint8
}

// DefaultParams returns the parameters used when Options.Argon2 is zero.
func DefaultParams() Params { return Params{Memory: 64 * 1024, Iterations: 2, Parallelism: 2} }

const (
	saltLen = 16 // bytes, RFC 9106 recommends 16
	keyLen  = 32 // bytes of derived hash

	// maxPasswordBytes bounds the input hashed, so that a megabyte
	// "password" costs nothing more than a normal one to refuse.
	maxPasswordBytes = 1024
)

// Limits on parameters read back from a stored hash: a corrupted or
// hostile hash must not make verification allocate gigabytes or spin.
const (
	minMemoryKiB = 8
	maxMemoryKiB = 4 * 1024 * 1024 // 4 GiB
	maxIter      = 100
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// Validate checks p is usable for new hashes.
func (p Params) Validate() error {
	if p.Memory < 8*1024 || p.Memory > maxMemoryKiB {
		return fmt.Errorf("argon2 memory %d KiB out of range [8192, %d]", p.Memory, maxMemoryKiB)
	}
	if p.Iterations < 1 || p.Iterations > maxIter {
		return fmt.Errorf("argon2 iterations %d out of range [1, %d]", p.Iterations, maxIter)
	}
	if p.Parallelism < 1 {
		return errors.New("argon2 parallelism must be at least 1")
	}
	return nil
}

// phc is a parsed argon2id hash in PHC string format:
// $argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>, salt and hash in
// unpadded standard base64.
type phc struct {
	params Params
	salt   []byte
	key    []byte
}

// hashPassword derives a new PHC string for password with p.
func hashPassword(password Secret, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey(passwordBytes(password), salt, p.Iterations, p.Memory, p.Parallelism, keyLen)
	return formatPHC(phc{params: p, salt: salt, key: key}), nil
}

// passwordBytes normalises to NFC so that the same password typed on
// keyboards that compose accents differently verifies.
func passwordBytes(s Secret) []byte {
	return []byte(norm.NFC.String(s.Reveal()))
}

func formatPHC(h phc) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Iterations, h.params.Parallelism,
		base64.RawStdEncoding.EncodeToString(h.salt), base64.RawStdEncoding.EncodeToString(h.key))
}

// parsePHC reads an argon2id PHC string strictly: only argon2id, version
// 19, parameters in the order m,t,p and within bounds.
func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return phc{}, errors.New("password hash: want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return phc{}, fmt.Errorf("password hash: algorithm %q, want argon2id", parts[1])
	}
	if parts[2] != "v=19" {
		return phc{}, fmt.Errorf("password hash: version %q, want v=19", parts[2])
	}
	var h phc
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return phc{}, errors.New("password hash: want parameters m=…,t=…,p=…")
	}
	for i, want := range []string{"m", "t", "p"} {
		k, v, ok := strings.Cut(fields[i], "=")
		if !ok || k != want || v == "" || (len(v) > 1 && v[0] == '0') {
			return phc{}, fmt.Errorf("password hash: parameter %d is %q, want %s=<number>", i+1, fields[i], want)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return phc{}, fmt.Errorf("password hash: parameter %s=%q: not a number", k, v)
		}
		switch k {
		case "m":
			h.params.Memory = uint32(n)
		case "t":
			h.params.Iterations = uint32(n)
		case "p":
			if n > 255 {
				return phc{}, fmt.Errorf("password hash: p=%d above 255", n)
			}
			h.params.Parallelism = uint8(n)
		}
	}
	p := h.params
	if p.Memory < minMemoryKiB || p.Memory > maxMemoryKiB || p.Iterations < 1 || p.Iterations > maxIter ||
		p.Parallelism < 1 || p.Memory < 8*uint32(p.Parallelism) {
		return phc{}, fmt.Errorf("password hash: parameters m=%d,t=%d,p=%d out of bounds", p.Memory, p.Iterations, p.Parallelism)
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return phc{}, errors.New("password hash: bad salt")
	}
	if h.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
		return phc{}, errors.New("password hash: bad hash")
	}
	return h, nil
}

// verifyPassword reports whether password matches the PHC string, comparing
// in constant time. An error means the stored hash is unusable.
func verifyPassword(password Secret, encoded string) (bool, error) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordBytes {
		return false, nil
	}
	key := argon2.IDKey(passwordBytes(password), h.salt, h.params.Iterations, h.params.Memory, h.params.Parallelism, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// needsRehash reports whether a stored hash was made with other parameters
// than p (weaker or not), so that the next successful login upgrades it.
func needsRehash(encoded string, p Params) bool {
	h, err := parsePHC(encoded)
	return err != nil || h.params != p || len(h.key) != keyLen || len(h.salt) != saltLen
}

// Policy is the password policy. Following NIST SP 800-63B, it asks for
// length, not composition rules, and refuses the obvious.
type Policy struct {
	// MinLength in characters (Unicode code points); default 12.
	MinLength int
}

// Check returns a *PolicyError naming the broken rule, or nil.
func (p Policy) Check(user string, password Secret) error {
	pw := password.Reveal()
	minLen := p.MinLength
	if minLen == 0 {
		minLen = 12
	}
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return &PolicyError{Rule: "not valid UTF-8"}
	case n < minLen:
		return &PolicyError{Rule: fmt.Sprintf("at least %d characters (got %d)", minLen, n)}
	case len(pw) > maxPasswordBytes:
		return &PolicyError{Rule: fmt.Sprintf("at most %d bytes", maxPasswordBytes)}
	case user != "" && strings.EqualFold(pw, user):
		return &PolicyError{Rule: "must differ from the user name"}
	case strings.Trim(pw, firstRune(pw)) == "":
		return &PolicyError{Rule: "must not repeat one character"}
	}
	for _, r := range pw {
		if r < 0x20 || r == 0x7f {
			return &PolicyError{Rule: "must not contain control characters"}
		}
	}
	return nil
}

func firstRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return string(r)
}

// GeneratePassword returns a random password of 26 base32 characters
// (130 bits), for the first admin account and password resets.
func GeneratePassword() Secret {
	return Secret(rand.Text())
}
