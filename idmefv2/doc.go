// Package idmefv2 is a typed Go model of IDMEFv2 (draft-lehmann-idmefv2,
// revision 2.D.V08, also accepting 2.D.V09-Dev whose schema differs only in
// Version), with a strict codec, fast validation, IDMEF paths and builders.
//
// The structs (Alert, Analyzer, Sensor, Source, Target, Attachment), the
// enumerations (Category, AnalyzerMethod, …, each with Valid and a Values
// list), the schema checks, the decoder, the encoder and the path accessors
// are generated from the official JSON schema by ./internal/gen; run
// `go generate ./idmefv2` after changing the schema copy next to the
// generator.
//
// # Decoding and encoding
//
// Decode rejects what the schema forbids structurally: malformed JSON,
// trailing data, a top-level value that is not an object, a value of the
// wrong JSON type and an unknown attribute (additionalProperties is false in
// every class). It also rejects duplicate member names and invalid UTF-8
// (RFC 7493, I-JSON), which JSON-schema validators silently accept. Every
// problem comes with its JSON pointer. Encode writes compact JSON; decoding,
// encoding and decoding again gives an equal Alert. Attachment.Content keeps
// the raw JSON, so an object stays an object and a string stays a string.
// DecodeShared (and DecodeValidateShared) decode without copying the input,
// for buffers that are never modified afterwards; a Scratch validates
// message after message in the same memory, for a caller that keeps nothing
// of the alert but its strings.
//
// Required attributes are always encoded, optional ones only when set. So
// Validate on an Alert reports what a JSON-schema validator would report on
// its encoding: an empty required ID is a pattern error, not a missing one.
//
// # Validation
//
// ValidateJSON (bytes) and Alert.Validate (model) return a Report of Issues,
// each with a JSON pointer, the rule and a message, errors apart from
// warnings. Schema rules carry the JSON-schema keyword they mirror
// (required, enum, pattern, type, format, minimum, maximum,
// additionalProperties); the acceptance of every pattern and format equals
// that of github.com/santhosh-tekuri/jsonschema/v6 (draft-04, formats
// asserted), which the tests use as an oracle. Malformed JSON gives
// json.syntax, json.duplicate-name, json.invalid-utf8 or json.depth.
//
// The draft text states rules that the schema cannot express. They are
// checked too:
//
//	rule                         severity  what
//	spec.port-range              error     Source/Target Port values are 1-65535
//	spec.integer-range           error     an integer does not fit the model (Port, Size)
//	spec.size-range              error     Attachment Size is not negative
//	spec.attachment-name-unique  error     Attachment names are unique within the alert
//	spec.attachment-ref          error     Source/Target Attachment entries name an Attachment
//	spec.date-time               error     timestamps are real dates and times (no month 00,
//	                                       no February 30, second 60 only for a leap second)
//	spec.timezone                warning   timestamps carry a zone (Z or ±hh:mm)
//	spec.time-order              error     EndTime is not before StartTime
//	spec.ext-value               error     ext-Category (Alert, Analyzer), ext-Data and
//	                                       ext-Method need the extension marker
//	                                       ("Other.ext-value" / "ext-value") in the list
//	                                       they extend
//	spec.ext-value               warning   the marker is used without ext-* values
//	spec.self-reference          error     PredID does not name the alert's own ID
//	                                       (UUIDs compare case-insensitively)
//	spec.self-reference          warning   CorrelID or RelID names the alert's own ID
//	spec.idmef-path              error     AggrCondition entries are valid IDMEF paths
//	spec.geolocation-range       error     GeoLocation latitude within ±90, longitude ±180
//	spec.content-encoding        error     base64 Content is valid base64 and not an object
//	spec.content-encoding        warning   ContentEncoding is "json" or "base64"
//	spec.hash-length             warning   a well-known hash function (md5, sha-1, sha-256…)
//	                                       has the matching number of hex digits
//
// # IDMEF paths
//
// ParsePath reads paths such as "Source(0).IP", "Source.IP" (index 0
// implied), "Source(*).IP" and "Attachment(1).Hash(0)"; Get, Set and Each
// use them on an Alert. See Path for the grammar.
//
// # Building messages
//
// NewAlert returns a minimal valid alert (UUID version 7 ID, Version,
// CreateTime); AddSource, AddTarget and AddAttachment complete it, and
// FormatTime and ParseTime convert timestamps.
package idmefv2

//go:generate go run ./internal/gen -schema internal/gen/IDMEFv2.V08.schema -out .
