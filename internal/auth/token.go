package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"math/big"
	"strings"
)

// API tokens look like vgt_<43 base62 characters><6 base62 characters>:
// 32 random bytes, then a CRC-32 of them. The prefix lets people and
// secret scanners recognise a Vigie token; the checksum lets a scanner (and
// this package, before any store lookup) reject a mistyped or made-up one.
const (
	TokenPrefix = "vgt_"

	tokenBodyLen  = 43 // 62^43 > 2^256
	tokenCheckLen = 6  // 62^6 > 2^32
	tokenLen      = len(TokenPrefix) + tokenBodyLen + tokenCheckLen
	base62        = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// TokenHash is the SHA-256 of a token or session ID: what the store keeps.
// The secrets are 256-bit random values, so a fast hash is enough (no
// dictionary to guess from) and lets a lookup be one indexed query.
type TokenHash [sha256.Size]byte

func hashSecret(s Secret) TokenHash { return sha256.Sum256([]byte(s.Reveal())) }

// newToken returns a fresh random API token.
func newToken() Secret {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never returns an error since Go 1.24
	}
	body := encode62(b[:], tokenBodyLen)
	return Secret(TokenPrefix + body + checksum(body))
}

// checkTokenFormat rejects strings that cannot be tokens, without any
// store lookup: wrong prefix, length, alphabet or checksum.
func checkTokenFormat(s string) error {
	if !strings.HasPrefix(s, TokenPrefix) {
		return errors.New("api token: missing " + TokenPrefix + " prefix")
	}
	if len(s) != tokenLen {
		return errors.New("api token: wrong length")
	}
	rest := s[len(TokenPrefix):]
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(base62, rest[i]) < 0 {
			return errors.New("api token: character outside [0-9A-Za-z]")
		}
	}
	body, sum := rest[:tokenBodyLen], rest[tokenBodyLen:]
	if checksum(body) != sum {
		return errors.New("api token: bad checksum (mistyped or truncated?)")
	}
	return nil
}

func checksum(body string) string {
	var b [4]byte
	c := crc32.ChecksumIEEE([]byte(body))
	b[0], b[1], b[2], b[3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
	return encode62(b[:], tokenCheckLen)
}

// encode62 writes b as a big-endian number in base 62, left-padded with
// '0' to width digits.
func encode62(b []byte, width int) string {
	n := new(big.Int).SetBytes(b)
	out := make([]byte, width)
	base := big.NewInt(62)
	mod := new(big.Int)
	for i := width - 1; i >= 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = base62[mod.Int64()]
	}
	return string(out)
}
