package scan

import (
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is Unknown, which sorts below
// every rating so that "at or above High" never includes it by accident; a
// caller that wants to fail closed on unrated findings must ask for Unknown
// explicitly.
type Severity int

const (
	// Unknown means the scanner rated the finding but could not say how bad
	// it is (Trivy's and Grype's "UNKNOWN"), or the report carries no rating
	// the reader could use (an OSV advisory without severity data).
	Unknown Severity = iota
	// Negligible is Grype's and Ubuntu's rating below Low; CVSS 0.0 ("None")
	// and SARIF level "none" map here too.
	Negligible
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{
	Unknown:    "Unknown",
	Negligible: "Negligible",
	Low:        "Low",
	Medium:     "Medium",
	High:       "High",
	Critical:   "Critical",
}

// String returns the name as exception records spell it ("High").
func (s Severity) String() string {
	if s < Unknown || s > Critical {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name case-insensitively. Besides the six
// names it accepts the spellings scanners use for the same ratings:
// "moderate" (GitHub advisories) is Medium, "important" (Red Hat) is High,
// "none", "info" and "informational" are Negligible. An empty or
// unrecognised name is an error, never Unknown: a rating that cannot be read
// must not pass as one that says "unknown".
func ParseSeverity(name string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "unknown":
		return Unknown, nil
	case "negligible", "none", "info", "informational":
		return Negligible, nil
	case "low":
		return Low, nil
	case "medium", "moderate":
		return Medium, nil
	case "high", "important":
		return High, nil
	case "critical":
		return Critical, nil
	case "":
		return Unknown, fmt.Errorf("parse severity: empty")
	}
	return Unknown, fmt.Errorf("parse severity %q: not one of unknown, negligible, low, medium, high, critical", name)
}

// MarshalText writes the name, so JSON and YAML output say "High", not 4.
func (s Severity) MarshalText() ([]byte, error) {
	if s < Unknown || s > Critical {
		return nil, fmt.Errorf("marshal severity: invalid value %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText is the inverse of MarshalText and accepts what ParseSeverity accepts.
func (s *Severity) UnmarshalText(text []byte) error {
	v, err := ParseSeverity(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// SeverityFromScore rates a CVSS base score with the qualitative scale of
// CVSS v3 (also used by GitHub for SARIF security-severity): 9.0 and above
// Critical, 7.0 High, 4.0 Medium, above 0 Low, and 0 Negligible ("None").
// The same scale is applied to CVSS v2 scores, which has no Critical band of
// its own; rating a v2 10.0 Critical errs on the side of blocking.
func SeverityFromScore(score float64) Severity {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return Negligible
}
