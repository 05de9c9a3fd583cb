// Package upgrade turns IDMEFv2 messages of drafts V02–V07 (and V09-Dev) into draft V08
// messages, and in lenient mode repairs the defects common in connector output.
//
// It works on decoded JSON ([Upgrader.UpgradeMap]) or bytes ([Upgrader.Upgrade]), reports
// every modification as a [Change], and guarantees that a successful result validates
// against the embedded V08 schema (package idmefv2/schema is the oracle). The full mapping,
// with its tables and the reasons for each choice, is in docs/IDMEFV2-UPGRADE.md. In short:
//
//   - V02/V03 → V04: Entity becomes OrganisationName.
//   - V04/V05 → V06: a Confidence above 1 is read as a percentage.
//   - V06 → V07: Analyzer.Type moves to the alert's Type list; each Vector is carried in a
//     JSON attachment "Vector<i>"; ext-* strings become lists; the alert Category taxonomy,
//     the flat Analyzer.Category codes (NIDS → NET.NIDS …) and some Analyzer.Data names
//     (Auth → Authentication …) are mapped by tables; a missing Source/Target ID gets a
//     name-based UUID derived from the alert ID and the JSON pointer.
//   - V07 → V08: Status becomes a list, Recon.Netword becomes Recon.Network, EntitySector
//     values are renamed.
//
// Nothing is silently dropped. A renamed alert category keeps its old name in AltCategory; a
// value with no V08 equivalent goes to the matching ext-* list with the ext-value marker, or,
// when the attribute is not extensible, to a JSON attachment named "Legacy" keyed by the
// value's JSON pointer in the original message.
//
// Strict mode (the default) requires the input to be valid for the draft it declares. Lenient
// mode repairs instead, reporting each repair as a Repaired change: scalars where lists are
// required, Analyzer.Type as a string, timestamps without a zone (Options.DefaultZone),
// enum values in the wrong case or with stray spaces, Priority "Critical", IDs that are not
// UUIDs, unknown attributes such as Target.URL, and finally any optional value the V08
// schema still rejects, which is moved to the Legacy attachment.
package upgrade
