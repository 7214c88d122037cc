package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are the real reports, the SARIF fixtures and the regression
// inputs under testdata/fuzz (go test runs those as well).
func fuzzSeeds(f *testing.F) {
	f.Helper()
	for _, pattern := range []string{"testdata/real/*/*.json", "testdata/sarif/*.sarif"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range syntaxCases {
		f.Add([]byte(s))
	}
	f.Add([]byte(trivyDoc(`{"VulnerabilityID": "CVE-1", "Severity": "HIGH", "PkgIdentifier": {"PURL": "pkg:npm/a@1"}}`)))
	f.Add([]byte(grypeDoc(`{"vulnerability": {"id": "CVE-1", "severity": "High"}, "relatedVulnerabilities": [{"id": "GHSA-1"}], "artifact": {"name": "a"}}`)))
	f.Add([]byte(trivyDoc(`{"VulnerabilityID": "CVE-1", "Severity": "HIGH", "severity": "LOW"}`)))
	f.Add([]byte(osvDoc(`{"package": {"name": "x"}, "vulnerabilities": [{"id": "GO-1", "database_specific": {"severity": "HIGH"}}], "groups": [{"ids": ["GO-1"]}]}`)))
	f.Add([]byte(sarifDoc(`{"tool": {"driver": {"name": "x", "rules": [{"id": "a", "properties": {"security-severity": "7"}}]}}, "results": [{"ruleId": "a", "rule": {"index": 0, "toolComponent": {"index": 0}}}]}`)))
}

// FuzzRead: Read never panics; it fails with a *SyntaxError exactly when
// encoding/json finds the input invalid, and then at the right place; other
// errors are ErrUnknownFormat or ErrInvalid; a report it returns is sound.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Read(bytes.NewReader(data), "fuzz.json")
		var se *SyntaxError
		isSyntax := errors.As(err, &se)
		if valid := json.Valid(data); valid == isSyntax {
			t.Fatalf("json.Valid = %v but Read error = %v", valid, err)
		}
		if err != nil {
			if rep != nil {
				t.Fatal("a report with an error")
			}
			if !strings.HasPrefix(err.Error(), "parse fuzz.json: ") {
				t.Fatalf("error does not name the input: %v", err)
			}
			if isSyntax {
				if se.Offset < 0 || se.Offset > int64(len(data)) {
					t.Fatalf("offset %d outside input of %d bytes", se.Offset, len(data))
				}
				if line, col := lineCol(data, se.Offset); line != se.Line || col != se.Column {
					t.Fatalf("position %d:%d, recount says %d:%d", se.Line, se.Column, line, col)
				}
				return
			}
			if !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		switch rep.Format {
		case FormatTrivy, FormatGrype, FormatSARIF, FormatOSV:
		default:
			t.Fatalf("format %q", rep.Format)
		}
		for _, list := range [][]Finding{rep.Findings, rep.Suppressed} {
			for _, fd := range list {
				if fd.ID == "" || fd.Source != rep.Format || fd.Severity < Unknown || fd.Severity > Critical {
					t.Fatalf("unsound finding %+v in %s report", fd, rep.Format)
				}
				for _, a := range fd.Aliases {
					if a == "" || strings.EqualFold(a, fd.ID) {
						t.Fatalf("bad alias %q of %s", a, fd.ID)
					}
				}
			}
		}
	})
}

// FuzzSyntaxChecker: the checker's verdict and error do not depend on how
// the input is split, and agree with json.Valid.
func FuzzSyntaxChecker(f *testing.F) {
	for _, s := range syntaxCases {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		whole := checkAll(data, len(data)+1)
		if json.Valid(data) != (whole.err == nil) {
			t.Fatalf("json.Valid = %v, checker error = %v", json.Valid(data), whole.err)
		}
		split := checkAll(data, int(chunk)+1)
		if (whole.err == nil) != (split.err == nil) || (whole.err != nil && *whole.err != *split.err) {
			t.Fatalf("whole: %v, in chunks of %d: %v", whole.err, int(chunk)+1, split.err)
		}
	})
}

// FuzzPURLBase: never panics, is idempotent, and yields "" or a "pkg:" URL
// without qualifiers or subpath.
func FuzzPURLBase(f *testing.F) {
	for _, s := range []string{"pkg:npm/%40scope/name@1.2.3?x=y#sub", "pkg:npm/@scope/name@1", "pkg://a/b", "pkg:a/b@c/d@e", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := PURLBase(s)
		if b != PURLBase(b) {
			t.Fatalf("PURLBase(%q) = %q, but PURLBase(%q) = %q", s, b, b, PURLBase(b))
		}
		if b != "" && (!strings.HasPrefix(b, "pkg:") || strings.ContainsAny(b, "?#")) {
			t.Fatalf("PURLBase(%q) = %q", s, b)
		}
	})
}
