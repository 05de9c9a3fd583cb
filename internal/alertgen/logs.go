package alertgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// LogLine is one generated syslog message: what a Linux host would send
// for sshd, sudo, cron, nginx, the kernel's firewall, postfix or dovecot.
type LogLine struct {
	// Rule is the ID of the shipped parsing rule (rules/parsing) meant to
	// recognise the line; "" for a line no rule knows (cron), which is
	// only stored as a raw event.
	Rule     string
	Time     time.Time
	Host     string
	App      string // the syslog APP-NAME (program)
	ProcID   int
	Facility int // syslog facility (4 auth, 10 authpriv, 0 kern, 2 mail, 9 cron, 3 daemon)
	Severity int // syslog severity (6 info, 4 warning, 5 notice)
	Message  string
}

// RFC5424 formats the line as an RFC 5424 syslog message.
func (l LogLine) RFC5424() []byte {
	return fmt.Appendf(nil, "<%d>1 %s %s %s %d - - %s",
		l.Facility*8+l.Severity, l.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), l.Host, l.App, l.ProcID, l.Message)
}

// Frame is the line as one octet-counted TCP syslog frame (RFC 6587).
func (l LogLine) Frame() []byte {
	msg := l.RFC5424()
	return append(strconv.AppendInt(nil, int64(len(msg)), 10), append([]byte(" "), msg...)...)
}

// LogOptions configures a LogGenerator. The zero value is usable.
type LogOptions struct {
	Seed uint64           // 0 means 1
	Now  func() time.Time // nil means time.Now
}

// LogGenerator produces syslog lines scenario by scenario: each scenario
// (an SSH brute force that ends with a successful login, a web scan, a
// port scan, password spraying on the mail server, benign activity) is a
// sequence of lines handed out in order. The first scenario is always an
// SSH brute force by ListedAttacker on OpeningUser that succeeds, so that the brute-force, login after
// failures and threat-intelligence correlations fire early in a demo.
// It is not safe for concurrent use.
type LogGenerator struct {
	opts    LogOptions
	rnd     *rand.Rand
	queue   []LogLine
	started bool
}

// The actors of the first scenario. ListedAttacker is named by
// DemoIOCList; neither is used by the alert Generator, so that its alerts
// do not trigger (and then suppress) the same correlations first.
const (
	ListedAttacker = "198.51.100.66"
	OpeningUser    = "deploy"
)

// bruteForcedUsers are the accounts the SSH brute forces end on.
var bruteForcedUsers = []string{"root", "admin", "deploy", "backup", "git"}

// NewLogs returns a LogGenerator for opts.
func NewLogs(opts LogOptions) *LogGenerator {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &LogGenerator{opts: opts, rnd: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x51ed270b27e4a1c3))}
}

// Next returns the next line; its Time is the clock's now.
func (g *LogGenerator) Next() LogLine {
	if len(g.queue) == 0 {
		g.refill()
	}
	l := g.queue[0]
	g.queue = g.queue[1:]
	l.Time = g.opts.Now()
	l.ProcID = 1000 + g.rnd.IntN(60000)
	return l
}

// Run calls fn with count lines (count <= 0: until ctx ends), at most rate
// lines per second (rate <= 0: as fast as fn accepts them). It returns the
// number of lines generated, and ctx's error or fn's first error.
func (g *LogGenerator) Run(ctx context.Context, count int, rate float64, fn func(LogLine) error) (int, error) {
	return pace(ctx, count, rate, func() error { return fn(g.Next()) })
}

// logScenario appends the lines of one scenario.
type logScenario struct {
	weight int
	fill   func(g *LogGenerator)
}

func logScenarios() []logScenario {
	return []logScenario{
		{6, func(g *LogGenerator) {
			g.sshBruteForce(g.attackerV4or6(), g.pick(bruteForcedUsers), g.rnd.IntN(4) != 0)
		}},
		{8, (*LogGenerator).sshBenign},
		{5, (*LogGenerator).sudo},
		{6, (*LogGenerator).cron},
		{4, (*LogGenerator).webScan},
		{10, (*LogGenerator).webBenign},
		{3, (*LogGenerator).portScan},
		{3, (*LogGenerator).passwordSpraying},
		{4, (*LogGenerator).mailBenign},
	}
}

func (g *LogGenerator) refill() {
	if !g.started {
		g.started = true
		g.sshBruteForce(ListedAttacker, OpeningUser, true)
		return
	}
	scs := logScenarios()
	total := 0
	for _, s := range scs {
		total += s.weight
	}
	n := g.rnd.IntN(total)
	for _, s := range scs {
		if n < s.weight {
			s.fill(g)
			return
		}
		n -= s.weight
	}
}

// Syslog facilities and severities used below.
const (
	facKern, facMail, facDaemon, facAuth, facCron, facAuthpriv = 0, 2, 3, 4, 9, 10
	sevWarning, sevNotice, sevInfo                             = 4, 5, 6
)

func (g *LogGenerator) add(rule string, h, app string, fac, sev int, format string, args ...any) {
	g.queue = append(g.queue, LogLine{Rule: rule, Host: h, App: app, Facility: fac, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func (g *LogGenerator) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

func (g *LogGenerator) port() int { return 1024 + g.rnd.IntN(64511) }

func (g *LogGenerator) attackerV4() string { return g.pick(attackersV4) }

func (g *LogGenerator) attackerV4or6() string {
	if g.rnd.IntN(8) == 0 {
		return g.pick(attackersV6)
	}
	return g.attackerV4()
}

// sshHosts are the internal hosts running sshd.
func sshHosts() []host {
	var hs []host
	for _, h := range internalHosts {
		if _, ok := serviceOn(h, "sshd"); ok {
			hs = append(hs, h)
		}
	}
	return hs
}

func (g *LogGenerator) sshHost() host {
	hs := sshHosts()
	return hs[g.rnd.IntN(len(hs))]
}

// sshBruteForce: invalid users, then five to eight wrong passwords for
// user, then the password that worked (succeed) or a give-up.
func (g *LogGenerator) sshBruteForce(attacker, user string, succeed bool) {
	h := g.sshHost().name
	for range 2 + g.rnd.IntN(3) {
		u := g.pick(guessedUsers[2:])
		p := g.port()
		g.add("sshd.invalid-user", h, "sshd", facAuth, sevInfo, "Invalid user %s from %s port %d", u, attacker, p)
		g.add("sshd.failed-password.invalid-user", h, "sshd", facAuth, sevInfo, "Failed password for invalid user %s from %s port %d ssh2", u, attacker, p)
	}
	for range 5 + g.rnd.IntN(4) {
		g.add("sshd.failed-password", h, "sshd", facAuth, sevInfo, "Failed password for %s from %s port %d ssh2", user, attacker, g.port())
	}
	if !succeed {
		g.add("sshd.preauth-disconnect", h, "sshd", facAuth, sevInfo, "Disconnected from authenticating user %s %s port %d [preauth]", user, attacker, g.port())
		return
	}
	p := g.port()
	g.add("sshd.accepted", h, "sshd", facAuth, sevInfo, "Accepted password for %s from %s port %d ssh2", user, attacker, p)
	g.add("sshd.session", h, "sshd", facAuthpriv, sevInfo, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", user, g.uid(user))
}

func (g *LogGenerator) uid(user string) int {
	if user == "root" {
		return 0
	}
	return 1000 + len(user)
}

// internalClient is a workstation address of the corporate network.
func (g *LogGenerator) internalClient() string { return fmt.Sprintf("10.0.10.%d", 20+g.rnd.IntN(200)) }

func (g *LogGenerator) sshBenign() {
	h := g.sshHost().name
	u := g.pick(users)
	ip, p := g.internalClient(), g.port()
	g.add("sshd.accepted", h, "sshd", facAuth, sevInfo, "Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s", u, ip, p, g.fingerprint())
	g.add("sshd.session", h, "sshd", facAuthpriv, sevInfo, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", u, g.uid(u))
	g.add("sshd.disconnect", h, "sshd", facAuth, sevInfo, "Received disconnect from %s port %d:11: disconnected by user", ip, p)
	g.add("sshd.disconnect", h, "sshd", facAuth, sevInfo, "Disconnected from user %s %s port %d", u, ip, p)
	g.add("sshd.session", h, "sshd", facAuthpriv, sevInfo, "pam_unix(sshd:session): session closed for user %s", u)
}

// Alphabets of random tokens.
const (
	base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	alnumChars  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// token returns n characters drawn from chars.
func (g *LogGenerator) token(chars string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.rnd.IntN(len(chars))]
	}
	return string(b)
}

// fingerprint is a key fingerprint as sshd logs it (unpadded base64).
func (g *LogGenerator) fingerprint() string { return g.token(base64Chars, 43) }

var sudoCommands = []string{
	"/usr/bin/systemctl restart nginx", "/usr/bin/apt-get upgrade -y", "/usr/bin/journalctl -u sshd",
	"/usr/bin/tail -n 100 /var/log/syslog", "/usr/sbin/ufw status", "/bin/bash",
}

func (g *LogGenerator) sudo() {
	h := g.sshHost().name
	u := g.pick(users)
	cmdline := g.pick(sudoCommands)
	pwd := "/home/" + u
	switch g.rnd.IntN(6) {
	case 0:
		g.add("sudo.not-in-sudoers", h, "sudo", facAuthpriv, sevNotice, "%s : user NOT in sudoers ; TTY=pts/%d ; PWD=%s ; USER=root ; COMMAND=%s", u, g.rnd.IntN(4), pwd, cmdline)
		return
	case 1:
		g.add("sudo.auth-failure", h, "sudo", facAuthpriv, sevNotice, "pam_unix(sudo:auth): authentication failure; logname=%s uid=%d euid=0 tty=/dev/pts/0 ruser=%s rhost=  user=%s", u, g.uid(u), u, u)
		g.add("sudo.password-attempts", h, "sudo", facAuthpriv, sevNotice, "%s : 3 incorrect password attempts ; TTY=pts/0 ; PWD=%s ; USER=root ; COMMAND=%s", u, pwd, cmdline)
		return
	}
	g.add("sudo.command", h, "sudo", facAuthpriv, sevNotice, "%s : TTY=pts/%d ; PWD=%s ; USER=root ; COMMAND=%s", u, g.rnd.IntN(4), pwd, cmdline)
	g.add("sudo.session", h, "sudo", facAuthpriv, sevInfo, "pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)", u, g.uid(u))
	g.add("sudo.session", h, "sudo", facAuthpriv, sevInfo, "pam_unix(sudo:session): session closed for user root")
}

var cronJobs = []string{
	"   cd / && run-parts --report /etc/cron.hourly", "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
	"/usr/local/bin/backup.sh >/dev/null 2>&1", "[ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean",
}

// cron lines match no shipped rule: they are only stored as raw events.
func (g *LogGenerator) cron() {
	h := g.pick(internalHostNames())
	g.add("", h, "CRON", facAuthpriv, sevInfo, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
	g.add("", h, "CRON", facCron, sevInfo, "(root) CMD (%s)", g.pick(cronJobs))
	g.add("", h, "CRON", facAuthpriv, sevInfo, "pam_unix(cron:session): session closed for user root")
}

func internalHostNames() []string {
	names := make([]string, len(internalHosts))
	for i, h := range internalHosts {
		names[i] = h.name
	}
	return names
}

// webHosts are the internal hosts running a web server, with its program.
func (g *LogGenerator) webHost() (string, string) {
	if g.rnd.IntN(3) == 0 {
		return internalHosts[1].name, "apache2"
	}
	return internalHosts[0].name, "nginx"
}

var (
	scannerPaths = []string{"/.env", "/.git/config", "/wp-login.php", "/xmlrpc.php", "/cgi-bin/luci", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
		"/actuator/health", "/boaform/admin/formLogin", "/solr/admin/info/system", "/.aws/credentials", "/config.php"}
	adminPaths   = []string{"/admin/", "/wp-admin/", "/administrator/index.php", "/manager/html", "/phpmyadmin/", "/user/login"}
	missingPaths = []string{"/old/index.html", "/backup.zip", "/test.php", "/shell.php", "/db.sql", "/api/v1/debug", "/server-status", "/info.php"}
	okPaths      = []string{"/", "/index.html", "/static/app.js", "/static/style.css", "/products", "/contact", "/api/v1/items?page=2", "/favicon.ico"}
	browsers     = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
	}
	scanners = []string{"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:001234)", "sqlmap/1.8.11#stable (https://sqlmap.org)",
		"Mozilla/5.0 zgrab/0.x", "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))"}
)

// access formats a combined-format access log line at the clock's now.
func (g *LogGenerator) access(ip, user, method, path string, status, size int, agent string) string {
	return fmt.Sprintf(`%s - %s [%s] "%s %s HTTP/1.1" %d %d "-" "%s"`, ip, user, g.opts.Now().Format("02/Jan/2006:15:04:05 -0700"), method, path, status, size, agent)
}

// webScan: an attacker probes scanner and admin paths and many missing
// pages, some with a scanning tool's user agent.
func (g *LogGenerator) webScan() {
	h, app := g.webHost()
	ip := g.attackerV4or6()
	agent := g.pick(browsers)
	for range 12 + g.rnd.IntN(14) {
		switch g.rnd.IntN(5) {
		case 0:
			g.add("web.admin-denied", h, app, facDaemon, sevInfo, "%s", g.access(ip, "-", "GET", g.pick(adminPaths), 403, 153, agent))
		case 1, 2:
			g.add("web.scanner-path", h, app, facDaemon, sevInfo, "%s", g.access(ip, "-", "GET", g.pick(scannerPaths), 404, 153, agent))
		case 3:
			g.add("web.scanner-agent", h, app, facDaemon, sevInfo, "%s", g.access(ip, "-", "GET", "/", 200, 612, g.pick(scanners)))
		default:
			g.add("web.client-error", h, app, facDaemon, sevInfo, "%s", g.access(ip, "-", "GET", g.pick(missingPaths), 404, 153, agent))
		}
	}
}

func (g *LogGenerator) webBenign() {
	h, app := g.webHost()
	ip := g.pick([]string{g.internalClient(), g.attackerV4()})
	agent := g.pick(browsers)
	for range 2 + g.rnd.IntN(5) {
		g.add("web.access", h, app, facDaemon, sevInfo, "%s", g.access(ip, "-", "GET", g.pick(okPaths), 200, 500+g.rnd.IntN(40000), agent))
	}
}

var scanPorts = []int{21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1433, 1521, 2049, 3306, 3389, 5432, 5900, 5985, 6379, 8000, 8080, 8443, 9200, 11211, 27017}

// portScan: the firewall in front of one host drops a SYN scan of 30 to
// 45 ports (the scan correlation wants 30 alerts within a minute).
func (g *LogGenerator) portScan() {
	t := internalHosts[g.rnd.IntN(len(internalHosts))]
	src := g.attackerV4()
	sp := g.port()
	for i := range 30 + g.rnd.IntN(16) {
		dpt := scanPorts[i%len(scanPorts)]
		if i >= len(scanPorts) {
			dpt = 1 + g.rnd.IntN(65535)
		}
		g.add("netfilter.drop", "fw-01.corp.example", "kernel", facKern, sevWarning,
			"[UFW BLOCK] IN=eth0 OUT=eth1 MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=%s LEN=44 TOS=0x00 PREC=0x00 TTL=%d ID=%d PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0",
			src, t.ip, 30+g.rnd.IntN(200), g.rnd.IntN(65536), sp, dpt)
	}
	if g.rnd.IntN(2) == 0 {
		g.add("netfilter.drop-noport", "fw-01.corp.example", "kernel", facKern, sevWarning,
			"[UFW BLOCK] IN=eth0 OUT=eth1 MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=%s LEN=84 TOS=0x00 PREC=0x00 TTL=54 ID=1 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1", src, t.ip)
	}
}

// mailHost is the mail server (postfix and dovecot).
func mailHost() host { return internalHosts[3] }

// passwordSpraying: one source tries a few passwords on eight to twelve
// mail accounts (dovecot), and SMTP AUTH (postfix).
func (g *LogGenerator) passwordSpraying() {
	m := mailHost()
	src := g.attackerV4()
	for _, i := range g.rnd.Perm(len(users))[:8+g.rnd.IntN(5)] {
		g.add("dovecot.auth-failed", m.name, "dovecot", facMail, sevInfo,
			"imap-login: Disconnected (auth failed, %d attempts in %d secs): user=<%s>, method=PLAIN, rip=%s, lip=%s, TLS, session=<%s>",
			1+g.rnd.IntN(3), 2+g.rnd.IntN(10), users[i], src, m.ip, g.session())
		if g.rnd.IntN(3) == 0 {
			g.add("postfix.connection", m.name, "postfix/submission/smtpd", facMail, sevInfo, "connect from unknown[%s]", src)
			g.add("postfix.sasl-failed", m.name, "postfix/submission/smtpd", facMail, sevWarning, "warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6", src)
			g.add("postfix.connection", m.name, "postfix/submission/smtpd", facMail, sevInfo, "disconnect from unknown[%s] ehlo=1 auth=0/1 quit=1 commands=2/3", src)
		}
	}
	if g.rnd.IntN(2) == 0 {
		g.add("dovecot.unknown-user", m.name, "dovecot", facMail, sevInfo, "auth: passwd-file(%s,%s,<%s>): unknown user", g.pick(guessedUsers), src, g.session())
	}
}

// session is a dovecot session ID.
func (g *LogGenerator) session() string { return g.token(alnumChars, 12) }

func (g *LogGenerator) mailBenign() {
	m := mailHost()
	u := g.pick(users)
	ip := g.internalClient()
	g.add("dovecot.login", m.name, "dovecot", facMail, sevInfo, "imap-login: Login: user=<%s>, method=PLAIN, rip=%s, lip=%s, mpid=%d, TLS, session=<%s>", u, ip, m.ip, 1000+g.rnd.IntN(30000), g.session())
	g.add("postfix.connection", m.name, "postfix/smtpd", facMail, sevInfo, "connect from unknown[%s]", ip)
	g.add("postfix.connection", m.name, "postfix/smtpd", facMail, sevInfo, "disconnect from unknown[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5", ip)
}

// pace calls next count times (count <= 0: until ctx ends), at most rate
// times per second (rate <= 0: as fast as next returns). It returns how
// many calls succeeded, and ctx's error or next's first error.
func pace(ctx context.Context, count int, rate float64, next func() error) (int, error) {
	var (
		start    = time.Now()
		interval time.Duration
	)
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	for n := 0; count <= 0 || n < count; n++ {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if interval > 0 {
			// Pace against the start time, not the previous call, so that
			// a slow consumer does not lower the long-run rate.
			if wait := time.Until(start.Add(time.Duration(n) * interval)); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return n, ctx.Err()
				case <-t.C:
				}
			}
		}
		if err := next(); err != nil {
			return n, err
		}
	}
	return count, nil
}
