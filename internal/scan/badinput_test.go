package scan

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	kindSyntax    = "syntax"
	kindTruncated = "truncated"
	kindUnknown   = "unknown"
	kindInvalid   = "invalid"
)

// errKind classifies an error of Read the way the CLI will: every kind
// means "could not read the report", exit 2.
func errKind(err error) string {
	var se *SyntaxError
	switch {
	case errors.As(err, &se) && se.Truncated:
		return kindTruncated
	case errors.As(err, &se):
		return kindSyntax
	case errors.Is(err, ErrUnknownFormat):
		return kindUnknown
	case errors.Is(err, ErrInvalid):
		return kindInvalid
	}
	return "other"
}

func readRealFile(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "real", rel))
	require.NoError(t, err)
	return string(b)
}

// trivyDoc is a Trivy report with one result holding vulns.
func trivyDoc(vulns string) string {
	return `{"SchemaVersion": 2, "ArtifactName": "x", "ArtifactType": "container_image",
	  "Results": [{"Target": "x (debian 12)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [` + vulns + `]}]}`
}

func grypeDoc(matches string) string {
	return `{"matches": [` + matches + `], "source": {"type": "image", "target": {"userInput": "x:1"}},
	  "distro": {"name": "debian"}, "descriptor": {"name": "grype", "version": "0.74.0"}}`
}

func TestReadBadInput(t *testing.T) {
	alpine := readRealFile(t, "trivy/alpine-39.json")
	tests := []struct {
		name  string
		input string
		kind  string
		msg   string // a part of the error message
	}{
		{name: "empty file", input: "", kind: kindTruncated, msg: "empty input"},
		{name: "only whitespace", input: " \n\t\n", kind: kindTruncated, msg: "line 3, column 1 (byte 4): empty input"},
		{name: "not JSON", input: "Total: 3 (HIGH: 1)\n", kind: kindSyntax, msg: "line 1, column 1 (byte 0): invalid character 'T' looking for beginning of value"},
		{name: "table output after JSON", input: "{}\nTotal: 0", kind: kindSyntax, msg: "line 2, column 1 (byte 3): invalid character 'T' after top-level value"},
		{name: "two documents", input: `{"SchemaVersion": 2} {"SchemaVersion": 2}`, kind: kindSyntax, msg: "after top-level value"},
		{name: "truncated trivy report", input: alpine[:len(alpine)/2], kind: kindTruncated, msg: "unexpected end of input"},
		{name: "truncated after a key", input: `{"SchemaVersion":`, kind: kindTruncated, msg: "line 1, column 18 (byte 17)"},
		{name: "truncated inside a string", input: `{"Results": [{"Target": "ab`, kind: kindTruncated, msg: "byte 27"},
		{name: "truncated number", input: `{"SchemaVersion": 2`, kind: kindTruncated, msg: "unexpected end of input"},
		{name: "top-level array", input: `[{"Target": "x", "Vulnerabilities": []}]`, kind: kindUnknown, msg: "top level is a JSON array"},
		{name: "top-level string", input: `"trivy"`, kind: kindUnknown, msg: "top level is a JSON string"},
		{name: "top-level null", input: `null`, kind: kindUnknown, msg: "top level is a JSON null"},
		{name: "empty object", input: `{}`, kind: kindUnknown, msg: "has no keys"},
		{name: "unknown tool", input: `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}`,
			kind: kindUnknown, msg: `keys "bomFormat", "specVersion", "components"; want Trivy JSON`},
		{name: "semgrep", input: `{"version": "1.50.0", "results": [{"check_id": "go.lang.security.audit", "path": "a.go", "extra": {"severity": "ERROR"}}], "errors": []}`,
			kind: kindUnknown, msg: "results[0] has no source or no packages: not an OSV-Scanner result"},
		{name: "semgrep without results", input: `{"version": "1.50.0", "results": [], "errors": [], "paths": {"scanned": []}}`,
			kind: kindUnknown, msg: "cannot tell this is OSV-Scanner JSON"},
		{name: "keys of two formats", input: `{"SchemaVersion": 2, "matches": []}`, kind: kindUnknown, msg: `key "SchemaVersion" is trivy's but key "matches" is grype's`},
		{name: "trivy schema 1 object", input: `{"Results": []}`, kind: kindUnknown, msg: "without SchemaVersion"},
		{name: "trivy schema 3", input: `{"SchemaVersion": 3, "Results": []}`, kind: kindInvalid, msg: "Trivy SchemaVersion 3, want 2"},
		{name: "trivy result without target", input: `{"SchemaVersion": 2, "Results": [{"Vulnerabilities": []}]}`, kind: kindUnknown, msg: "Results[0] has no Target"},
		{name: "trivy finding without severity", input: trivyDoc(`{"VulnerabilityID": "CVE-2024-1", "PkgName": "a", "Severity": "LOW"},
			{"VulnerabilityID": "CVE-2024-1234", "PkgName": "openssl", "InstalledVersion": "3.0.1"}`),
			kind: kindInvalid, msg: "Results[0].Vulnerabilities[1] (CVE-2024-1234): no Severity"},
		{name: "trivy empty severity", input: trivyDoc(`{"VulnerabilityID": "CVE-2024-1234", "PkgName": "openssl", "Severity": ""}`),
			kind: kindInvalid, msg: "(CVE-2024-1234): no Severity"},
		{name: "trivy null severity", input: trivyDoc(`{"VulnerabilityID": "CVE-2024-1234", "PkgName": "openssl", "Severity": null}`),
			kind: kindInvalid, msg: "(CVE-2024-1234): no Severity"},
		{name: "trivy unknown severity word", input: trivyDoc(`{"VulnerabilityID": "CVE-2024-1234", "PkgName": "openssl", "Severity": "SEVERE"}`),
			kind: kindInvalid, msg: `Severity "SEVERE" is not a severity`},
		{name: "trivy finding without id", input: trivyDoc(`{"PkgName": "openssl", "Severity": "HIGH"}`),
			kind: kindInvalid, msg: "Results[0].Vulnerabilities[0]: no VulnerabilityID"},
		{name: "suppressed finding without severity", input: `{"SchemaVersion": 2, "Results": [{"Target": "x",
			"ExperimentalModifiedFindings": [{"Type": "vulnerability", "Finding": {"VulnerabilityID": "CVE-1"}}]}]}`,
			kind: kindInvalid, msg: "ExperimentalModifiedFindings[0] (CVE-1): no Severity"},
		{name: "grype finding without severity", input: grypeDoc(`{"vulnerability": {"id": "CVE-2024-1"}, "artifact": {"name": "a", "version": "1"}}`),
			kind: kindInvalid, msg: "matches[0] (CVE-2024-1): no vulnerability.severity"},
		{name: "grype match without artifact", input: grypeDoc(`{"vulnerability": {"id": "CVE-2024-1", "severity": "High"}}`),
			kind: kindUnknown, msg: "matches[0] has no vulnerability or no artifact"},
		{name: "grype without descriptor", input: `{"matches": []}`, kind: kindUnknown, msg: "without a descriptor naming grype"},
		{name: "wrong type: severity number", input: trivyDoc(`{"VulnerabilityID": "CVE-2024-1", "PkgName": "a", "Severity": 4}`),
			kind: kindInvalid, msg: "Results[0].Vulnerabilities[0].Severity: want string, got number"},
		{name: "wrong type: Results object", input: `{"SchemaVersion": 2, "Results": {"Target": "x"}}`,
			kind: kindInvalid, msg: "Results: want array, got object"},
		{name: "wrong type: Vulnerabilities string", input: `{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": "none"}]}`,
			kind: kindInvalid, msg: "Results[0].Vulnerabilities: want array, got string"},
		{name: "wrong type: SchemaVersion string", input: `{"SchemaVersion": "2", "Results": []}`,
			kind: kindInvalid, msg: "SchemaVersion: want number, got string"},
		{name: "wrong type: result is a number", input: `{"SchemaVersion": 2, "Results": [1]}`,
			kind: kindInvalid, msg: "Results[0]: want object, got number"},
		{name: "wrong type: purl number", input: trivyDoc(`{"VulnerabilityID": "CVE-1", "Severity": "LOW", "PkgIdentifier": {"PURL": 1}}`),
			kind: kindInvalid, msg: "Results[0].Vulnerabilities[0].PkgIdentifier.PURL: want string, got number"},
		{name: "wrong type: grype related ids", input: grypeDoc(`{"vulnerability": {"id": "CVE-1", "severity": "Low"}, "relatedVulnerabilities": {"id": "x"}, "artifact": {}}`),
			kind: kindInvalid, msg: "matches[0].relatedVulnerabilities: want array, got object"},
		{name: "repeated key", input: `{"SchemaVersion": 2, "Results": [], "Results": []}`, kind: kindInvalid, msg: `top level: key "Results" repeated`},
		{name: "huge nesting in a skipped value", input: `{"SchemaVersion": 2, "Metadata": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
			kind: kindSyntax, msg: "nesting deeper than 10000 levels"},
		{name: "huge nesting in results", input: `{"SchemaVersion": 2, "Results": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
			kind: kindSyntax, msg: "nesting deeper than 10000 levels"},
		{name: "semantic error before a syntax error", input: `{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": "x"}], "Metadata": [}`,
			kind: kindSyntax, msg: "line 1, column 89 (byte 88): invalid character '}' looking for beginning of value"},
		{name: "unknown format before truncation", input: `[{"Target": "x"`, kind: kindTruncated, msg: "unexpected end of input"},
		{name: "huge unclosed nesting", input: strings.Repeat(`{"a":`, 50000), kind: kindSyntax, msg: "nesting deeper than 10000 levels"},
		{name: "bad escape", input: "{\"SchemaVersion\": 2,\n \"Results\": [{\"Target\": \"a\\qb\"}]}", kind: kindSyntax,
			msg: `line 2, column 28 (byte 48): invalid character 'q' in string escape code`},
		{name: "control character in string", input: "{\"a\": \"x\ty\"}", kind: kindSyntax, msg: `invalid character '\t' in string literal`},
		{name: "leading zero", input: `{"SchemaVersion": 02}`, kind: kindSyntax, msg: "invalid character '2' after object key:value pair"},
		{name: "trailing comma", input: `{"SchemaVersion": 2,}`, kind: kindSyntax, msg: "looking for beginning of object key string"},
		{name: "single quotes", input: `{'SchemaVersion': 2}`, kind: kindSyntax, msg: `invalid character '\'' looking for beginning of object key string`},
		{name: "osv bad cvss vector", input: `{"results": [{"source": {"path": "go.mod", "type": "lockfile"}, "packages": [{"package": {"name": "x", "version": "1", "ecosystem": "Go"},
			"vulnerabilities": [{"id": "GO-1", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X"}]}], "groups": [{"ids": ["GO-1"]}]}]}]}`,
			kind: kindInvalid, msg: "(GO-1): severity CVSS_V3: parse CVSS vector"},
		{name: "osv vulnerability without id", input: `{"results": [{"source": {"path": "go.mod"}, "packages": [{"package": {"name": "x"}, "vulnerabilities": [{"aliases": []}]}]}]}`,
			kind: kindInvalid, msg: "results[0].packages[0].vulnerabilities[0]: no id"},
		{name: "osv max_severity out of range", input: `{"results": [{"source": {"path": "go.mod"}, "packages": [{"package": {"name": "x"},
			"vulnerabilities": [{"id": "GO-1"}], "groups": [{"ids": ["GO-1"], "max_severity": "11"}]}]}]}`,
			kind: kindInvalid, msg: "max_severity CVSS score 11 is outside 0 to 10"},
		{name: "sarif version 2.0.0", input: `{"version": "2.0.0", "runs": []}`, kind: kindInvalid, msg: `SARIF version "2.0.0", want "2.1.0"`},
		{name: "sarif without version", input: `{"runs": []}`, kind: kindUnknown, msg: "\"runs\" without version"},
		{name: "sarif run without tool", input: sarifDoc(`{"results": []}`), kind: kindInvalid, msg: "runs[0] has no tool"},
		{name: "sarif result without rule id", input: sarifDoc(`{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}}]}`),
			kind: kindInvalid, msg: "runs[0].results[0]: no ruleId"},
		{name: "sarif unknown level", input: sarifDoc(`{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a", "level": "fatal"}]}`),
			kind: kindInvalid, msg: `(a): unknown level "fatal"`},
		{name: "sarif unknown kind", input: sarifDoc(`{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a", "kind": "maybe"}]}`),
			kind: kindInvalid, msg: `unknown kind "maybe"`},
		{name: "sarif bad security-severity", input: sarifDoc(`{"tool": {"driver": {"name": "x", "rules": [{"id": "a", "properties": {"security-severity": "bad"}}]}}, "results": [{"ruleId": "a"}]}`),
			kind: kindInvalid, msg: `(a): security-severity "bad" is neither a CVSS score nor a severity`},
		{name: "sarif security-severity object", input: sarifDoc(`{"tool": {"driver": {"name": "x", "rules": [{"id": "a", "properties": {"security-severity": {}}}]}}, "results": []}`),
			kind: kindInvalid, msg: "runs[0].tool.driver.rules[0]: score is neither a string nor a number"},
		{name: "sarif unknown tool component", input: sarifDoc(`{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a", "rule": {"index": 0, "toolComponent": {"index": 3}}}]}`),
			kind: kindInvalid, msg: "refers to a tool component that the run does not have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Read(strings.NewReader(tt.input), "report.json")
			require.Error(t, err)
			assert.Nil(t, rep)
			assert.Equal(t, tt.kind, errKind(err), "error: %v", err)
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "parse report.json: "), "error does not name the file: %v", err)
		})
	}
}

// TestReadTruncatedAnywhere cuts a real report at many places: every cut
// must be an error, never a report of the findings read so far.
func TestReadTruncatedAnywhere(t *testing.T) {
	for _, file := range []string{"trivy/alpine-39.json", "grype/grype-presenter-image.json", "osv-scanner/defectdojo-some-findings.json"} {
		t.Run(file, func(t *testing.T) {
			data := strings.TrimRight(readRealFile(t, file), " \n")
			for cut := 0; cut < len(data); cut += 1 + cut/50 {
				_, err := Read(strings.NewReader(data[:cut]), file)
				require.Error(t, err, "cut at %d", cut)
				var se *SyntaxError
				require.ErrorAs(t, err, &se, "cut at %d", cut)
				assert.True(t, se.Truncated, "cut at %d", cut)
				assert.Equal(t, int64(cut), se.Offset, "cut at %d", cut)
			}
		})
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		name         string
		input        string
		offset       int64
		line, column int
		truncated    bool
	}{
		{name: "first byte", input: "x", offset: 0, line: 1, column: 1},
		{name: "third line", input: "{\n  \"a\": 1,\n  \"b\": tru }", offset: 22, line: 3, column: 11},
		// Columns count characters: "é" is two bytes, one column.
		{name: "after multi-byte characters", input: `{"é": "ü", x}`, offset: 13, line: 1, column: 12},
		{name: "CRLF line ends", input: "{\r\n\"a\": 1\r\n,,}", offset: 12, line: 3, column: 2},
		{name: "end of input", input: "{\n\"a\": [1,\n", offset: 11, line: 3, column: 1, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.input), "x.json")
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.offset, se.Offset)
			assert.Equal(t, tt.line, se.Line)
			assert.Equal(t, tt.column, se.Column)
			assert.Equal(t, tt.truncated, se.Truncated)
		})
	}
}

// failingReader returns its data, then an error.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadReaderError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Read(&failingReader{data: readRealFile(t, "trivy/alpine-39.json")[:5000], err: boom}, "remote.json")
	require.Error(t, err)
	assert.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "parse remote.json: ")
}

func TestReadFileErrors(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "missing.json"))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "missing.json")

	path := filepath.Join(t.TempDir(), "empty.json")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err = ReadFile(path)
	assert.Equal(t, kindTruncated, errKind(err))
	assert.Contains(t, err.Error(), "parse "+path+": ")
}

// oneByteReader hands out one byte per Read, to prove that results do not
// depend on how the input arrives.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestReadOneByteAtATime(t *testing.T) {
	for _, file := range []string{"trivy/npm-with-suppressed.json", "grype/defectdojo-check-all-fields.json", "osv-scanner/defectdojo-some-findings.json"} {
		t.Run(file, func(t *testing.T) {
			data := readRealFile(t, file)
			want, err := Read(strings.NewReader(data), file)
			require.NoError(t, err)
			got, err := Read(oneByteReader{strings.NewReader(data)}, file)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}
