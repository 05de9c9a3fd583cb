// Package schema validates IDMEFv2 messages against the official JSON Schemas of every draft,
// embedded in the binary.
//
// The drafts are named after their folder in the IDMEFv2-Drafts-IETF repository:
// "V02" … "V08", "V09-Dev", and "legacy-SECEF-2.0.3" for the pre-IETF SECEF format whose
// Version is "2.0.3". [DraftOf] maps a message's Version member to its draft and
// [Validator.Detect] reads it from raw JSON, so a receiver can validate each message against
// the draft it declares.
//
// Validation uses github.com/santhosh-tekuri/jsonschema/v6 with its draft-04 defaults, which
// assert the "format" keyword (email, uri). The library's nested output is flattened into one
// [Error] per failing leaf, each with the JSON pointer of the offending value, the JSON-schema
// keyword that failed and a plain-English message; several missing or unknown attributes of
// one object give one Error each.
//
// The schema only covers what JSON Schema can express. The spec rules it misses (port ranges,
// real calendar dates, attachment references …) are checked elsewhere.
//
// The embedded schemas are IETF Code Components (Revised BSD); see schemas/README.md.
package schema
