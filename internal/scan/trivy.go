package scan

import "fmt"

// trivyVuln holds the fields of a Trivy DetectedVulnerability that a
// finding needs; the decoder skips the rest (descriptions, references, CVSS).
type trivyVuln struct {
	VulnerabilityID  text
	PkgName          text
	InstalledVersion text
	PkgIdentifier    one[struct{ PURL text }]
	Severity         text
}

// trivyModified is an element of ExperimentalModifiedFindings: a finding
// that Trivy suppressed (by VEX or an ignore file) and still shows.
type trivyModified struct {
	Type    text
	Finding one[*trivyVuln]
}

func (v *trivyVuln) finding(path string) (Finding, error) {
	id := v.VulnerabilityID.s
	if id == "" {
		return Finding{}, fmt.Errorf("%w: %s: no VulnerabilityID", ErrInvalid, path)
	}
	sev, err := severityOf(v.Severity.ptr(), path, id, "Severity")
	if err != nil {
		return Finding{}, err
	}
	return Finding{
		ID:       id,
		Severity: sev,
		Package:  v.PkgName.s,
		Version:  v.InstalledVersion.s,
		PURL:     v.PkgIdentifier.v.PURL.s,
		Source:   FormatTrivy,
	}, nil
}

func (p *parser) trivyResults() error {
	ok, err := p.w.enter("Results", '[')
	if !ok {
		return err
	}
	return p.w.eachElem("Results", p.trivyResult)
}

// trivyResult reads one element of Results: a target (an image's OS
// packages, a lock file) and its vulnerabilities.
func (p *parser) trivyResult(i int) error {
	path := fmt.Sprintf("Results[%d]", i)
	ok, err := p.w.enter(path, '{')
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s: null", ErrInvalid, path)
	}
	first, firstSuppressed := len(p.rep.Findings), len(p.rep.Suppressed)
	var target *string
	err = p.w.eachKey(path, []string{"Target", "Vulnerabilities", "ExperimentalModifiedFindings"}, func(key string) error {
		switch key {
		case "Target":
			var s string
			if err := p.w.decode(path+".Target", &s); err != nil {
				return err
			}
			target = &s
			return nil
		case "Vulnerabilities":
			return p.trivyVulns(path+".Vulnerabilities", false)
		case "ExperimentalModifiedFindings":
			return p.trivyVulns(path+".ExperimentalModifiedFindings", true)
		}
		return p.w.skip(path + "." + key)
	})
	if err != nil {
		return err
	}
	if target == nil {
		return fmt.Errorf("%w: %s has no Target: not a Trivy result", ErrUnknownFormat, path)
	}
	// Target may come after the vulnerabilities in the object.
	for j := first; j < len(p.rep.Findings); j++ {
		p.rep.Findings[j].Target = *target
	}
	for j := firstSuppressed; j < len(p.rep.Suppressed); j++ {
		p.rep.Suppressed[j].Target = *target
	}
	return nil
}

func (p *parser) trivyVulns(path string, suppressed bool) error {
	ok, err := p.w.enter(path, '[')
	if !ok {
		return err
	}
	return p.w.eachElem(path, func(j int) error {
		elem := fmt.Sprintf("%s[%d]", path, j)
		var v *trivyVuln
		if suppressed {
			var m trivyModified
			if err := p.w.decode(elem, &m); err != nil {
				return err
			}
			// Misconfigurations, secrets and licenses can be suppressed
			// too. Any other type could be a vulnerability in disguise:
			// a suppressed finding needs an exception unless the policy
			// honours suppressions, so it must not be dropped unread.
			switch m.Type.s {
			case "vulnerability":
			case "misconfiguration", "secret", "license":
				return nil
			default:
				return fmt.Errorf("%w: %s: Type %q: want vulnerability, misconfiguration, secret or license", ErrInvalid, elem, m.Type.s)
			}
			if m.Finding.v == nil {
				return fmt.Errorf("%w: %s: a suppressed vulnerability without its Finding", ErrInvalid, elem)
			}
			v = m.Finding.v
		} else {
			v = &trivyVuln{}
			if err := p.w.decode(elem, v); err != nil {
				return err
			}
		}
		f, err := v.finding(elem)
		if err != nil {
			return err
		}
		if suppressed {
			p.rep.Suppressed = append(p.rep.Suppressed, f)
		} else {
			p.rep.Findings = append(p.rep.Findings, f)
		}
		return nil
	})
}
