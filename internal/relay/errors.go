package relay

// Error types of a TR error object.
const (
	TypeFatal   = "fatal"
	TypeWarning = "warning"
)

// Codes of TR error objects. The first eight are the ones the original
// SecurityTrails relay emits (SPEC §2.2); CodeUnavailable is defined there
// but never emitted, and Vigie uses it for an unreachable upstream.
const (
	CodeAuthorization     = "authorization error"
	CodeInvalidArgument   = "invalid argument"
	CodeUnauthorized      = "unauthorized"
	CodeTooManyRequests   = "too many requests"
	CodeUnknown           = "unknown"
	CodeKeyError          = "key error"
	CodeUnprocessedPages  = "unprocessed pages"
	CodeHealthCheckFailed = "health check failed"
	CodeUnavailable       = "unavailable"
)

// AuthPrefix starts the message of every authorization error.
const AuthPrefix = "Authorization failed: "

// Reasons of authorization errors, to be used with [AuthError]. The first
// nine are the original relay's texts and must not change (SPEC §3.1).
const (
	ReasonHeaderMissing    = "Authorization header is missing"
	ReasonWrongType        = "Wrong authorization type"
	ReasonWrongStructure   = "Wrong JWT structure"
	ReasonJWKSHostMissing  = "jwks_host is missing in JWT payload. Make sure custom_jwks_host field is present in module_type"
	ReasonWrongJWKSHost    = "Wrong jwks_host in JWT payload. Make sure domain follows the visibility.<region>.cisco.com structure"
	ReasonPayloadStructure = "Wrong JWT payload structure"
	ReasonKidNotFound      = "kid from JWT header not found in API response"
	ReasonWrongKey         = "Failed to decode JWT with provided key. Make sure domain in custom_jwks_host corresponds to your SecureX instance region."
	ReasonWrongAudience    = "Wrong configuration-token-audience"
	ReasonBadCredentials   = "Invalid authentication credentials"
	ReasonMalformedHeader  = "Authorization header must have the form '<scheme> <token>'"
	ReasonWrongAlgorithm   = "Wrong JWT algorithm. Only RS256 is accepted"
	ReasonExpired          = "JWT has expired"
	ReasonNotYetValid      = "JWT is not yet valid"
	ReasonKeyNotRSA        = "the JWKS key named by the JWT kid is not a usable RSA public key"
)

// Error is a Threat Response error object. It is returned as an error by
// the framework and modules, and rendered as one entry of "errors".
// Field order is alphabetical so the JSON matches the original byte for byte.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Type    string `json:"type"`
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Fatal returns a fatal TR error.
func Fatal(code, message string) *Error {
	return &Error{Code: code, Message: message, Type: TypeFatal}
}

// Warning returns a TR warning.
func Warning(code, message string) *Error {
	return &Error{Code: code, Message: message, Type: TypeWarning}
}

// AuthError returns the fatal "authorization error" with the fixed prefix.
func AuthError(reason string) *Error {
	return Fatal(CodeAuthorization, AuthPrefix+reason)
}
