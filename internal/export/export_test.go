package export

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func records() []*exception.Exception {
	approved := func(id string, v exception.Vulnerability, mut ...func(*exception.Exception)) *exception.Exception {
		d := exception.Date{Year: 2026, Month: 11, Day: 2}
		x := &exception.Exception{ID: id, Type: exception.VulnerabilityScan, Status: exception.Approved, Justification: "Accepted while the vendor ships a fix.",
			Vulnerabilities: []exception.Vulnerability{v}, ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 31}, ApprovedBy: []string{"@sec-bob"}, ApprovalDate: &d}
		for _, m := range mut {
			m(x)
		}
		return x
	}
	return []*exception.Exception{
		approved("a", exception.Vulnerability{CVE: "CVE-2019-18224", Severity: "Critical", Component: "libidn2-0", PURL: "pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64"}),
		approved("b", exception.Vulnerability{CVE: "CVE-2024-1234", Severity: "High", Component: "library-v1.2.3"}),
		approved("c", exception.Vulnerability{CVE: "CVE-2020-8165", Severity: "High", Component: "activesupport", PURL: "pkg:gem/activesupport"}, func(x *exception.Exception) {
			x.VEXJustification = "vulnerable_code_not_in_execute_path"
		}),
		approved("expired", exception.Vulnerability{CVE: "CVE-2018-0001", Severity: "High", Component: "x", PURL: "pkg:npm/x"}, func(x *exception.Exception) {
			x.ExpiryDate = exception.Date{Year: 2026, Month: 11, Day: 28}
		}),
		approved("pending", exception.Vulnerability{CVE: "CVE-2018-0002", Severity: "High", Component: "y", PURL: "pkg:npm/y"}, func(x *exception.Exception) { x.Status = exception.Pending }),
		approved("scoped", exception.Vulnerability{CVE: "CVE-2018-0003", Severity: "High", Component: "z", PURL: "pkg:npm/z"}, func(x *exception.Exception) {
			x.Scope.Applications = []string{"payments"}
		}),
	}
}

// trivyIgnore is the shape Trivy reads (pkg/result/ignore.go), with a real
// time for expired_at as Trivy decodes it.
type trivyIgnore struct {
	Vulnerabilities []struct {
		ID        string    `yaml:"id"`
		Paths     []string  `yaml:"paths"`
		PURLs     []string  `yaml:"purls"`
		ExpiredAt time.Time `yaml:"expired_at"`
		Statement string    `yaml:"statement"`
	} `yaml:"vulnerabilities"`
}

func TestTrivyReadsBack(t *testing.T) {
	// The real file decodes into the same shape, so the shape is Trivy's.
	var real trivyIgnore
	data, err := os.ReadFile("testdata/trivyignore.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &real))
	require.NotEmpty(t, real.Vulnerabilities)

	var buf bytes.Buffer
	skipped, err := Trivy(&buf, records(), Options{Now: now, Location: time.UTC})
	require.NoError(t, err)
	var got trivyIgnore
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got), buf.String())
	require.Len(t, got.Vulnerabilities, 2, "expired, pending and out-of-scope records are not exported")
	v := got.Vulnerabilities[0]
	assert.Equal(t, "CVE-2019-18224", v.ID)
	assert.Equal(t, []string{"pkg:deb/debian/libidn2-0@2.0.5-1"}, v.PURLs, "the purl's version pins it; qualifiers go")
	assert.Equal(t, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), v.ExpiredAt, "Trivy stops at the instant the exception ends")
	assert.Equal(t, "CVE-2020-8165", got.Vulnerabilities[1].ID)
	require.Len(t, skipped, 1)
	assert.Equal(t, "b", skipped[0].ExceptionID, "no purl: an id alone would ignore every package")

	buf.Reset()
	_, err = Trivy(&buf, records(), Options{Now: now, Location: time.UTC, Application: "payments"})
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got))
	assert.Len(t, got.Vulnerabilities, 3, "the scoped record is exported for its application")
}

func TestTrivyExpiryNeverLater(t *testing.T) {
	x := &exception.Exception{ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 31}}
	for _, zone := range []string{"UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		trivyStops := TrivyExpiry(x, loc).Start(time.UTC)
		ends := x.ValidThrough(loc)
		assert.False(t, trivyStops.After(ends), "%s: Trivy would honour it after it ends", zone)
		assert.Less(t, ends.Sub(trivyStops), 24*time.Hour, "%s: and stops less than a day early", zone)
	}
}

func TestGrypeReadsBack(t *testing.T) {
	var buf bytes.Buffer
	_, err := Grype(&buf, records(), Options{Now: now, Location: time.UTC})
	require.NoError(t, err)
	var got struct {
		Ignore []struct {
			Vulnerability string `yaml:"vulnerability"`
			Package       struct{ Name, Version, Type string }
		} `yaml:"ignore"`
	}
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got), buf.String())
	require.Len(t, got.Ignore, 4)
	assert.Equal(t, "CVE-2019-18224", got.Ignore[0].Vulnerability)
	assert.Equal(t, "libidn2-0", got.Ignore[0].Package.Name)
	assert.Equal(t, "2.0.5-1", got.Ignore[0].Package.Version)
	assert.Equal(t, "deb", got.Ignore[0].Package.Type)
	// The gate takes library-v1.2.3 as a name, or as library 1.2.3.
	assert.Equal(t, "library-v1.2.3", got.Ignore[1].Package.Name)
	assert.Empty(t, got.Ignore[1].Package.Version)
	assert.Equal(t, "library", got.Ignore[2].Package.Name, "the seed's name-vX.Y.Z form")
	assert.Equal(t, "1.2.3", got.Ignore[2].Package.Version)
	assert.Equal(t, "gem", got.Ignore[3].Package.Type)

	buf.Reset()
	_, err = Grype(&buf, records(), Options{Now: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC})
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got))
	assert.Empty(t, got.Ignore, "nothing is valid any more")
}

func TestOpenVEXValidatesAgainstTheSpec(t *testing.T) {
	var buf bytes.Buffer
	skipped, err := OpenVEX(&buf, records(), Options{Now: now, Location: time.UTC}, "Acme Security")
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	f, err := os.Open("testdata/openvex_json_schema.json")
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, c.AddResource("openvex.json", f))
	schema, err := c.Compile("openvex.json")
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	require.NoError(t, schema.Validate(doc), buf.String())

	var got struct {
		Author     string
		Statements []struct {
			Vulnerability struct{ Name string }
			Products      []struct {
				ID string `json:"@id"`
			}
			Status, Justification string
		}
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	assert.Equal(t, "Acme Security", got.Author)
	require.Len(t, got.Statements, 1, "only the record with a vex_justification")
	assert.Equal(t, "CVE-2020-8165", got.Statements[0].Vulnerability.Name)
	assert.Equal(t, "not_affected", got.Statements[0].Status)
	assert.Equal(t, "vulnerable_code_not_in_execute_path", got.Statements[0].Justification)
	assert.Equal(t, "pkg:gem/activesupport", got.Statements[0].Products[0].ID)
	assert.Len(t, skipped, 2, "risk acceptances are not published as not_affected")
}

// grypeNameMatches reads a rule's package name as Grype does
// (grype/match/ignore.go): a name with regular-expression characters is the
// pattern ^name$, any other is compared as it is.
func grypeNameMatches(t *testing.T, rule, pkg string) bool {
	t.Helper()
	if regexp.MustCompile(`[\^\$\*\+\?\[\]\(\)\{\}\|\\]|\\[dDwWsSnrtfv]`).MatchString(rule) {
		re, err := regexp.Compile("^" + rule + "$")
		if err != nil {
			return false
		}
		return re.MatchString(pkg)
	}
	return rule == pkg
}

type grypeRule struct {
	Vulnerability string `yaml:"vulnerability"`
	Package       struct{ Name, Version, Type string }
}

func grypeRules(t *testing.T, xs []*exception.Exception, o Options) ([]grypeRule, []Skipped) {
	t.Helper()
	var buf bytes.Buffer
	skipped, err := Grype(&buf, xs, o)
	require.NoError(t, err)
	var got struct {
		Ignore []grypeRule `yaml:"ignore"`
	}
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got), buf.String())
	return got.Ignore, skipped
}

func approvedVuln(id string, v exception.Vulnerability, mut ...func(*exception.Exception)) *exception.Exception {
	x := &exception.Exception{ID: id, Type: exception.VulnerabilityScan, Status: exception.Approved, Justification: "Accepted.",
		Vulnerabilities: []exception.Vulnerability{v}, ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 31}, ApprovedBy: []string{"@sec-bob"}}
	for _, m := range mut {
		m(x)
	}
	return x
}

// Each export covers the packages the gate lets the exception cover, and
// no others.
func TestGrypeRulesKeepToTheApprovedPackage(t *testing.T) {
	o := Options{Now: now, Location: time.UTC}
	t.Run("names are literal, not patterns", func(t *testing.T) {
		rules, _ := grypeRules(t, []*exception.Exception{
			approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: ".*"}),
			approvedVuln("b", exception.Vulnerability{CVE: "CVE-2", Component: "gtk+"}),
			approvedVuln("c", exception.Vulnerability{CVE: "CVE-3", Component: "libstdc++6"}),
		}, o)
		require.Len(t, rules, 3)
		assert.False(t, grypeNameMatches(t, rules[0].Package.Name, "openssl"))
		assert.True(t, grypeNameMatches(t, rules[0].Package.Name, ".*"))
		assert.True(t, grypeNameMatches(t, rules[1].Package.Name, "gtk+"))
		assert.False(t, grypeNameMatches(t, rules[1].Package.Name, "gtk"))
		assert.True(t, grypeNameMatches(t, rules[2].Package.Name, "libstdc++6"))
	})
	t.Run("the version pinned beside a purl", func(t *testing.T) {
		rules, _ := grypeRules(t, []*exception.Exception{approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: "library-v1.2.3", PURL: "pkg:npm/library"})}, o)
		require.Len(t, rules, 1)
		assert.Equal(t, grypeRule{Vulnerability: "CVE-1", Package: struct{ Name, Version, Type string }{"library", "1.2.3", "npm"}}, rules[0])
	})
	t.Run("namespaces", func(t *testing.T) {
		rules, skipped := grypeRules(t, []*exception.Exception{
			approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: "lodash", PURL: "pkg:npm/%40myorg/lodash@1.0.0"}),
			approvedVuln("b", exception.Vulnerability{CVE: "CVE-2", Component: "bar", PURL: "pkg:golang/github.com/foo/bar"}),
			approvedVuln("c", exception.Vulnerability{CVE: "CVE-3", Component: "foo", PURL: "pkg:composer/acme/foo"}),
			approvedVuln("d", exception.Vulnerability{CVE: "CVE-4", Component: "openssl", PURL: "pkg:deb/debian/openssl"}),
			approvedVuln("e", exception.Vulnerability{CVE: "CVE-5", Component: "commons-text", PURL: "pkg:maven/com.example/commons-text@1.9"}),
			approvedVuln("f", exception.Vulnerability{CVE: "CVE-6", Component: ".*", PURL: "pkg:generic/.*"}),
		}, o)
		require.Len(t, rules, 4)
		assert.Equal(t, []string{"@myorg/lodash", "1.0.0", "npm"}, []string{rules[0].Package.Name, rules[0].Package.Version, rules[0].Package.Type})
		assert.Equal(t, []string{"github.com/foo/bar", "go-module"}, []string{rules[1].Package.Name, rules[1].Package.Type})
		assert.Equal(t, []string{"acme/foo", "php-composer"}, []string{rules[2].Package.Name, rules[2].Package.Type})
		assert.Equal(t, []string{"openssl", "deb"}, []string{rules[3].Package.Name, rules[3].Package.Type})
		require.Len(t, skipped, 2)
		assert.Contains(t, skipped[0].Reason, "Grype names Java packages without their group")
		assert.Contains(t, skipped[1].Reason, "Grype has no package type for pkg:generic")
	})
}

func TestExportsKeepToTheApprovedVersionAndIntent(t *testing.T) {
	o := Options{Now: now, Location: time.UTC}
	pinned := approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: "library-v1.2.3", PURL: "pkg:npm/library"}, func(x *exception.Exception) {
		x.VEXJustification = "vulnerable_code_not_present"
	})
	linked := approvedVuln("b", exception.Vulnerability{CVE: "CVE-2", Component: "intentonly", PURL: "pkg:npm/intentonly"}, func(x *exception.Exception) {
		x.DeploymentIntentID = "deploy-1"
	})
	broken := approvedVuln("c", exception.Vulnerability{CVE: "CVE-3", Component: "a", PURL: "pkg:npm/a@b@c"})
	xs := []*exception.Exception{pinned, linked, broken}

	var buf bytes.Buffer
	skipped, err := Trivy(&buf, xs, o)
	require.NoError(t, err)
	var got trivyIgnore
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got), buf.String())
	require.Len(t, got.Vulnerabilities, 1, buf.String())
	assert.Equal(t, []string{"pkg:npm/library@1.2.3"}, got.Vulnerabilities[0].PURLs)
	require.Len(t, skipped, 2)
	assert.Contains(t, skipped[0].Reason, "linked to deployment intent deploy-1")
	assert.Contains(t, skipped[1].Reason, "the package URL pkg:npm/a@b@c, which does not parse")

	buf.Reset()
	o.Intent = "deploy-1"
	_, err = Trivy(&buf, xs, o)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got))
	assert.Len(t, got.Vulnerabilities, 2, "exported for its own intent")

	buf.Reset()
	_, err = OpenVEX(&buf, xs, o, "a")
	require.NoError(t, err)
	assert.Contains(t, buf.String(), `"@id": "pkg:npm/library@1.2.3"`)
}

func TestOpenVEXNeedsAStatementAndAPURL(t *testing.T) {
	noPURL := approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: "library-v1.2.3"}, func(x *exception.Exception) {
		x.VEXJustification = "vulnerable_code_not_present"
	})
	var buf bytes.Buffer
	skipped, err := OpenVEX(&buf, []*exception.Exception{noPURL}, Options{Now: now, Location: time.UTC}, "a")
	assert.ErrorIs(t, err, ErrNothingToExport)
	assert.Zero(t, buf.Len())
	require.Len(t, skipped, 1)
	assert.Contains(t, skipped[0].Reason, "has no purl")
}

// FuzzGrypeName: read as Grype reads rule names, the name exctl writes for
// a package matches that package and no other.
func FuzzGrypeName(f *testing.F) {
	for _, s := range []string{".*", "gtk+", "libstdc++6", "a|b", "$x^", `\d`, "lodash", "@scope/name", "a.b"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, name, other string) {
		if name == "" || !utf8.ValidString(name) || !utf8.ValidString(other) {
			return // package names are text; the gate never exports an empty one
		}
		rule := grypeName(name)
		if !grypeNameMatches(t, rule, name) {
			t.Fatalf("rule %q does not match its own package %q", rule, name)
		}
		if other != name && grypeNameMatches(t, rule, other) {
			t.Fatalf("rule %q for %q also matches %q", rule, name, other)
		}
	})
}

// Pinned versions are written as scanners put them in package URLs.
func TestExportedVersionsAsScannersWriteThem(t *testing.T) {
	o := Options{Now: now, Location: time.UTC}
	xs := []*exception.Exception{
		approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: "openssl", PURL: "pkg:deb/debian/openssl@1:3.0.1-1"}),
		approvedVuln("b", exception.Vulnerability{CVE: "CVE-2", Component: "github.com/foo/bar-v1.2.3", PURL: "pkg:golang/github.com/foo/bar"}),
		approvedVuln("c", exception.Vulnerability{CVE: "CVE-3", Component: "x", PURL: "pkg:npm/x"}, func(x *exception.Exception) {
			x.DeploymentIntentID = "deploy-1"
		}),
	}
	var buf bytes.Buffer
	_, err := Trivy(&buf, xs, o)
	require.NoError(t, err)
	var got trivyIgnore
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got), buf.String())
	require.Len(t, got.Vulnerabilities, 2)
	assert.Equal(t, []string{"pkg:deb/debian/openssl@3.0.1-1?epoch=1"}, got.Vulnerabilities[0].PURLs, "Trivy keeps the epoch in a qualifier")
	assert.Equal(t, []string{"pkg:golang/github.com/foo/bar@v1.2.3"}, got.Vulnerabilities[1].PURLs, "Go versions carry their v")

	rules, _ := grypeRules(t, xs, o)
	require.Len(t, rules, 2)
	assert.Equal(t, "1:3.0.1-1", rules[0].Package.Version, "Grype keeps the epoch in the version")
	assert.Equal(t, "v1.2.3", rules[1].Package.Version)

	o.Intent = "DEPLOY-1"
	rules, skipped := grypeRules(t, xs, o)
	assert.Len(t, rules, 2, "intent ids are compared as the gate compares them, letter for letter")
	require.Len(t, skipped, 1)
}

// An entry the gate reads as naming no single package is exported nowhere.
func TestExportsLeaveOutWhatTheGateMatchesNothingWith(t *testing.T) {
	o := Options{Now: now, Location: time.UTC}
	xs := []*exception.Exception{
		approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: "lodash", PURL: "pkg:npm/%40acme/lib"}),
		approvedVuln("b", exception.Vulnerability{CVE: "CVE-2", Component: "lib-v1.0.0", PURL: "pkg:npm/lib@2.0.0"}),
	}
	var buf bytes.Buffer
	skipped, err := Trivy(&buf, xs, o)
	require.NoError(t, err)
	var got trivyIgnore
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got))
	assert.Empty(t, got.Vulnerabilities, buf.String())
	require.Len(t, skipped, 2)
	assert.Contains(t, skipped[0].Reason, "another package")
	assert.Contains(t, skipped[1].Reason, "pins two versions")
	rules, skipped := grypeRules(t, xs, o)
	assert.Empty(t, rules)
	assert.Len(t, skipped, 2)
}

// Trivy refuses a whole ignore file over one purl it cannot read, so such
// entries are left out rather than break every other exception.
func TestTrivyExportLeavesOutPURLsTrivyRefuses(t *testing.T) {
	xs := []*exception.Exception{
		approvedVuln("a", exception.Vulnerability{CVE: "CVE-1", Component: "Foo", PURL: "pkg:julia/Foo?uuid=1234"}),
		approvedVuln("b", exception.Vulnerability{CVE: "CVE-2", Component: "Foo", PURL: "pkg:swift/Foo"}),
		approvedVuln("c", exception.Vulnerability{CVE: "CVE-3", Component: "Bar", PURL: "pkg:cpan/foo/Bar"}),
		approvedVuln("d", exception.Vulnerability{CVE: "CVE-4", Component: "left-pad", PURL: "pkg:npm/left-pad"}),
		approvedVuln("e", exception.Vulnerability{CVE: "CVE-5", Component: "k8s.io/kubelet", PURL: "pkg:k8s/k8s.io%2Fkubelet@1.28.2"}),
	}
	var buf bytes.Buffer
	skipped, err := Trivy(&buf, xs, Options{Now: now, Location: time.UTC})
	require.NoError(t, err)
	var got trivyIgnore
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got))
	require.Len(t, got.Vulnerabilities, 2)
	assert.Equal(t, []string{"pkg:npm/left-pad"}, got.Vulnerabilities[0].PURLs)
	assert.Equal(t, []string{"pkg:k8s/k8s.io%2Fkubelet@1.28.2"}, got.Vulnerabilities[1].PURLs, "Trivy's own k8s purls")
	assert.Len(t, skipped, 3)

	// Grype cannot tell a name holding a slash from a namespace.
	rules, skipped := grypeRules(t, []*exception.Exception{approvedVuln("f", exception.Vulnerability{CVE: "CVE-6", Component: "github.com/acme/x/y", PURL: "pkg:golang/github.com/acme/x%2Fy"})}, Options{Now: now, Location: time.UTC})
	assert.Empty(t, rules)
	require.Len(t, skipped, 1)
}
