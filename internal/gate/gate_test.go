package gate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/scan"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func vulnException(id string, mutate ...func(*exception.Exception)) *exception.Exception {
	x := &exception.Exception{
		ID: id, Type: exception.VulnerabilityScan, Status: exception.Approved,
		Vulnerabilities: []exception.Vulnerability{{CVE: "CVE-2019-18224", Severity: "Critical", Component: "libidn2-0", PURL: "pkg:deb/debian/libidn2-0"}},
		Controls:        []exception.Control{{ID: "egress", Specific: "s", Measurable: "m", Enforceable: "e"}},
		ExpiryDate:      exception.Date{Year: 2027, Month: 1, Day: 31},
		ApprovedBy:      []string{"@sec-bob"},
	}
	for _, m := range mutate {
		m(x)
	}
	return x
}

var idn = scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "libidn2-0", Version: "2.0.5-1",
	PURL: "pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64&distro=debian-10.2", Target: "fluentd (debian 10.2)", Source: scan.FormatTrivy}

func baseIntent() *Intent {
	return &Intent{ID: "intent-1", Application: "fluentd", Environment: "production"}
}

func decide(t *testing.T, in Input) *Decision {
	t.Helper()
	if in.Policy == nil {
		in.Policy = policy.Default()
	}
	if in.Intent == nil {
		in.Intent = baseIntent()
	}
	if in.Now.IsZero() {
		in.Now = now
	}
	return Decide(in)
}

func TestVulnerabilityMatching(t *testing.T) {
	tests := []struct {
		name     string
		finding  scan.Finding
		x        *exception.Exception
		intent   *Intent
		window   time.Duration
		covered  bool
		code     string // reason code when not covered
		needless bool   // the finding is below the blocking severity
	}{
		{name: "covered by purl without version and qualifiers", finding: idn, x: vulnException("a"), covered: true},
		{name: "id matched case-insensitively", finding: func() scan.Finding { f := idn; f.ID = "cve-2019-18224"; return f }(), x: vulnException("a"), covered: true},
		{name: "covered through an alias", finding: func() scan.Finding {
			f := idn
			f.ID = "GHSA-xxxx-yyyy-zzzz"
			f.Aliases = []string{"CVE-2019-18224"}
			return f
		}(), x: vulnException("a"), covered: true},
		{name: "covered by component name", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.Vulnerabilities[0].PURL = "" }), covered: true},
		{name: "seed name-vX.Y.Z form pins the version", finding: scan.Finding{ID: "CVE-2024-1234", Severity: scan.High, Package: "library", Version: "1.2.3"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2024-1234", Severity: "High", Component: "library-v1.2.3"}}
			}), covered: true},
		{name: "seed form with another version", finding: scan.Finding{ID: "CVE-2024-1234", Severity: scan.High, Package: "library", Version: "1.2.4"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2024-1234", Severity: "High", Component: "library-v1.2.3"}}
			}), code: "wrong-component"},
		{name: "wrong component", finding: func() scan.Finding {
			f := idn
			f.Package = "libidn2-dev"
			f.PURL = "pkg:deb/debian/libidn2-dev@2.0.5-1"
			return f
		}(), x: vulnException("a"), code: "wrong-component"},
		// A version in the entry's purl, or the name-vX.Y.Z form next to a
		// purl, pins the version as the form alone does.
		{name: "purl with the finding's version", finding: idn, x: vulnException("a", func(x *exception.Exception) {
			x.Vulnerabilities[0].PURL = "pkg:deb/debian/libidn2-0@2.0.5-1"
		}), covered: true},
		{name: "purl with another version", finding: idn, x: vulnException("a", func(x *exception.Exception) {
			x.Vulnerabilities[0].PURL = "pkg:deb/debian/libidn2-0@2.0.4-1"
		}), code: "wrong-component"},
		{name: "name-vX.Y.Z pin next to a purl, same version", finding: idn, x: vulnException("a", func(x *exception.Exception) {
			x.Vulnerabilities[0].Component = "libidn2-0-v2.0.5-1"
		}), covered: true},
		{name: "name-vX.Y.Z pin next to a purl, another version", finding: idn, x: vulnException("a", func(x *exception.Exception) {
			x.Vulnerabilities[0].Component = "libidn2-0-v2.0.4"
		}), code: "wrong-component"},
		{name: "component as a versioned purl", finding: idn, x: vulnException("a", func(x *exception.Exception) {
			x.Vulnerabilities[0].PURL = ""
			x.Vulnerabilities[0].Component = "pkg:deb/debian/libidn2-0@9.9"
		}), code: "wrong-component"},
		{name: "purl version pins a finding without a purl", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "libidn2-0", Version: "9.9"},
			x: vulnException("a", func(x *exception.Exception) { x.Vulnerabilities[0].PURL = "pkg:deb/debian/libidn2-0@2.0.5-1" }), code: "wrong-component"},
		{name: "purl names an OSV finding by its name and ecosystem", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "libidn2-0", Version: "2.0.5-1", Ecosystem: "Debian:10"},
			x: vulnException("a", func(x *exception.Exception) { x.Vulnerabilities[0].PURL = "pkg:deb/debian/libidn2-0@2.0.5-1" }), covered: true},
		{name: "a purl does not name a finding that says neither purl nor ecosystem", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "libidn2-0", Version: "2.0.5-1"},
			x: vulnException("a", func(x *exception.Exception) { x.Vulnerabilities[0].PURL = "pkg:deb/debian/libidn2-0@2.0.5-1" }), code: "wrong-component"},
		{name: "a purl whose parts do not decode matches nothing", finding: idn, x: vulnException("a", func(x *exception.Exception) {
			x.Vulnerabilities[0].PURL = "pkg:deb/debian/libidn2-0@2.0.5-1%zz"
		}), code: "wrong-component"},
		{name: "a purl that does not parse does not fall back to the name", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "libidn2-0"},
			x: vulnException("a", func(x *exception.Exception) { x.Vulnerabilities[0].PURL = "pkg:deb/debian/libidn2-0@a@b" }), code: "wrong-component"},
		{name: "name-vX.Y.Z pin with a namespace", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "@acme/lib", Version: "9.9.9", PURL: "pkg:npm/%40acme/lib@9.9.9"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "@acme/lib-v1.2.3", PURL: "pkg:npm/%40acme/lib"}
			}), code: "wrong-component"},
		{name: "encoded and plain purls of one package", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "name", Version: "2.0.0", PURL: "pkg:npm/%40scope/name@2.0.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "pkg:npm/@scope/name@2.0.0"}
			}), covered: true},
		{name: "an epoch in the pin, Trivy's epoch qualifier", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", Version: "1:3.0.1-1", PURL: "pkg:deb/debian/openssl@3.0.1-1?arch=amd64&epoch=1"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:deb/debian/openssl@1:3.0.1-1"}
			}), covered: true},
		{name: "a pin without the finding's epoch", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", Version: "1:3.0.1-1", PURL: "pkg:deb/debian/openssl@3.0.1-1?arch=amd64&epoch=1"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:deb/debian/openssl@3.0.1-1"}
			}), code: "wrong-component"},
		{name: "a scoped package is not its bare name", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "lib", Version: "1.0.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "@acme/lib", PURL: "pkg:npm/%40acme/lib"}
			}), code: "wrong-component"},
		{name: "maven group:artifact as OSV-Scanner names it", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Ecosystem: "Maven"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "log4j-core", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}
			}), covered: true},
		{name: "maven pinned, another version", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "org.apache.logging.log4j:log4j-core", Version: "2.17.0", Ecosystem: "Maven"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "log4j-core", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}
			}), code: "wrong-component"},
		{name: "maven name-vX.Y.Z pin", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "log4j-core", Version: "2.17.0", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "org.apache.logging.log4j:log4j-core-v2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core"}
			}), code: "wrong-component"},
		{name: "an epoch of 0 is no epoch", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", Version: "0:3.0.1-1.el9", PURL: "pkg:rpm/redhat/openssl@3.0.1-1.el9?epoch=0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:rpm/redhat/openssl@0:3.0.1-1.el9"}
			}), covered: true},
		{name: "a bare component beside a scoped purl does not name the bare package", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "lib", Version: "1.0.0", Ecosystem: "npm"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "lib", PURL: "pkg:npm/%40acme/lib"}
			}), code: "wrong-component"},
		{name: "a component naming another package than the purl", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "lodash", Version: "2.0.0", Ecosystem: "npm"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "lodash", PURL: "pkg:npm/%40acme/lib@2.0.0"}
			}), code: "wrong-component"},
		{name: "an OSV finding of another ecosystem", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "requests", Version: "2.0.0", Ecosystem: "npm"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "requests", PURL: "pkg:pypi/requests"}
			}), code: "wrong-component"},
		{name: "an OSV finding of another distribution", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", Version: "3.0.1-1", Ecosystem: "Alpine:v3.18"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:deb/debian/openssl@3.0.1-1"}
			}), code: "wrong-component"},
		{name: "an OSV finding of the purl's ecosystem", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", Version: "3.0.1-1", Ecosystem: "Debian:12"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:deb/debian/openssl@3.0.1-1"}
			}), covered: true},
		// The package URL specification lowercases Go module paths, and
		// Trivy writes and reads them so.
		{name: "Go module paths compare in lowercase", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "github.com/BurntSushi/toml", Version: "v1.2.0", PURL: "pkg:golang/github.com/burntsushi/toml@v1.2.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "github.com/BurntSushi/toml-v1.2.0", PURL: "pkg:golang/github.com/BurntSushi/toml"}
			}), covered: true},
		{name: "PyPI names as the specification normalises them", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "typing_extensions", Version: "4.0.0", PURL: "pkg:pypi/typing-extensions@4.0.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "typing_extensions", PURL: "pkg:pypi/typing_extensions"}
			}), covered: true},
		{name: "Maven names letter for letter", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "log4j-core", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "LOG4J-CORE", PURL: "pkg:maven/org.apache.logging.log4j/LOG4J-CORE"}
			}), code: "wrong-component"},
		{name: "two pins that disagree", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "lodash", Version: "2.0.0", PURL: "pkg:npm/lodash@2.0.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "lodash-v1.0.0", PURL: "pkg:npm/lodash@2.0.0"}
			}), code: "wrong-component"},
		{name: "a component purl naming another package", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "lodash", Version: "2.0.0", PURL: "pkg:npm/lodash@2.0.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "pkg:npm/other", PURL: "pkg:npm/lodash"}
			}), code: "wrong-component"},
		{name: "a component purl's version pins", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "lodash", Version: "2.0.0", PURL: "pkg:npm/lodash@2.0.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "pkg:npm/lodash@1.0.0", PURL: "pkg:npm/lodash"}
			}), code: "wrong-component"},
		{name: "an empty pin", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", PURL: "pkg:npm/openssl"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:npm/openssl@0:"}
			}), code: "wrong-component"},
		{name: "an epoch-0 version that looks like an epoch", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", PURL: "pkg:rpm/redhat/openssl@3.0.1-1.el9?arch=x86_64&epoch=1"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:rpm/redhat/openssl@0:1:3.0.1-1.el9"}
			}), code: "wrong-component"},
		{name: "an epoch written 00", finding: scan.Finding{ID: "CVE-2019-18224", Severity: scan.Critical, Package: "openssl", PURL: "pkg:rpm/redhat/openssl@3.0.1-1.el9?arch=x86_64"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-2019-18224", Component: "openssl", PURL: "pkg:rpm/redhat/openssl@00:3.0.1-1.el9"}
			}), covered: true},
		{name: "pending", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.Status = exception.Pending }), code: "pending"},
		{name: "denied", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.Status = exception.Denied }), code: "denied"},
		{name: "status expired", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.Status = exception.Expired }), code: "expired"},
		{name: "approved past its date", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.ExpiryDate = exception.Date{Year: 2026, Month: 11, Day: 28} }), code: "expired"},
		{name: "valid through the end of its last day", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.ExpiryDate = exception.Date{Year: 2026, Month: 11, Day: 29} }), covered: true},
		{name: "out of scope application", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.Scope.Applications = []string{"other"} }), code: "out-of-scope"},
		{name: "out of scope environment", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.Scope.Environments = []string{"staging"} }), code: "out-of-scope"},
		{name: "in scope", finding: idn, x: vulnException("a", func(x *exception.Exception) {
			x.Scope = exception.Scope{Applications: []string{"Fluentd"}, Environments: []string{"production"}}
		}), covered: true},
		{name: "linked to another intent", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.DeploymentIntentID = "intent-2" }), code: "other-intent"},
		{name: "linked to this intent", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.DeploymentIntentID = "intent-1" }), covered: true},
		{name: "not among the intent's exceptions", finding: idn, x: vulnException("a"), intent: &Intent{ID: "intent-1", Application: "fluentd", Environment: "production", Exceptions: []string{"b"}}, code: "not-linked"},
		{name: "expires inside the window", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.ExpiryDate = exception.Date{Year: 2026, Month: 11, Day: 29} }), window: 13 * time.Hour, code: "expires-in-window"},
		{name: "outlives the window", finding: idn, x: vulnException("a", func(x *exception.Exception) { x.ExpiryDate = exception.Date{Year: 2026, Month: 11, Day: 29} }), window: 11 * time.Hour, covered: true},
		{name: "no exception", finding: func() scan.Finding { f := idn; f.ID = "CVE-2099-0001"; return f }(), x: vulnException("a"), code: "no-exception"},
		{name: "medium does not block", finding: func() scan.Finding { f := idn; f.Severity = scan.Medium; return f }(), x: vulnException("a"), needless: true},
		{name: "unknown does not block", finding: func() scan.Finding { f := idn; f.Severity = scan.Unknown; return f }(), x: vulnException("a"), needless: true},
		// A blank component names nothing: not the findings that have no
		// package (every SARIF result outside Trivy's).
		{name: "blank component", finding: scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Source: scan.FormatSARIF},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2024-0001", Severity: "High", Component: " "}}
			}), code: "wrong-component"},
		// Two package URLs that do not parse are not the same package.
		{name: "unparsable purls", finding: scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Package: "openssl", Version: "1.0", PURL: "pkg:npm/openssl@npm:openssl@1.0"},
			x: vulnException("a", func(x *exception.Exception) {
				x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2024-0001", Severity: "High", Component: "libfoo", PURL: "pkg:npm/"}}
			}), code: "wrong-component"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, Input{Intent: tt.intent, Findings: []scan.Finding{tt.finding}, Exceptions: []*exception.Exception{tt.x}, Window: tt.window})
			if tt.needless {
				assert.Empty(t, d.Needs)
				assert.True(t, d.Allowed)
				return
			}
			require.Len(t, d.Needs, 1)
			n := d.Needs[0]
			assert.Equal(t, tt.covered, n.Covered(), "%+v", n)
			assert.Equal(t, tt.covered, d.Allowed)
			if !tt.covered {
				require.NotEmpty(t, n.Rejected)
				assert.Equal(t, tt.code, n.Rejected[0].Code, n.Rejected[0].Detail)
			}
		})
	}
}

// Findings whose package URLs do not parse stay apart by package: each
// needs its own exception.
func TestFindingsWithUnparsablePURLsStayApart(t *testing.T) {
	f1 := scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Package: "openssl", Version: "1.0", PURL: "pkg:npm/openssl@npm:openssl@1.0"}
	f2 := scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Package: "libcurl", Version: "1.0", PURL: "pkg:npm/libcurl@npm:libcurl@1.0"}
	x := vulnException("a", func(x *exception.Exception) {
		x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2024-0001", Severity: "Critical", Component: "openssl"}}
	})
	d := decide(t, Input{Findings: []scan.Finding{f1, f2}, Exceptions: []*exception.Exception{x}})
	require.Len(t, d.Needs, 2)
	assert.False(t, d.Allowed)
}

// A finding whose package URL does not parse is judged on its own, in
// whatever order the reports list it: grouped with a finding of the same
// name, it would take that finding's verdict.
func TestUnparsablePURLIsJudgedInAnyOrder(t *testing.T) {
	plain := scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Package: "openssl", Version: "1.0"}
	odd := scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Package: "openssl", Version: "1.0", PURL: "pkg:npm/openssl@npm:openssl@1.0"}
	x := vulnException("a", func(x *exception.Exception) {
		x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2024-0001", Severity: "Critical", Component: "openssl", PURL: "pkg:deb/debian/openssl"}}
	})
	for _, fs := range [][]scan.Finding{{odd}, {plain, odd}, {odd, plain}} {
		d := decide(t, Input{Findings: fs, Exceptions: []*exception.Exception{x}})
		assert.False(t, d.Allowed, "%d findings, first %s", len(fs), fs[0].PURL)
	}
}

// Two packages whose package URLs fail to parse the same way are still
// two packages.
func TestUnparsablePURLsOfTwoPackages(t *testing.T) {
	covered := scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Package: "openssl", Version: "1.0", PURL: "unknown"}
	other := scan.Finding{ID: "CVE-2024-0001", Severity: scan.Critical, Package: "evilpkg", Version: "1.0", PURL: "UNKNOWN"}
	x := vulnException("a", func(x *exception.Exception) {
		x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2024-0001", Severity: "Critical", Component: "openssl"}}
	})
	for _, fs := range [][]scan.Finding{{other}, {covered, other}, {other, covered}} {
		d := decide(t, Input{Findings: fs, Exceptions: []*exception.Exception{x}})
		assert.False(t, d.Allowed, "%d findings, first %s", len(fs), fs[0].Package)
	}
	// Nor can a field that spells out another's key join them.
	covered.PURL, other.PURL, other.Package = "x\x01q", "x", "q\x01openssl"
	d := decide(t, Input{Findings: []scan.Finding{covered, other}, Exceptions: []*exception.Exception{x}})
	assert.False(t, d.Allowed)
	covered.PURL, other.PURL, other.Package = "unknown", "", "u\"unknown\"\"openssl\""
	d = decide(t, Input{Findings: []scan.Finding{covered, other}, Exceptions: []*exception.Exception{x}})
	assert.False(t, d.Allowed)
	other.Package = "\x01\"unknown\"\"openssl\""
	d = decide(t, Input{Findings: []scan.Finding{covered, other}, Exceptions: []*exception.Exception{x}})
	assert.False(t, d.Allowed)
}

func TestBlockingSeverityFromPolicy(t *testing.T) {
	p := policy.Default()
	p.Gate.BlockingSeverities = []string{"Critical", "High", "Medium"}
	medium := idn
	medium.Severity = scan.Medium
	d := decide(t, Input{Policy: p, Findings: []scan.Finding{medium}})
	require.Len(t, d.Needs, 1)
	assert.False(t, d.Allowed)
}

func TestFindingsGroupedAcrossTargets(t *testing.T) {
	a, b := idn, idn
	b.Target = "another layer"
	ssl := idn
	ssl.Package, ssl.PURL = "libssl1.1", "pkg:apk/alpine/libssl1.1@1.1.1"
	d := decide(t, Input{Findings: []scan.Finding{a, b, ssl}, Exceptions: []*exception.Exception{vulnException("x")}})
	require.Len(t, d.Needs, 2, "one need per vulnerability and component")
	assert.Equal(t, []string{"fluentd (debian 10.2)", "another layer"}, d.Needs[0].Targets)
	assert.Equal(t, 3, d.Findings["Critical"])
	assert.False(t, d.Allowed, "libssl1.1 is not covered")
}

func TestPrefersLongestValid(t *testing.T) {
	short := vulnException("short", func(x *exception.Exception) { x.ExpiryDate = exception.Date{Year: 2026, Month: 12, Day: 2} })
	long := vulnException("long")
	d := decide(t, Input{Findings: []scan.Finding{idn}, Exceptions: []*exception.Exception{short, long}})
	require.Len(t, d.Needs, 1)
	assert.Equal(t, "long", d.Needs[0].CoveredBy)
	assert.Empty(t, d.Warnings)

	d = decide(t, Input{Findings: []scan.Finding{idn}, Exceptions: []*exception.Exception{short}})
	assert.True(t, d.Allowed)
	require.Len(t, d.Warnings, 1)
	assert.Equal(t, "expiring-soon", d.Warnings[0].Code)
}

func TestArtifactsBoundariesGates(t *testing.T) {
	digest := "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
	unsigned := &exception.Exception{ID: "u", Type: exception.UnsignedPackage, Status: exception.Approved, ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 1},
		Packages: []exception.Package{{Name: "hsm-client", Version: "4.2.1", SHA256: "sha256:" + digest}}}
	boundary := &exception.Exception{ID: "b", Type: exception.CrossBoundary, Status: exception.Approved, ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 1},
		Boundary: &exception.Boundary{Source: "initech-prod", Target: "acme-prod"}, CABApprovedBy: []string{"@cab"}}
	override := &exception.Exception{ID: "g", Type: exception.GateOverride, Status: exception.Approved, ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 1},
		Gate: &exception.Gate{Name: "integration-coverage", Threshold: "80", Actual: "76.5"}}
	intent := func(mut func(*Intent)) *Intent {
		in := baseIntent()
		in.Artifacts = []Artifact{{Name: "hsm-client", Digest: digest, Signed: false}}
		in.Boundary = &Boundary{Source: "initech-prod", Target: "acme-prod"}
		in.Gates = []GateResult{{Name: "integration-coverage", Threshold: "80", Actual: "76.5", Passed: false}, {Name: "unit", Passed: true}}
		if mut != nil {
			mut(in)
		}
		return in
	}
	all := []*exception.Exception{unsigned, boundary, override}
	tests := []struct {
		name    string
		intent  *Intent
		xs      []*exception.Exception
		blocked map[Kind]string // kind → reason code
	}{
		{name: "all covered", intent: intent(nil), xs: all},
		{name: "nothing covered", intent: intent(nil), blocked: map[Kind]string{NeedUnsigned: "no-exception", NeedBoundary: "no-exception", NeedGate: "no-exception"}},
		{name: "digest differs", intent: intent(func(in *Intent) { in.Artifacts[0].Digest = "00" + digest[2:] }), xs: all, blocked: map[Kind]string{NeedUnsigned: "wrong-component"}},
		{name: "boundary without CAB", intent: intent(nil), xs: []*exception.Exception{unsigned, override, func() *exception.Exception { b := *boundary; b.CABApprovedBy = nil; return &b }()}, blocked: map[Kind]string{NeedBoundary: "no-cab-approval"}},
		{name: "other direction", intent: intent(func(in *Intent) { in.Boundary = &Boundary{Source: "acme-prod", Target: "initech-prod"} }), xs: all, blocked: map[Kind]string{NeedBoundary: "no-exception"}},
		{name: "same boundary needs nothing", intent: intent(func(in *Intent) { in.Boundary = &Boundary{Source: "acme-prod", Target: "acme-prod"} }), xs: []*exception.Exception{unsigned, override}},
		{name: "signed artifact needs nothing", intent: intent(func(in *Intent) { in.Artifacts[0].Signed = true }), xs: []*exception.Exception{boundary, override}},
		// An override is for the shortfall it was approved for: 76.5
		// against 80 covers 77, not 0, and not another threshold.
		{name: "gate nearer its threshold", intent: intent(func(in *Intent) { in.Gates[0].Actual = "77" }), xs: all},
		{name: "gate further from its threshold", intent: intent(func(in *Intent) { in.Gates[0].Actual = "0" }), xs: all, blocked: map[Kind]string{NeedGate: "gate-worse"}},
		{name: "gate against another threshold", intent: intent(func(in *Intent) { in.Gates[0].Threshold = "70"; in.Gates[0].Actual = "60" }), xs: all, blocked: map[Kind]string{NeedGate: "gate-worse"}},
		{name: "gate without a number", intent: intent(func(in *Intent) { in.Gates[0].Actual = "unknown" }), xs: all, blocked: map[Kind]string{NeedGate: "gate-worse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, Input{Intent: tt.intent, Exceptions: tt.xs})
			got := map[Kind]string{}
			for _, n := range d.Blocked() {
				got[n.Kind] = n.Rejected[0].Code
			}
			if tt.blocked == nil {
				tt.blocked = map[Kind]string{}
			}
			assert.Equal(t, tt.blocked, got)
			assert.Equal(t, len(tt.blocked) == 0, d.Allowed)
		})
	}
}

// Which way is worse follows from the approved values.
func TestGateWorse(t *testing.T) {
	coverage := exception.Gate{Name: "coverage", Threshold: "80", Actual: "76.5"}
	criticals := exception.Gate{Name: "criticals", Threshold: "0", Actual: "2"}
	named := exception.Gate{Name: "review", Threshold: "approved", Actual: "pending"}
	for _, tt := range []struct {
		approved  exception.Gate
		threshold string
		actual    string
		worse     bool
	}{
		{coverage, "80", "76.5", false},
		{coverage, "80%", "79%", false},
		{coverage, "", "77", false},
		{coverage, "80", "76.4", true},
		{coverage, "90", "80", true},
		{criticals, "0", "1", false},
		{criticals, "0", "3", true},
		{named, "approved", "Pending", false},
		{named, "approved", "missing", true},
		{coverage, "80", "NaN", true},
		// Approved on the passing side of its threshold: the failed
		// result says which way is worse, not the approved value.
		{exception.Gate{Name: "coverage", Threshold: "80", Actual: "85"}, "80", "0", true},
		{exception.Gate{Name: "coverage", Threshold: "80", Actual: "85"}, "80", "79", true},
		// Failed at the threshold itself (a strict gate): as near as any.
		{coverage, "80", "80", false},
		{criticals, "0", "0", false},
	} {
		got := gateWorse(tt.approved, GateResult{Name: tt.approved.Name, Threshold: tt.threshold, Actual: tt.actual})
		assert.Equal(t, tt.worse, got != "", "%s %s/%s: %q", tt.approved.Name, tt.actual, tt.threshold, got)
	}
}

func TestActiveControls(t *testing.T) {
	p := policy.Default()
	p.Gate.RequireActiveControls = true
	fresh := now.Add(-time.Hour)
	tests := []struct {
		name     string
		controls map[string]ControlStatus
		x        *exception.Exception
		code     string
	}{
		{name: "active and fresh", controls: map[string]ControlStatus{"egress": {Active: true, VerifiedAt: fresh}}, x: vulnException("a")},
		{name: "no export given", x: vulnException("a"), code: "controls-not-reported"},
		{name: "missing from export", controls: map[string]ControlStatus{}, x: vulnException("a"), code: "control-unknown"},
		{name: "inactive", controls: map[string]ControlStatus{"egress": {Active: false, VerifiedAt: fresh}}, x: vulnException("a"), code: "control-inactive"},
		{name: "stale", controls: map[string]ControlStatus{"egress": {Active: true, VerifiedAt: now.Add(-25 * time.Hour)}}, x: vulnException("a"), code: "control-stale"},
		// Verified in the future would stay fresh for ever.
		{name: "verified after now", controls: map[string]ControlStatus{"egress": {Active: true, VerifiedAt: now.Add(24 * time.Hour)}}, x: vulnException("a"), code: "control-stale"},
		{name: "verified a moment ahead (clocks differ)", controls: map[string]ControlStatus{"egress": {Active: true, VerifiedAt: now.Add(time.Minute)}}, x: vulnException("a")},
		{name: "plain string", controls: map[string]ControlStatus{}, x: vulnException("a", func(x *exception.Exception) { x.Controls = []exception.Control{{Text: "Network isolation"}} }), code: "control-unverifiable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, Input{Policy: p, Findings: []scan.Finding{idn}, Exceptions: []*exception.Exception{tt.x}, Controls: tt.controls})
			require.Len(t, d.Needs, 1)
			if tt.code == "" {
				assert.True(t, d.Allowed)
				assert.Equal(t, []string{"egress"}, d.Needs[0].Controls)
				return
			}
			assert.False(t, d.Allowed)
			assert.Equal(t, tt.code, d.Needs[0].Rejected[0].Code)
		})
	}
}

func TestRetireCandidates(t *testing.T) {
	used := vulnException("used", func(x *exception.Exception) { x.Scope.Applications = []string{"fluentd"} })
	idle := vulnException("idle", func(x *exception.Exception) {
		x.Scope.Applications = []string{"fluentd"}
		x.Vulnerabilities[0].CVE = "CVE-2018-0001"
	})
	elsewhere := vulnException("elsewhere", func(x *exception.Exception) { x.Scope.Applications = []string{"other"} })
	unscoped := vulnException("unscoped", func(x *exception.Exception) { x.Vulnerabilities[0].CVE = "CVE-2018-0002" })
	d := decide(t, Input{Findings: []scan.Finding{idn}, Exceptions: []*exception.Exception{used, idle, elsewhere, unscoped}})
	assert.True(t, d.Allowed)
	assert.Equal(t, []string{"idle"}, d.Retire)
}

func TestIntentFromValue(t *testing.T) {
	in, err := IntentFromValue(map[string]any{
		"intent_id": "i", "application": "a", "version": "1", "environment": "e", "ring": int64(1),
		"artifacts":       []any{map[string]any{"name": "x", "digest": "sha256:ABCDEF", "signed": false}},
		"promotion_gates": []any{map[string]any{"name": "g", "threshold": int64(80), "actual": 76.5, "passed": false}},
		"scans":           []any{"r.json"}, "exceptions": []any{"AAAA"},
	})
	require.NoError(t, err)
	assert.Equal(t, "1", in.Ring)
	assert.Equal(t, "abcdef", in.Artifacts[0].Digest)
	assert.Equal(t, GateResult{Name: "g", Threshold: "80", Actual: "76.5"}, in.Gates[0])
	assert.Equal(t, []string{"aaaa"}, in.Exceptions)
	in, err = IntentFromValue(map[string]any{"intent_id": "i", "exceptions": []any{}})
	require.NoError(t, err)
	require.NotNil(t, in.Exceptions, "an explicit empty list links nothing")
	d := decide(t, Input{Intent: &Intent{ID: "i", Application: "fluentd", Environment: "production", Exceptions: in.Exceptions}, Findings: []scan.Finding{idn}, Exceptions: []*exception.Exception{vulnException("a")}})
	assert.False(t, d.Allowed)
	_, err = IntentFromValue("nope")
	assert.Error(t, err)
}

func TestIntentDeploys(t *testing.T) {
	in := &Intent{Artifacts: []Artifact{{Name: "a", Digest: NormalizeDigest("sha256:AB")}, {Name: "b", Digest: "cd"}}}
	tests := []struct {
		name    string
		digests []string
		want    bool
	}{
		{"no digests: cannot be tied to an artifact", nil, true},
		{"the first artifact", []string{"ab"}, true},
		{"the second artifact among other digests", []string{"ee", "cd"}, true},
		{"another image", []string{"ee"}, false},
		{"a digest of another algorithm", []string{"sha512:ab"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, in.Deploys(tt.digests))
		})
	}
	assert.False(t, (&Intent{}).Deploys([]string{"ab"}), "an intent without artifacts deploys no image")
	assert.False(t, (&Intent{Artifacts: []Artifact{{Name: "x"}}}).Deploys([]string{""}), "an artifact without a digest matches nothing")
}

// A finding the scanner suppressed (an ignore file, a VEX document) needs an
// exception like any other unless the policy honours scanner suppressions:
// a hand-kept ignore file must not grant what no one approved.
func TestScannerSuppressions(t *testing.T) {
	high := scan.Finding{ID: "CVE-2020-8165", Severity: scan.High, Package: "activesupport", Version: "6.0.2.1", PURL: "pkg:gem/activesupport@6.0.2.1", Target: "Ruby"}
	low := scan.Finding{ID: "CVE-2021-1", Severity: scan.Low, Package: "zlib", Version: "1"}
	honouring := policy.Default()
	honouring.Gate.HonorScannerSuppressions = true

	t.Run("an uncovered suppressed finding blocks", func(t *testing.T) {
		d := decide(t, Input{Suppressed: []scan.Finding{high, low}})
		assert.False(t, d.Allowed)
		require.Len(t, d.Needs, 1)
		assert.True(t, d.Needs[0].Suppressed)
		assert.Equal(t, "High CVE-2020-8165 in activesupport 6.0.2.1 (suppressed by the scanner)", d.Needs[0].Summary)
	})
	t.Run("an exception covers it as it covers any finding", func(t *testing.T) {
		d := decide(t, Input{Suppressed: []scan.Finding{idn}, Exceptions: []*exception.Exception{vulnException("a")}})
		assert.True(t, d.Allowed)
		require.Len(t, d.Needs, 1)
		assert.Equal(t, "a", d.Needs[0].CoveredBy)
	})
	t.Run("suppressed in one report, reported in another: one need, not suppressed", func(t *testing.T) {
		d := decide(t, Input{Findings: []scan.Finding{high}, Suppressed: []scan.Finding{high}})
		require.Len(t, d.Needs, 1)
		assert.False(t, d.Needs[0].Suppressed)
		assert.Equal(t, 2, d.Findings["High"])
	})
	t.Run("a policy that honours suppressions lets it pass with a warning", func(t *testing.T) {
		d := decide(t, Input{Suppressed: []scan.Finding{high, low}, Policy: honouring})
		assert.True(t, d.Allowed)
		assert.Empty(t, d.Needs)
		require.Len(t, d.Warnings, 1)
		assert.Equal(t, "scanner-suppressed", d.Warnings[0].Code)
		assert.Contains(t, d.Warnings[0].Detail, "High CVE-2020-8165 in activesupport 6.0.2.1 is suppressed by the scanner")
	})
	t.Run("honouring suppressions does not pass what the scanner reported", func(t *testing.T) {
		d := decide(t, Input{Findings: []scan.Finding{high}, Suppressed: []scan.Finding{high}, Policy: honouring})
		assert.False(t, d.Allowed)
	})
}

func TestUnratedFindings(t *testing.T) {
	unrated := scan.Finding{ID: "GO-2022-0001", Aliases: []string{"CVE-2022-1234"}, Severity: scan.Unknown, Package: "golang.org/x/net", Version: "0.1.0"}
	strict := policy.Default()
	strict.Gate.BlockUnrated = true

	d := decide(t, Input{Findings: []scan.Finding{unrated}})
	assert.True(t, d.Allowed, "by default an unrated finding warns")
	require.Len(t, d.Warnings, 1)
	assert.Equal(t, "unrated-finding", d.Warnings[0].Code)

	d = decide(t, Input{Findings: []scan.Finding{unrated}, Policy: strict})
	assert.False(t, d.Allowed, "gate.block_unrated makes it need an exception")
	require.Len(t, d.Needs, 1)
	assert.Equal(t, "Unknown", d.Needs[0].Severity)
	assert.Empty(t, d.Warnings)

	x := vulnException("go", func(x *exception.Exception) {
		x.Vulnerabilities = []exception.Vulnerability{{CVE: "CVE-2022-1234", Severity: "Low", Component: "golang.org/x/net"}}
	})
	d = decide(t, Input{Findings: []scan.Finding{unrated}, Policy: strict, Exceptions: []*exception.Exception{x}})
	assert.True(t, d.Allowed, "and an exception covers it")
}

// Findings are grouped as finely as entries tell packages apart: a group is
// judged by its first finding.
func TestGroupsKeepPackagesApartAsMatchingDoes(t *testing.T) {
	x := vulnException("a", func(x *exception.Exception) {
		x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-1", Component: "log4j-core", PURL: "pkg:maven/org.apache/log4j-core"}
	})
	covered := scan.Finding{ID: "CVE-1", Severity: scan.Critical, Package: "log4j-core", Version: "1", PURL: "pkg:maven/org.apache/log4j-core@1"}
	other := scan.Finding{ID: "CVE-1", Severity: scan.Critical, Package: "LOG4J-CORE", Version: "1", PURL: "pkg:maven/org.apache/LOG4J-CORE@1"}
	d := decide(t, Input{Findings: []scan.Finding{covered, other}, Exceptions: []*exception.Exception{x}})
	require.Len(t, d.Needs, 2, "Maven names are case-sensitive: two packages")
	assert.False(t, d.Allowed)

	osvNpm := scan.Finding{ID: "CVE-1", Severity: scan.Critical, Package: "requests", Version: "1", Ecosystem: "npm"}
	osvPyPI := scan.Finding{ID: "CVE-1", Severity: scan.Critical, Package: "requests", Version: "1", Ecosystem: "PyPI"}
	py := vulnException("b", func(x *exception.Exception) {
		x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-1", Component: "requests", PURL: "pkg:pypi/requests"}
	})
	d = decide(t, Input{Findings: []scan.Finding{osvPyPI, osvNpm}, Exceptions: []*exception.Exception{py}})
	require.Len(t, d.Needs, 2, "one name in two ecosystems: two packages")
	assert.False(t, d.Allowed, "npm's requests is not PyPI's")
}

// A name decoded from %2F holds a "/": the group key keeps namespace and
// name apart, as matching does.
func TestGroupKeyKeepsADecodedSlashApart(t *testing.T) {
	x := vulnException("a", func(x *exception.Exception) {
		x.Vulnerabilities[0] = exception.Vulnerability{CVE: "CVE-1", Component: "github.com/acme/x/y", PURL: "pkg:golang/github.com/acme/x%2Fy"}
	})
	encoded := scan.Finding{ID: "CVE-1", Severity: scan.Critical, Package: "x/y", Version: "v1.0.0", PURL: "pkg:golang/github.com/acme/x%2Fy@v1.0.0"}
	plain := scan.Finding{ID: "CVE-1", Severity: scan.Critical, Package: "github.com/acme/x/y", Version: "v1.0.0", PURL: "pkg:golang/github.com/acme/x/y@v1.0.0"}
	for _, order := range [][]scan.Finding{{encoded, plain}, {plain, encoded}} {
		d := decide(t, Input{Findings: order, Exceptions: []*exception.Exception{x}})
		require.Len(t, d.Needs, 2)
		assert.False(t, d.Allowed)
	}
}
