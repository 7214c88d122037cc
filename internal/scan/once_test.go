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

func sarifResultDoc(rules, result string) string {
	return sarifDoc(`{"tool": {"driver": {"name": "x", "rules": [` + rules + `]}}, "results": [` + result + `]}`)
}

// A key given twice in an object that findings are read from is refused:
// encoding/json would keep the last value (and match keys in any letter
// case), another reader the first, and the two would judge the deployment
// differently.
func TestReadRefusesRepeatedKeys(t *testing.T) {
	tests := []struct {
		name  string
		input string
		msg   string
	}{
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Read(strings.NewReader(tt.input), "report.json")
			require.Error(t, err, "read %+v", rep)
			assert.Equal(t, kindInvalid, errKind(err))
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
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
