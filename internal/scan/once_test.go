package scan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func osvDoc(pkg string) string {
	return `{"results": [{"source": {"path": "go.mod", "type": "lockfile"}, "packages": [` + pkg + `]}]}`
}

// invalidCase is an input Read must refuse as invalid, with a part of the
// message it must give.
type invalidCase struct{ name, input, msg string }

func runInvalid(t *testing.T, tests []invalidCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Read(strings.NewReader(tt.input), "report.json")
			require.Error(t, err, "read %+v", rep)
			assert.Equal(t, kindInvalid, errKind(err))
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func sarifResultDoc(rules, result string) string {
	return sarifDoc(`{"tool": {"driver": {"name": "x", "rules": [` + rules + `]}}, "results": [` + result + `]}`)
}

// A key given twice in an object that findings are read from is refused:
// encoding/json would keep the last value (and match keys in any letter
// case), another reader the first, and the two would judge the deployment
// differently.
func TestReadRefusesRepeatedKeys(t *testing.T) {
	runInvalid(t, []invalidCase{
		{"trivy severity in two cases", trivyDoc(`{"VulnerabilityID": "CVE-1", "Severity": "CRITICAL", "severity": "LOW"}`),
			"Results[0].Vulnerabilities[0].Severity: the key appears twice"},
		{"trivy severity null then set", trivyDoc(`{"VulnerabilityID": "CVE-1", "Severity": null, "Severity": "LOW"}`),
			"Results[0].Vulnerabilities[0].Severity: the key appears twice"},
		{"trivy id twice", trivyDoc(`{"VulnerabilityID": "CVE-1", "VulnerabilityID": "CVE-2", "Severity": "LOW"}`),
			"Results[0].Vulnerabilities[0].VulnerabilityID: the key appears twice"},
		{"trivy package identity twice", trivyDoc(`{"VulnerabilityID": "CVE-1", "Severity": "LOW", "PkgIdentifier": {"PURL": "pkg:npm/a@1"}, "pkgidentifier": {}}`),
			"Results[0].Vulnerabilities[0].PkgIdentifier: the key appears twice"},
		{"trivy suppressed finding twice", `{"SchemaVersion": 2, "Results": [{"Target": "x", "ExperimentalModifiedFindings": [
			{"Type": "vulnerability", "Finding": {"VulnerabilityID": "CVE-1", "Severity": "LOW"}, "finding": null}]}]}`,
			"Results[0].ExperimentalModifiedFindings[0].Finding: the key appears twice"},
		{"grype severity in two cases", grypeDoc(`{"vulnerability": {"id": "CVE-1", "severity": "Critical", "Severity": "Low"}, "artifact": {"name": "a"}}`),
			"matches[0].vulnerability.severity: the key appears twice"},
		{"grype related vulnerabilities twice", grypeDoc(`{"vulnerability": {"id": "GHSA-1", "severity": "Low"},
			"relatedVulnerabilities": [{"id": "CVE-1"}], "relatedVulnerabilities": [], "artifact": {"name": "a"}}`),
			"matches[0].relatedVulnerabilities: the key appears twice"},
		{"grype artifact twice", grypeDoc(`{"vulnerability": {"id": "CVE-1", "severity": "Low"}, "artifact": {"name": "a"}, "Artifact": {"name": "b"}}`),
			"matches[0].artifact: the key appears twice"},
		{"osv ratings twice", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1",
			"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}], "severity": []}]}`),
			"results[0].packages[0].vulnerabilities[0].severity: the key appears twice"},
		{"osv database severity twice", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1",
			"database_specific": {"severity": "CRITICAL", "Severity": "LOW"}}]}`),
			"results[0].packages[0].vulnerabilities[0].database_specific.severity: the key appears twice"},
		{"osv database object twice", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1",
			"database_specific": {"severity": "CRITICAL"}, "database_specific": {}}]}`),
			"results[0].packages[0].vulnerabilities[0].database_specific: the key appears twice"},
		{"osv vulnerabilities twice", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1"}], "vulnerabilities": []}`),
			`results[0].packages[0]: key "vulnerabilities" repeated`},
		{"osv group rating twice", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1"}],
			"groups": [{"ids": ["GO-1"], "max_severity": "9.8", "max_severity": ""}]}`),
			"results[0].packages[0].groups[0].max_severity: the key appears twice"},
		{"osv package name twice", osvDoc(`{"package": {"name": "x", "Name": "y"}, "vulnerabilities": []}`),
			"results[0].packages[0].package.name: the key appears twice"},
		{"sarif level in two cases", sarifResultDoc(``, `{"ruleId": "a", "level": "error", "Level": "note"}`),
			"runs[0].results[0].level: the key appears twice"},
		{"sarif properties twice", sarifResultDoc(``, `{"ruleId": "a", "properties": {"security-severity": "9.8"}, "properties": {}}`),
			"runs[0].results[0].properties: the key appears twice"},
		{"sarif suppressions twice", sarifResultDoc(``, `{"ruleId": "a", "suppressions": [{"kind": "external"}], "suppressions": []}`),
			"runs[0].results[0].suppressions: the key appears twice"},
		{"sarif message twice", sarifResultDoc(``, `{"ruleId": "a", "message": {"text": "Package: a"}, "message": {}}`),
			"runs[0].results[0].message: the key appears twice"},
		{"sarif rule severity twice", sarifResultDoc(`{"id": "a", "properties": {"security-severity": "9.8", "security-severity": "1"}}`, `{"ruleId": "a"}`),
			"runs[0].tool.driver.rules[0].properties.security-severity: the key appears twice"},
		{"sarif rule level twice", sarifResultDoc(`{"id": "a", "defaultConfiguration": {"level": "error"}, "defaultConfiguration": {}}`, `{"ruleId": "a"}`),
			"runs[0].tool.driver.rules[0].defaultConfiguration: the key appears twice"},
	})
}

// Only the fields exctl reads are held to one value each: a key of another
// case alone is read as before, and repeated keys in the parts exctl skips
// (vendor maps, free-form properties) do not refuse a report.
func TestReadKeepsKeysItDoesNotRepeat(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  Severity
	}{
		{"trivy severity in lower case", trivyDoc(`{"VulnerabilityID": "CVE-1", "severity": "HIGH"}`), High},
		{"trivy vendor map with repeated keys", trivyDoc(`{"VulnerabilityID": "CVE-1", "Severity": "HIGH",
			"VendorSeverity": {"nvd": 3, "nvd": 1}, "CVSS": {"nvd": {}, "NVD": {}}}`), High},
		{"sarif free-form properties", sarifResultDoc(``, `{"ruleId": "a", "level": "error", "properties": {"tags": [], "Tags": [], "tags": []}}`), High},
		{"osv database fields repeated", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1",
			"database_specific": {"severity": "HIGH", "url": "a", "url": "b"}}]}`), High},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Read(strings.NewReader(tt.input), "report.json")
			require.NoError(t, err)
			require.Len(t, rep.Findings, 1)
			assert.Equal(t, tt.want, rep.Findings[0].Severity)
		})
	}
}

// The objects the reader walks key by key dispatch on exact names; a known
// key in another letter case would be skipped here but read by the
// scanners' own readers (Go's encoding/json matches keys in any case), so
// it is refused.
func TestReadRefusesKnownKeysInAnotherCase(t *testing.T) {
	v := `{"VulnerabilityID": "CVE-1", "Severity": "CRITICAL"}`
	runInvalid(t, []invalidCase{
		{"trivy vulnerabilities in lower case", `{"SchemaVersion": 2, "Results": [{"Target": "a", "vulnerabilities": [` + v + `]}]}`,
			`Results[0]: key "vulnerabilities" is "Vulnerabilities" in another letter case`},
		{"trivy both spellings", `{"SchemaVersion": 2, "Results": [{"Target": "a", "Vulnerabilities": [], "vulnerabilities": [` + v + `]}]}`,
			`key "vulnerabilities" is "Vulnerabilities"`},
		{"trivy results in capitals", `{"SchemaVersion": 2, "Results": [], "RESULTS": [{"Target": "a", "Vulnerabilities": [` + v + `]}]}`,
			`top level: key "RESULTS" is "Results" in another letter case`},
		{"trivy metadata twice", `{"SchemaVersion": 2, "Metadata": {"ImageID": "sha256:aa"}, "metadata": {"ImageID": "sha256:bb"}, "Results": []}`,
			`key "metadata" is "Metadata"`},
		{"grype matches in capitals", `{"matches": [], "Matches": [{"vulnerability": {"id": "CVE-1", "severity": "Critical"}, "artifact": {"name": "a"}}], "descriptor": {"name": "grype"}}`,
			`key "Matches" is "matches"`},
		{"osv vulnerabilities in capitals", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [], "Vulnerabilities": [{"id": "GHSA-x", "database_specific": {"severity": "CRITICAL"}}]}`),
			`results[0].packages[0]: key "Vulnerabilities" is "vulnerabilities"`},
		{"osv groups in capitals", osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1"}], "Groups": [{"ids": ["GO-1"], "max_severity": "9.8"}]}`),
			`key "Groups" is "groups"`},
		{"osv both source keys", `{"results": [{"source": {"path": "a"}, "packageSource": {"path": "b"}, "packages": []}]}`,
			"results[0] has both source and packageSource"},
		{"sarif results in capitals", sarifDoc(`{"tool": {"driver": {"name": "x"}}, "Results": [{"ruleId": "a", "level": "error"}]}`),
			`runs[0]: key "Results" is "results"`},
	})
}

// A suppressed Trivy finding of an unknown type is refused rather than
// dropped: suppressed vulnerabilities need exceptions too.
func TestReadTrivySuppressedTypes(t *testing.T) {
	doc := func(elems string) string {
		return `{"SchemaVersion": 2, "Results": [{"Target": "a", "ExperimentalModifiedFindings": [` + elems + `]}]}`
	}
	v := `{"VulnerabilityID": "CVE-1", "Severity": "CRITICAL"}`
	for name, in := range map[string]string{
		"type in capitals": doc(`{"Type": "Vulnerability", "Finding": ` + v + `}`),
		"no type":          doc(`{"Finding": ` + v + `}`),
		"no finding":       doc(`{"Type": "vulnerability"}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(in), "report.json")
			require.Error(t, err)
			assert.Equal(t, kindInvalid, errKind(err))
		})
	}
	rep, err := Read(strings.NewReader(doc(`{"Type": "secret", "Finding": {"RuleID": "aws"}}, {"Type": "vulnerability", "Finding": `+v+`}`)), "report.json")
	require.NoError(t, err)
	require.Len(t, rep.Suppressed, 1, "a suppressed secret is not a vulnerability")
	assert.Equal(t, "CVE-1", rep.Suppressed[0].ID)
}

// SARIF §3.27.23: a result is suppressed only when no suppression is under
// review or rejected.
func TestReadSARIFSuppressionStatus(t *testing.T) {
	tests := []struct {
		suppressions string
		suppressed   bool
	}{
		{`[{"kind": "external"}]`, true},
		{`[{"kind": "inSource", "status": "accepted"}]`, true},
		{`[{"status": "accepted"}, {"status": "rejected"}]`, false},
		{`[{"status": "underReview"}]`, false},
		{`[]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.suppressions, func(t *testing.T) {
			rep, err := Read(strings.NewReader(sarifResultDoc(``, `{"ruleId": "a", "level": "error", "suppressions": `+tt.suppressions+`}`)), "report.json")
			require.NoError(t, err)
			assert.Equal(t, tt.suppressed, len(rep.Suppressed) == 1)
			assert.Equal(t, !tt.suppressed, len(rep.Findings) == 1)
		})
	}
	_, err := Read(strings.NewReader(sarifResultDoc(``, `{"ruleId": "a", "suppressions": [{"status": "approved"}]}`)), "report.json")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `runs[0].results[0].suppressions[0]: unknown status "approved"`)
}
