package scan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadSARIFFixtures(t *testing.T) {
	tests := []struct {
		file       string
		counts     map[Severity]int
		suppressed []string
		want       []Finding
	}{
		{
			// Trivy's SARIF writer (pkg/report/sarif.go): one rule per id with
			// the CVSS score as security-severity, the package in the message.
			file:   "trivy-image.sarif",
			counts: map[Severity]int{Critical: 1, High: 2, Medium: 4, Low: 1},
			want: []Finding{
				{ID: "CVE-2019-1549", Severity: Medium, Package: "libcrypto1.1", Version: "1.1.1c-r0", Target: "library/alpine", Source: FormatSARIF},
				{ID: "CVE-2019-1551", Severity: Medium, Package: "libcrypto1.1", Version: "1.1.1c-r0", Target: "library/alpine", Source: FormatSARIF},
				{ID: "CVE-2019-1549", Severity: Medium, Package: "libssl1.1", Version: "1.1.1c-r0", Target: "library/alpine", Source: FormatSARIF},
				{ID: "CVE-2019-1551", Severity: Medium, Package: "libssl1.1", Version: "1.1.1c-r0", Target: "library/alpine", Source: FormatSARIF},
				{ID: "CVE-2019-14697", Severity: Critical, Package: "musl-utils", Version: "1.1.22-r2", Target: "library/alpine", Source: FormatSARIF},
				// security-severity "0.0" (Trivy's value when only a CVSS v2
				// score exists): the level "error" decides.
				{ID: "CVE-2016-2183", Severity: High, Package: "libssl1.1", Version: "1.1.1c-r0", Target: "library/alpine", Source: FormatSARIF},
				// Trivy's UNKNOWN is "0.0" and level "note": SARIF cannot say
				// unknown, so this reads as Low.
				{ID: "GMS-2022-20", Severity: Low, Package: "github.com/docker/distribution", Version: "v2.7.1+incompatible", Target: "go.mod", Source: FormatSARIF},
				// A misconfiguration has no package.
				{ID: "DS002", Severity: High, Target: "Dockerfile", Source: FormatSARIF},
			},
		},
		{
			file:       "codeql-java.sarif",
			counts:     map[Severity]int{High: 4, Medium: 2},
			suppressed: []string{"java/sql-injection"},
			want: []Finding{
				// 6.1 wins over the rule's level "error".
				{ID: "java/xss", Severity: Medium, Target: "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest00001.java", Source: FormatSARIF},
				{ID: "java/path-injection", Severity: High, Target: "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest00001.java", Source: FormatSARIF},
				// A suppression whose status is "rejected" does not suppress.
				{ID: "java/sql-injection", Severity: High, Target: "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest00008.java", Source: FormatSARIF},
				// No security-severity: the result's level overrides the rule's note.
				{ID: "java/unused-parameter", Severity: Medium, Target: "src/main/java/org/owasp/benchmark/helpers/Utils.java", Source: FormatSARIF},
				// The rule lives in the codeql/java-queries extension.
				{ID: "java/log-injection", Severity: High, Target: "src/main/java/org/owasp/benchmark/helpers/Utils.java", Source: FormatSARIF},
				// Found by ruleId alone.
				{ID: "java/weak-cryptographic-algorithm", Severity: High, Target: "src/main/java/org/owasp/benchmark/helpers/Utils.java", Source: FormatSARIF},
				// The kind "pass" result is not a finding.
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rep, err := ReadFile("testdata/sarif/" + tt.file)
			require.NoError(t, err)
			assert.Equal(t, FormatSARIF, rep.Format)
			assert.Equal(t, tt.counts, severityCounts(rep.Findings))
			assert.Equal(t, tt.want, rep.Findings)
			var suppressed []string
			for _, f := range rep.Suppressed {
				suppressed = append(suppressed, f.ID)
			}
			assert.Equal(t, tt.suppressed, suppressed)
			checkInvariants(t, rep)
		})
	}
}

// sarifDoc wraps runs in a SARIF 2.1.0 log.
func sarifDoc(runs string) string {
	return `{"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [` + runs + `]}`
}

func TestReadSARIFSeverity(t *testing.T) {
	tests := []struct {
		name string
		run  string
		want []Severity // per result, in order
	}{
		{
			name: "results before tool",
			run: `{"results": [{"ruleId": "R1", "message": {"text": "m"}}],
			       "tool": {"driver": {"name": "x", "rules": [{"id": "R1", "properties": {"security-severity": "9.0"}}]}}}`,
			want: []Severity{Critical},
		},
		{
			name: "score bands",
			run: `{"tool": {"driver": {"name": "x", "rules": [
			        {"id": "a", "properties": {"security-severity": "10.0"}},
			        {"id": "b", "properties": {"security-severity": "8.9"}},
			        {"id": "c", "properties": {"security-severity": "7.0"}},
			        {"id": "d", "properties": {"security-severity": "6.9"}},
			        {"id": "e", "properties": {"security-severity": "4.0"}},
			        {"id": "f", "properties": {"security-severity": "3.9"}},
			        {"id": "g", "properties": {"security-severity": "0.1"}}]}},
			       "results": [{"ruleId": "a"}, {"ruleId": "b"}, {"ruleId": "c"}, {"ruleId": "d"}, {"ruleId": "e"}, {"ruleId": "f"}, {"ruleId": "g"}]}`,
			want: []Severity{Critical, High, High, Medium, Medium, Low, Low},
		},
		{
			name: "score as a number and as a name",
			run: `{"tool": {"driver": {"name": "x", "rules": [
			        {"id": "a", "properties": {"security-severity": 7.5}},
			        {"id": "b", "properties": {"security-severity": "critical"}}]}},
			       "results": [{"ruleId": "a"}, {"ruleId": "b"}]}`,
			want: []Severity{High, Critical},
		},
		{
			name: "result score overrides the rule's",
			run: `{"tool": {"driver": {"name": "x", "rules": [{"id": "a", "properties": {"security-severity": "2.0"}}]}},
			       "results": [{"ruleId": "a", "properties": {"security-severity": "9.5"}}, {"ruleId": "a"}]}`,
			want: []Severity{Critical, Low},
		},
		{
			name: "levels without a score",
			run: `{"tool": {"driver": {"name": "x", "rules": [{"id": "a"}]}},
			       "results": [{"ruleId": "a", "level": "error"}, {"ruleId": "a", "level": "warning"},
			                   {"ruleId": "a", "level": "note"}, {"ruleId": "a", "level": "none"}]}`,
			want: []Severity{High, Medium, Low, Negligible},
		},
		{
			name: "no level anywhere is warning",
			run:  `{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "no-such-rule"}]}`,
			want: []Severity{Medium},
		},
		{
			name: "rule default level",
			run: `{"tool": {"driver": {"name": "x", "rules": [{"id": "a", "defaultConfiguration": {"level": "error"}}]}},
			       "results": [{"ruleIndex": 0}]}`,
			want: []Severity{High},
		},
		{
			name: "toolComponent by name",
			run: `{"tool": {"driver": {"name": "CodeQL"}, "extensions": [
			         {"name": "other", "rules": [{"id": "q", "properties": {"security-severity": "1.0"}}]},
			         {"name": "codeql/python-queries", "rules": [{"id": "p"}, {"id": "q", "properties": {"security-severity": "9.9"}}]}]},
			       "results": [{"ruleId": "q", "rule": {"index": 1, "toolComponent": {"name": "codeql/python-queries"}}}]}`,
			want: []Severity{Critical},
		},
		{
			name: "kinds that are not findings",
			run: `{"tool": {"driver": {"name": "x"}}, "results": [
			         {"ruleId": "a", "kind": "pass"}, {"ruleId": "a", "kind": "notApplicable"},
			         {"ruleId": "a", "kind": "informational"}, {"ruleId": "a", "kind": "review", "level": "note"},
			         {"ruleId": "a", "kind": "open", "level": "note"}, {"ruleId": "a", "kind": "fail", "level": "error"}]}`,
			want: []Severity{Low, Low, High},
		},
		{
			name: "null results",
			run:  `{"tool": {"driver": {"name": "x", "rules": null}}, "results": null}`,
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Read(strings.NewReader(sarifDoc(tt.run)), "t.sarif")
			require.NoError(t, err)
			var got []Severity
			for _, f := range rep.Findings {
				got = append(got, f.Severity)
			}
			assert.Equal(t, tt.want, got)
			checkInvariants(t, rep)
		})
	}
}

func TestReadSARIFSuppressions(t *testing.T) {
	run := `{"tool": {"driver": {"name": "x"}}, "results": [
	  {"ruleId": "a", "suppressions": [{"kind": "inSource"}]},
	  {"ruleId": "b", "suppressions": [{"kind": "external", "status": "accepted"}]},
	  {"ruleId": "c", "suppressions": [{"kind": "external", "status": "underReview"}]},
	  {"ruleId": "d", "suppressions": []},
	  {"ruleId": "e"}]}`
	rep, err := Read(strings.NewReader(sarifDoc(run)), "t.sarif")
	require.NoError(t, err)
	ids := func(fs []Finding) (out []string) {
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	assert.Equal(t, []string{"c", "d", "e"}, ids(rep.Findings))
	assert.Equal(t, []string{"a", "b"}, ids(rep.Suppressed))
}

func TestTrivyMessagePackage(t *testing.T) {
	tests := []struct {
		name, text, pkg, version string
	}{
		{"trivy vulnerability", "Package: libssl1.1\nInstalled Version: 1.1.1c-r0\nVulnerability CVE-2019-1549\nSeverity: MEDIUM", "libssl1.1", "1.1.1c-r0"},
		{"trivy misconfiguration", "Artifact: Dockerfile\nType: dockerfile\nVulnerability DS002", "", ""},
		{"other tool", "This query depends on a [user-provided value](1).", "", ""},
		{"package only", "Package: x", "x", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg, version := trivyMessagePackage(tt.text)
			assert.Equal(t, tt.pkg, pkg)
			assert.Equal(t, tt.version, version)
		})
	}
}
