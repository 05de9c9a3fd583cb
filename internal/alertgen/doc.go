// Package alertgen generates realistic, varied and valid IDMEFv2 (2.D.V08)
// alerts for demos, tests and load: cyber alerts (brute force, scans, web
// attacks, malware, phishing, denial of service, data theft), physical alerts
// (intrusions seen by cameras and motion sensors, fire) and availability
// alerts (outages, overload), with IPv4 and IPv6 addresses, users, hosts,
// services and attachments.
//
// Output is deterministic for a given seed and clock, so tests and
// benchmarks can replay the same traffic. Attack scenarios come in bursts
// (the same attacker against the same target several times in a row), so
// that aggregation and correlation have something to find.
//
// For load generation, Templates replays a pool of generated alerts,
// encoded once, with a fresh ID and fresh times each: it costs a fraction
// of generating and encoding every alert.
package alertgen
