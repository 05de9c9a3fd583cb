package sigma

import "testing"

// BenchmarkContainsFold is the case-insensitive contains at the heart of
// most text rules, on a log-like description.
func BenchmarkContainsFold(b *testing.B) {
	s := "sshd: Failed password for invalid user admin from 203.0.113.7 port 50022 ssh2 GET /wp-login.php session opened"
	pats := []string{"password", "/etc/passwd", "union", "session opened", "wget", "port 5"}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pats {
			containsFold(s, p)
		}
	}
}
