package scan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// severityCounts counts findings per severity, for tables that state how
// many of each a real report holds.
func severityCounts(fs []Finding) map[Severity]int {
	m := map[Severity]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

// checkInvariants holds for every report this package returns.
func checkInvariants(t *testing.T, rep *Report) {
	t.Helper()
	for _, list := range [][]Finding{rep.Findings, rep.Suppressed} {
		for i, f := range list {
			assert.NotEmpty(t, f.ID, "finding %d has no id", i)
			assert.Equal(t, rep.Format, f.Source, "finding %d (%s)", i, f.ID)
			assert.GreaterOrEqual(t, f.Severity, Unknown, "finding %d (%s)", i, f.ID)
			assert.LessOrEqual(t, f.Severity, Critical, "finding %d (%s)", i, f.ID)
			for _, a := range f.Aliases {
				assert.NotEqual(t, strings.ToLower(f.ID), strings.ToLower(a), "finding %d lists its own id as an alias", i)
				assert.NotEmpty(t, a)
			}
			if f.Aliases != nil {
				assert.NotEmpty(t, f.Aliases, "finding %d: aliases are nil when there are none", i)
			}
		}
	}
}

// TestReadRealReports reads every real report in testdata/real (copied from
// shared/testdata/real; see its README) and checks the counts per severity,
// which were taken from the files with jq, and findings picked by hand.
func TestReadRealReports(t *testing.T) {
	tests := []struct {
		file       string
		format     string
		counts     map[Severity]int
		suppressed int
		// spot checks: index into Findings → the whole expected finding
		want map[int]Finding
	}{
		{
			file:   "trivy/alpine-39.json",
			format: FormatTrivy,
			counts: map[Severity]int{Critical: 2, Medium: 4},
			want: map[int]Finding{
				0: {ID: "CVE-2019-1549", Severity: Medium, Package: "libcrypto1.1", Version: "1.1.1b-r1",
					PURL:   "pkg:apk/alpine/libcrypto1.1@1.1.1b-r1?arch=x86_64&distro=3.9.4",
					Target: "testdata/fixtures/images/alpine-39.tar.gz (alpine 3.9.4)", Source: FormatTrivy},
				5: {ID: "CVE-2019-14697", Severity: Critical, Package: "musl-utils", Version: "1.1.20-r4",
					PURL:   "pkg:apk/alpine/musl-utils@1.1.20-r4?arch=x86_64&distro=3.9.4",
					Target: "testdata/fixtures/images/alpine-39.tar.gz (alpine 3.9.4)", Source: FormatTrivy},
			},
		},
		{
			file:   "trivy/defectdojo-all-statuses.json",
			format: FormatTrivy,
			counts: map[Severity]int{Low: 8},
			want: map[int]Finding{
				// Older Trivy: no PkgIdentifier, so no purl; a non-CVE id.
				2: {ID: "TEMP-0841856-B18BAF", Severity: Low, Package: "bash", Version: "5.0-4",
					Target: "noppaknopsta/example-app:main-159 (debian 10.13)", Source: FormatTrivy},
			},
		},
		{
			file:   "trivy/fluentd-gems.json",
			format: FormatTrivy,
			counts: map[Severity]int{Critical: 1, High: 1},
			want: map[int]Finding{
				0: {ID: "CVE-2019-18224", Severity: Critical, Package: "libidn2-0", Version: "2.0.5-1",
					PURL:   "pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64&distro=debian-10.2",
					Target: "testdata/fixtures/images/fluentd-multiple-lockfiles.tar.gz (debian 10.2)", Source: FormatTrivy},
				1: {ID: "CVE-2020-8165", Severity: High, Package: "activesupport", Version: "6.0.2.1",
					PURL: "pkg:gem/activesupport@6.0.2.1", Target: "Ruby", Source: FormatTrivy},
			},
		},
		{
			file:   "trivy/gomod.json",
			format: FormatTrivy,
			counts: map[Severity]int{Unknown: 4, Medium: 1},
			want: map[int]Finding{
				0: {ID: "GMS-2022-20", Severity: Unknown, Package: "github.com/docker/distribution", Version: "v2.7.1+incompatible",
					PURL: "pkg:golang/github.com/docker/distribution@v2.7.1%2Bincompatible", Target: "go.mod", Source: FormatTrivy},
				3: {ID: "GMS-2022-20", Severity: Unknown, Package: "github.com/docker/distribution", Version: "v2.7.1+incompatible",
					PURL: "pkg:golang/github.com/docker/distribution@v2.7.1%2Bincompatible", Target: "submod/go.mod", Source: FormatTrivy},
				4: {ID: "GMS-2022-20", Severity: Unknown, Package: "github.com/docker/distribution", Version: "v2.7.1+incompatible",
					PURL: "pkg:golang/github.com/docker/distribution@v2.7.1%2Bincompatible", Target: "submod2/go.mod", Source: FormatTrivy},
			},
		},
		{
			file:       "trivy/npm-with-suppressed.json",
			format:     FormatTrivy,
			counts:     map[Severity]int{High: 1},
			suppressed: 1,
			want: map[int]Finding{
				0: {ID: "CVE-2017-20165", Severity: High, Package: "debug", Version: "3.0.1",
					PURL: "pkg:npm/debug@3.0.1", Target: "package-lock.json", Source: FormatTrivy},
			},
		},
		{
			file:   "trivy/sl-micro-rancher5.4-novulns.json",
			format: FormatTrivy,
			counts: map[Severity]int{},
		},
		{
			file:   "trivy/ubuntu-1804.json",
			format: FormatTrivy,
			counts: map[Severity]int{Low: 1, Medium: 4},
			want: map[int]Finding{
				0: {ID: "CVE-2019-18276", Severity: Low, Package: "bash", Version: "4.4.18-2ubuntu1.2",
					PURL:   "pkg:deb/ubuntu/bash@4.4.18-2ubuntu1.2?arch=amd64&distro=ubuntu-18.04",
					Target: "testdata/fixtures/images/ubuntu-1804.tar.gz (ubuntu 18.04)", Source: FormatTrivy},
				4: {ID: "CVE-2019-5094", Severity: Medium, Package: "libss2", Version: "1.44.1-1ubuntu1.1",
					PURL:   "pkg:deb/ubuntu/libss2@1.44.1-1ubuntu1.1?arch=amd64&distro=ubuntu-18.04",
					Target: "testdata/fixtures/images/ubuntu-1804.tar.gz (ubuntu 18.04)", Source: FormatTrivy},
			},
		},
		{
			file:   "grype/defectdojo-check-all-fields.json",
			format: FormatGrype,
			counts: map[Severity]int{Critical: 2, High: 3, Negligible: 1},
			want: map[int]Finding{
				// relatedVulnerabilities repeats the id itself: no alias.
				0: {ID: "CVE-2004-0971", Severity: Negligible, Package: "libgssapi-krb5-2", Version: "1.17-3+deb10u3",
					PURL: "pkg:deb/debian/libgssapi-krb5-2@1.17-3+deb10u3?arch=amd64", Target: "/var/lib/dpkg/status", Source: FormatGrype},
				4: {ID: "GHSA-v6rh-hp5x-86rv", Aliases: []string{"CVE-2021-44420"}, Severity: High, Package: "Django", Version: "3.2.9",
					PURL: "pkg:pypi/Django@3.2.9", Target: "/usr/local/lib/python3.8/site-packages/Django-3.2.9.dist-info/METADATA", Source: FormatGrype},
				// Grype reported this match twice; both are kept.
				5: {ID: "GHSA-v6rh-hp5x-86rv", Aliases: []string{"CVE-2021-44420"}, Severity: High, Package: "Django", Version: "3.2.9",
					PURL: "pkg:pypi/Django@3.2.9", Target: "/usr/local/lib/python3.8/site-packages/Django-3.2.9.dist-info/METADATA", Source: FormatGrype},
			},
		},
		{
			file:   "grype/defectdojo-many-vulns-with-epss.json",
			format: FormatGrype,
			counts: map[Severity]int{Critical: 1, High: 10, Medium: 2, Low: 2},
			want: map[int]Finding{
				2: {ID: "CVE-2022-48174", Severity: Critical, Package: "busybox", Version: "1.32.1",
					PURL: "pkg:generic/busybox@1.32.1", Target: "/bin/[", Source: FormatGrype},
				14: {ID: "CVE-2025-46394", Severity: Low, Package: "busybox", Version: "1.32.1",
					PURL: "pkg:generic/busybox@1.32.1", Target: "/bin/[", Source: FormatGrype},
			},
		},
		{
			file:   "grype/grype-presenter-empty.json",
			format: FormatGrype,
			counts: map[Severity]int{},
		},
		{
			file:   "grype/grype-presenter-image.json",
			format: FormatGrype,
			counts: map[Severity]int{Critical: 1, Low: 1},
			want: map[int]Finding{
				0: {ID: "CVE-1999-0001", Severity: Low, Package: "package-1", Version: "1.1.1",
					Target: "/foo/bar/somefile-1.txt", Source: FormatGrype},
				1: {ID: "CVE-1999-0002", Severity: Critical, Package: "package-2", Version: "2.2.2",
					PURL: "pkg:deb/package-2@2.2.2", Target: "/foo/bar/somefile-2.txt", Source: FormatGrype},
			},
		},
		{
			file:   "osv-scanner/defectdojo-some-findings.json",
			format: FormatOSV,
			// A malicious-package advisory carries no severity: rated Critical.
			counts: map[Severity]int{Critical: 1},
			want: map[int]Finding{
				0: {ID: "MAL-2023-1035", Aliases: []string{"GHSA-8348-2q94-ffjx"}, Severity: Critical, Package: "flot-axis",
					Version: "0.0.0", Target: "/tmp/components/yarn.lock", Source: FormatOSV, Ecosystem: "npm"},
			},
		},
		{
			file:   "osv-scanner/defectdojo-many-findings.json",
			format: FormatOSV,
			// 66 advisories in 37 groups of aliases; see TestReadOSVGroups.
			counts: map[Severity]int{Critical: 5, High: 20, Medium: 12},
			want: map[int]Finding{
				5: {ID: "GHSA-q7rv-6hp3-vh96",
					Aliases:  []string{"BIT-drupal-2022-24775", "CVE-2022-24775", "CVE-2023-29197", "CVE-2023-29530", "GHSA-wxmh-65f7-jcvw", "GHSA-xv3h-4844-9h36"},
					Severity: Medium, Package: "guzzlehttp/psr7", Version: "1.6.1", Target: "/tmpcardmarket-api/composer.lock", Source: FormatOSV, Ecosystem: "Packagist"},
				// A git source: no package name, the commit as version.
				10: {ID: "CVE-2023-50094", Severity: High, Version: "f5f3c22f3ed5a6804a2a8d9ee9fa43044cfa24a6",
					Target: "/tmprengine/", Source: FormatOSV},
				11: {ID: "GHSA-2gwj-7jmv-h26r", Aliases: []string{"BIT-django-2022-28346", "CVE-2022-28346", "PYSEC-2022-190"},
					Severity: Critical, Package: "django", Version: "3.2.4", Target: "/tmprengine/web/requirements.txt", Source: FormatOSV, Ecosystem: "PyPI"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rep, err := ReadFile(filepath.Join("testdata", "real", tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.format, rep.Format)
			assert.Equal(t, tt.counts, severityCounts(rep.Findings))
			assert.Len(t, rep.Suppressed, tt.suppressed)
			for i, want := range tt.want {
				require.Less(t, i, len(rep.Findings))
				assert.Equal(t, want, rep.Findings[i], "finding %d", i)
			}
			checkInvariants(t, rep)
		})
	}
}

func TestReadTrivySuppressed(t *testing.T) {
	rep, err := ReadFile("testdata/real/trivy/npm-with-suppressed.json")
	require.NoError(t, err)
	require.Len(t, rep.Suppressed, 1)
	assert.Equal(t, Finding{ID: "CVE-2017-16137", Severity: Low, Package: "debug", Version: "3.0.1",
		PURL: "pkg:npm/debug@3.0.1", Target: "package-lock.json", Source: FormatTrivy}, rep.Suppressed[0])
	for _, f := range rep.Findings {
		assert.NotEqual(t, "CVE-2017-16137", f.ID, "a suppressed finding is not a finding")
	}
}

// TestReadOSVGroups pins the severity of every group in the largest real
// OSV-Scanner report. They were computed outside this package: the CVSS v3
// base score of each advisory's vector and its GitHub rating, highest of
// all advisories in the group.
func TestReadOSVGroups(t *testing.T) {
	rep, err := ReadFile("testdata/real/osv-scanner/defectdojo-many-findings.json")
	require.NoError(t, err)
	want := []struct {
		id  string
		sev Severity
		pkg string
	}{
		{"GHSA-25mq-v84q-4j7r", High, "guzzlehttp/guzzle"},
		{"GHSA-cwmx-hcrq-mhc3", High, "guzzlehttp/guzzle"},
		{"GHSA-f2wf-25xc-69c9", High, "guzzlehttp/guzzle"},
		{"GHSA-q559-8m2m-g699", High, "guzzlehttp/guzzle"},
		{"GHSA-w248-ffj2-4v5q", High, "guzzlehttp/guzzle"},
		{"GHSA-q7rv-6hp3-vh96", Medium, "guzzlehttp/psr7"},
		{"GHSA-h5c8-rqwp-cp95", Medium, "jinja2"},
		{"GHSA-g4mx-q9vg-27p4", Medium, "urllib3"},
		// CVSS 6.5 on the GHSA, 7.5 on the PYSEC record: the higher wins.
		{"GHSA-hrfv-mqp8-q5rw", High, "werkzeug"},
		{"GHSA-j8r2-6x86-q33q", Medium, "requests"},
		{"CVE-2023-50094", High, ""},
		{"GHSA-2gwj-7jmv-h26r", Critical, "django"},
		{"GHSA-2hrw-hx67-34x6", High, "django"},
		{"GHSA-53qw-q765-4fww", High, "django"},
		{"GHSA-6cw3-g6wv-c2xv", High, "django"},
		{"GHSA-7h4p-27mh-hmrw", Medium, "django"},
		{"GHSA-8c5j-9r9f-c6w8", High, "django"},
		{"GHSA-8x94-hmjh-97hq", High, "django"},
		{"GHSA-95rw-fx8r-36v6", Medium, "django"},
		{"GHSA-h8gc-pgj2-vjm3", Medium, "django"},
		{"GHSA-jh3w-4vvf-mjgr", High, "django"},
		{"GHSA-jrh2-hc4r-7jwx", Medium, "django"},
		{"GHSA-p64x-8rxx-wf6q", Critical, "django"},
		{"GHSA-q2jf-h9jm-m7p4", High, "django"},
		{"GHSA-qmf9-6jqf-j8fq", High, "django"},
		{"GHSA-qrw5-5h28-6cmg", High, "django"},
		{"GHSA-r3xc-prgr-mg9p", Critical, "django"},
		// CVSS 7.3 and GitHub HIGH.
		{"GHSA-v6rh-hp5x-86rv", High, "django"},
		{"GHSA-w24h-v9qh-8gxj", Critical, "django"},
		{"GHSA-xpfp-f569-q3p2", Critical, "django"},
		// No CVSS vector anywhere in the group: GitHub's MODERATE decides.
		{"GHSA-xxj9-f6rv-m3x4", Medium, "django"},
		{"GHSA-j8r2-6x86-q33q", Medium, "requests"},
		{"PYSEC-2023-206", High, "selenium"},
		{"GHSA-5h86-8mv2-jq9f", High, "aiohttp"},
		{"GHSA-8qpw-xqxj-h4r2", Medium, "aiohttp"},
		// CVSS 6.5 (Medium) but GitHub rates it HIGH: the higher wins.
		{"GHSA-q3qx-c6g2-7pw2", High, "aiohttp"},
		{"GHSA-qvrw-v9rv-5rjx", Medium, "aiohttp"},
	}
	require.Len(t, rep.Findings, len(want))
	for i, w := range want {
		f := rep.Findings[i]
		assert.Equal(t, w.id, f.ID, "finding %d", i)
		assert.Equal(t, w.sev, f.Severity, "finding %d (%s)", i, f.ID)
		assert.Equal(t, w.pkg, f.Package, "finding %d (%s)", i, f.ID)
	}
}

// An OSV advisory rated only by a CVSS v4 vector, which exctl does not
// compute, is taken as Critical rather than passed as unrated; another
// rating beside it still decides, and no rating at all stays Unknown.
func TestOSVRatedByCVSSv4Only(t *testing.T) {
	const v4 = `{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"}`
	const v3low = `{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}`
	report := `{"results":[{"source":{"path":"Cargo.lock","type":"lockfile"},"packages":[{"package":{"name":"foo","version":"0.1.0","ecosystem":"crates.io"},"vulnerabilities":[` +
		`{"id":"RUSTSEC-2024-0001","severity":[` + v4 + `]},` +
		`{"id":"RUSTSEC-2024-0002","severity":[` + v4 + `,` + v3low + `]},` +
		`{"id":"GO-2023-2102"}]}]}]}`
	rep, err := Read(strings.NewReader(report), "osv.json")
	require.NoError(t, err)
	got := map[string]Severity{}
	for _, f := range rep.Findings {
		got[f.ID] = f.Severity
	}
	assert.Equal(t, map[string]Severity{"RUSTSEC-2024-0001": Critical, "RUSTSEC-2024-0002": Low, "GO-2023-2102": Unknown}, got)
}
