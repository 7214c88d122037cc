// Package scan reads vulnerability scanner reports — Trivy JSON, Grype JSON,
// SARIF 2.1.0 and OSV-Scanner JSON — into one normalized Finding type, so
// that the deployment gate can match findings against exceptions without
// knowing which scanner produced them.
//
// The format is detected from the report's top-level keys, never from the
// file name. Reports are streamed: the reader walks to the arrays of findings
// and decodes one element at a time, so a 200 MB report needs little more
// memory than the findings it yields.
//
// Everything that is not a readable report is an error, never an empty
// Report: malformed or truncated JSON (a *SyntaxError with the byte offset,
// line and column), a document of another tool (ErrUnknownFormat), and a
// report that breaks its format's rules, such as a Trivy or Grype finding
// without a severity (ErrInvalid). A gate that cannot read a report cannot
// say that it is clean. Malformed JSON is reported as such even when a
// semantic problem comes first in the document: it is the likelier cause
// (a truncated upload), and the error does not depend on key order.
//
// How each format's severity is read:
//
//   - Trivy: Results[].Vulnerabilities[].Severity (UNKNOWN, LOW, MEDIUM, HIGH,
//     CRITICAL). Misconfigurations, secrets and licenses are not read: the
//     gate matches vulnerabilities. Findings under ExperimentalModifiedFindings
//     were suppressed by Trivy (VEX, ignore files) and are returned in
//     Report.Suppressed.
//   - Grype: matches[].vulnerability.severity, which includes Negligible.
//     ignoredMatches go to Report.Suppressed.
//   - SARIF: the CVSS score in properties["security-severity"] of the result,
//     else of its rule (GitHub's convention), rated by SeverityFromScore. A
//     score of 0 is treated as absent, because Trivy writes "0.0" both for
//     UNKNOWN and for vulnerabilities that have only a CVSS v2 score. Without
//     a score, the level decides: error → High, warning → Medium, note → Low,
//     none → Negligible; the level is the result's, else the rule's
//     defaultConfiguration.level, else "warning" as SARIF §3.27.10 specifies.
//     Results of kind pass, notApplicable or informational are not findings;
//     results with an accepted suppression go to Report.Suppressed. SARIF does
//     not say what a result is about, so every other result is a finding,
//     Trivy's misconfigurations included; the package and version are read
//     from the message of Trivy's results only.
//   - OSV-Scanner: one finding per group of aliased advisories (osv-scanner's
//     groups[]), rated by the highest of: the group's max_severity score, the
//     CVSS v2/v3 base score computed from each advisory's severity[] vectors,
//     Ubuntu priorities, and database_specific.severity (GitHub's rating).
//     Taking the highest means a disagreement between sources errs toward
//     blocking. OSV makes severity optional, so an advisory with none of these
//     is Unknown rather than an error — except OpenSSF malicious-package
//     advisories (MAL-…), which never carry a rating and are rated Critical:
//     an installed malicious package means a compromised machine.
package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Formats, as Report.Format and Finding.Source spell them.
const (
	FormatTrivy = "trivy"
	FormatGrype = "grype"
	FormatSARIF = "sarif"
	FormatOSV   = "osv-scanner"
)

var (
	// ErrUnknownFormat means the input is JSON but not a report of a scanner
	// this package reads.
	ErrUnknownFormat = errors.New("unknown report format")
	// ErrInvalid means the report breaks the rules of its format: a finding
	// without an id or severity, a value of the wrong type, an unsupported
	// schema version.
	ErrInvalid = errors.New("invalid report")
)

// Finding is one vulnerability in one package, as a scanner reported it.
type Finding struct {
	ID       string   // the scanner's id: CVE-2024-1234, GHSA-…, TEMP-…, or a SARIF rule id
	Aliases  []string // other ids of the same vulnerability, without ID; nil when none
	Severity Severity
	Package  string // package name; empty when the report does not say (SARIF other than Trivy's)
	Version  string // installed version, or the commit for an OSV git source
	PURL     string // package URL as reported, possibly with version and qualifiers; often empty
	Target   string // what was scanned: Trivy's Result.Target, Grype's first location (else the scanned image or directory), OSV-Scanner's source path, a SARIF artifact URI
	Source   string // the report format: FormatTrivy, FormatGrype, FormatSARIF or FormatOSV
	// Ecosystem is OSV-Scanner's ecosystem of a package without a package
	// URL ("npm", "PyPI", "Debian:12"); empty for the other formats.
	Ecosystem string
}

// Report is the normalized content of one scanner report.
type Report struct {
	Format   string    // FormatTrivy, FormatGrype, FormatSARIF or FormatOSV
	Findings []Finding // in report order; duplicates are kept as the scanner wrote them
	// Suppressed holds findings that the scanner itself reports as
	// suppressed (Trivy's ExperimentalModifiedFindings, Grype's
	// ignoredMatches, SARIF results with an accepted suppression). They are
	// not findings: the gate must not need an exception for them.
	Suppressed []Finding
	// Image is the scanned container image, for Trivy and Grype reports of
	// an image; its Digests are empty for other reports.
	Image Image
}

// ReadFile reads the report at path; see Read.
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read scan report: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads one report, detecting its format from its content. name is used
// in error messages only. Every error names the input and wraps
// ErrUnknownFormat, ErrInvalid, a *SyntaxError or the reader's own error.
func Read(r io.Reader, name string) (*Report, error) {
	if name == "" {
		name = "scan report"
	}
	p := &parser{w: newWalker(r)}
	if err := p.parse(); err != nil {
		if errors.Is(err, ErrUnknownFormat) || errors.Is(err, ErrInvalid) {
			if se := p.w.syntaxErrorAhead(); se != nil {
				err = se
			}
		}
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return &p.rep, nil
}

// parser holds the state of one Read.
type parser struct {
	w        *walker
	rep      Report
	decisive string   // the first top-level key that fixed the format
	keys     []string // top-level keys in order, for the unknown-format message

	trivySchema       *int
	trivyArtifact     json.RawMessage // kept raw: other tools may use the keys
	trivyMetadata     json.RawMessage
	trivyArtifactType json.RawMessage
	digests           map[string]bool // the image digests already in rep.Image
	grypeDesc         *grypeDescriptor
	grypeSource       *grypeSource
	sarifVersion      *string
	osvShaped         bool // at least one results[] element looked like OSV-Scanner's
	osvConfigSeen     bool
}

func (p *parser) parse() error {
	t, err := p.w.token("")
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		hint := ""
		if ok && d == '[' {
			hint = " (Trivy before schema 2 and some other tools write a top-level array)"
		}
		return fmt.Errorf("%w: the top level is a JSON %s, want an object%s", ErrUnknownFormat, tokenKind(t), hint)
	}
	if err := p.w.eachKey("", topLevelKeys, p.topLevel); err != nil {
		return err
	}
	// Exactly one JSON value: anything after it is a syntax error, which
	// the checker reports once the decoder has read it.
	if _, err := p.w.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the top-level object")
		}
		return p.w.wrap("", err)
	}
	if p.w.chk.err != nil {
		return p.w.chk.err
	}
	return p.finish()
}

// setFormat records the format a top-level key belongs to and rejects a
// document whose keys belong to two formats.
func (p *parser) setFormat(format, key string) error {
	if p.rep.Format == "" {
		p.rep.Format = format
		p.decisive = key
		return nil
	}
	if p.rep.Format != format {
		return fmt.Errorf("%w: key %q is %s's but key %q is %s's", ErrUnknownFormat, p.decisive, p.rep.Format, key, format)
	}
	return nil
}

// topLevelKeys are the top-level keys topLevel reads.
var topLevelKeys = []string{"SchemaVersion", "Results", "ArtifactName", "ArtifactType", "Metadata", "matches", "ignoredMatches",
	"descriptor", "source", "runs", "version", "results", "experimental_config"}

func (p *parser) topLevel(key string) error {
	if len(p.keys) < 20 {
		p.keys = append(p.keys, key)
	}
	var format string
	switch key {
	case "SchemaVersion", "Results":
		format = FormatTrivy
	case "matches", "ignoredMatches":
		format = FormatGrype
	case "runs":
		format = FormatSARIF
	case "results":
		format = FormatOSV
	}
	if format != "" {
		if err := p.setFormat(format, key); err != nil {
			return err
		}
	}
	switch key {
	case "SchemaVersion":
		var v int
		if err := p.w.decode(key, &v); err != nil {
			return err
		}
		p.trivySchema = &v
		return nil
	case "Results":
		return p.trivyResults()
	case "matches":
		return p.grypeMatches(key, false)
	case "ignoredMatches":
		return p.grypeMatches(key, true)
	case "descriptor":
		// Other tools may use these names for other things: keep them
		// leniently and judge them only if the report is Grype's.
		var d grypeDescriptor
		if err := p.w.decode(key, &d); err != nil {
			return err
		}
		p.grypeDesc = &d
		return nil
	case "source":
		var s grypeSource
		if err := p.w.decode(key, &s); err != nil {
			return err
		}
		p.grypeSource = &s
		return nil
	case "ArtifactName":
		return p.w.decode(key, &p.trivyArtifact)
	case "Metadata":
		return p.w.decode(key, &p.trivyMetadata)
	case "ArtifactType":
		return p.w.decode(key, &p.trivyArtifactType)
	case "runs":
		return p.sarifRuns()
	case "version":
		var v looseString
		if err := p.w.decode(key, &v); err != nil {
			return err
		}
		s := string(v)
		p.sarifVersion = &s
		return nil
	case "results":
		return p.osvResults()
	case "experimental_config":
		p.osvConfigSeen = true
	}
	return p.w.skip(key)
}

// finish applies the checks that need the whole top level.
func (p *parser) finish() error {
	switch p.rep.Format {
	case "":
		seen := "no keys"
		if len(p.keys) > 0 {
			seen = "keys " + quoteList(p.keys)
		}
		return fmt.Errorf("%w: the top-level object has %s; want Trivy JSON (SchemaVersion, Results), Grype JSON (matches), SARIF (runs) or OSV-Scanner JSON (results)",
			ErrUnknownFormat, seen)
	case FormatTrivy:
		if p.trivySchema == nil {
			return fmt.Errorf("%w: %q without SchemaVersion: not Trivy JSON of schema 2", ErrUnknownFormat, p.decisive)
		}
		if *p.trivySchema != 2 {
			return fmt.Errorf("%w: Trivy SchemaVersion %d, want 2", ErrInvalid, *p.trivySchema)
		}
		return p.trivyImage()
	case FormatGrype:
		return p.grypeFinish()
	case FormatSARIF:
		if p.sarifVersion == nil {
			return fmt.Errorf("%w: \"runs\" without version: not SARIF", ErrUnknownFormat)
		}
		if *p.sarifVersion != "2.1.0" {
			return fmt.Errorf("%w: SARIF version %q, want \"2.1.0\"", ErrInvalid, *p.sarifVersion)
		}
	case FormatOSV:
		if !p.osvShaped && !p.osvConfigSeen {
			return fmt.Errorf("%w: \"results\" is empty and there is no experimental_config: cannot tell this is OSV-Scanner JSON", ErrUnknownFormat)
		}
	}
	return nil
}

func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(q, ", ")
}

// severityOf reads a severity field that the format requires: missing or
// empty is an error naming the finding.
func severityOf(raw *string, path, id, field string) (Severity, error) {
	if raw == nil || strings.TrimSpace(*raw) == "" {
		return Unknown, fmt.Errorf("%w: %s (%s): no %s", ErrInvalid, path, id, field)
	}
	s, err := ParseSeverity(*raw)
	if err != nil {
		return Unknown, fmt.Errorf("%w: %s (%s): %s %q is not a severity", ErrInvalid, path, id, field, *raw)
	}
	return s, nil
}

// addAliases appends ids to aliases, skipping empty ones, the finding's own
// id and ones already present (case-insensitively: CVE ids are not case
// sensitive).
func addAliases(aliases []string, id string, ids ...string) []string {
next:
	for _, a := range ids {
		a = strings.TrimSpace(a)
		if a == "" || strings.EqualFold(a, id) {
			continue
		}
		for _, have := range aliases {
			if strings.EqualFold(have, a) {
				continue next
			}
		}
		aliases = append(aliases, a)
	}
	return aliases
}
