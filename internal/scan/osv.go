package scan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

type osvSource struct {
	Path string `json:"path"`
}

// osvPackage is one element of results[].packages: a package and the
// advisories that affect it.
type osvPackage struct {
	Package struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		Ecosystem string `json:"ecosystem"`
		Commit    string `json:"commit"`
		PURL      string `json:"purl"`
	} `json:"package"`
	Vulnerabilities []osvVuln  `json:"vulnerabilities"`
	Groups          []osvGroup `json:"groups"`
}

// osvVuln holds the fields of an OSV record that rate it; affected ranges,
// references and details are skipped by the decoder.
type osvVuln struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases"`
	Severity []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	DatabaseSpecific osvDatabaseSpecific `json:"database_specific"`
}

// osvGroup is osv-scanner's grouping of advisories that are aliases of one
// another; max_severity is the highest CVSS score among them, which newer
// versions compute (also from CVSS v4 vectors).
type osvGroup struct {
	IDs         []string   `json:"ids"`
	Aliases     []string   `json:"aliases"`
	MaxSeverity scoreValue `json:"max_severity"`
}

// osvDatabaseSpecific keeps database_specific.severity when it is a string.
// The object is free-form (each database defines its own), so no other
// shape is an error.
type osvDatabaseSpecific struct{ severity string }

func (d *osvDatabaseSpecific) UnmarshalJSON(b []byte) error {
	var v struct {
		Severity json.RawMessage `json:"severity"`
	}
	if json.Unmarshal(b, &v) == nil {
		_ = json.Unmarshal(v.Severity, &d.severity)
	}
	return nil
}

func (p *parser) osvResults() error {
	ok, err := p.w.enter("results", '[')
	if !ok {
		return err
	}
	return p.w.eachElem("results", p.osvResult)
}

// osvResult reads one element of results: a source (a lock file, an SBOM, a
// git checkout) and its packages.
func (p *parser) osvResult(i int) error {
	path := fmt.Sprintf("results[%d]", i)
	ok, err := p.w.enter(path, '{')
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s: null", ErrInvalid, path)
	}
	first := len(p.rep.Findings)
	var source *osvSource
	sawPackages := false
	err = p.w.eachKey(path, func(key string) error {
		switch key {
		case "source", "packageSource": // packageSource in osv-scanner before 1.0
			var s osvSource
			if err := p.w.decode(path+"."+key, &s); err != nil {
				return err
			}
			source = &s
			return nil
		case "packages":
			sawPackages = true
			ok, err := p.w.enter(path+".packages", '[')
			if !ok {
				return err
			}
			return p.w.eachElem(path+".packages", func(j int) error {
				elem := fmt.Sprintf("%s.packages[%d]", path, j)
				var pkg osvPackage
				if err := p.w.decode(elem, &pkg); err != nil {
					return err
				}
				return p.osvPackageFindings(elem, &pkg)
			})
		}
		return p.w.skip(path + "." + key)
	})
	if err != nil {
		return err
	}
	if source == nil || !sawPackages {
		return fmt.Errorf("%w: %s has no source or no packages: not an OSV-Scanner result", ErrUnknownFormat, path)
	}
	p.osvShaped = true
	for j := first; j < len(p.rep.Findings); j++ {
		p.rep.Findings[j].Target = source.Path
	}
	return nil
}

// osvPackageFindings adds one finding per group of aliased advisories, and
// one per advisory that no group names (older osv-scanner wrote no groups).
func (p *parser) osvPackageFindings(path string, pkg *osvPackage) error {
	byID := make(map[string]int, len(pkg.Vulnerabilities))
	for k, v := range pkg.Vulnerabilities {
		if v.ID == "" {
			return fmt.Errorf("%w: %s.vulnerabilities[%d]: no id", ErrInvalid, path, k)
		}
		byID[v.ID] = k
	}
	base := Finding{
		Package: pkg.Package.Name,
		Version: pkg.Package.Version,
		PURL:    pkg.Package.PURL,
		Source:  FormatOSV,
	}
	if base.Version == "" {
		base.Version = pkg.Package.Commit
	}
	grouped := make([]bool, len(pkg.Vulnerabilities))
	for g, group := range pkg.Groups {
		ids := slices.DeleteFunc(slices.Clone(group.IDs), func(id string) bool { return strings.TrimSpace(id) == "" })
		if len(ids) == 0 {
			continue
		}
		gpath := fmt.Sprintf("%s.groups[%d]", path, g)
		f := base
		f.ID = ids[0]
		var members []*osvVuln
		for _, id := range ids {
			if k, ok := byID[id]; ok {
				grouped[k] = true
				members = append(members, &pkg.Vulnerabilities[k])
			}
		}
		aliases := addAliases(nil, f.ID, ids[1:]...)
		aliases = addAliases(aliases, f.ID, group.Aliases...)
		for _, v := range members {
			aliases = addAliases(aliases, f.ID, v.Aliases...)
		}
		slices.Sort(aliases)
		f.Aliases = aliases

		sev, rated := Unknown, false
		if group.MaxSeverity.set {
			s, ok, err := group.MaxSeverity.severity()
			if err != nil {
				return fmt.Errorf("%w: %s (%s): max_severity %v", ErrInvalid, gpath, f.ID, err)
			}
			sev, rated = s, ok
		}
		hasV4 := false
		for _, v := range members {
			s, ok, err := v.rating()
			if err != nil {
				return fmt.Errorf("%w: %s (%s): %v", ErrInvalid, path, v.ID, err)
			}
			if ok && (!rated || s > sev) {
				sev, rated = s, true
			}
			hasV4 = hasV4 || v.hasV4Vector()
		}
		if !rated && hasV4 {
			sev, rated = Critical, true
		}
		f.Severity = unratedOSV(sev, rated, ids)
		p.rep.Findings = append(p.rep.Findings, f)
	}
	for k := range pkg.Vulnerabilities {
		if grouped[k] {
			continue
		}
		v := &pkg.Vulnerabilities[k]
		f := base
		f.ID = v.ID
		if f.Aliases = addAliases(nil, v.ID, v.Aliases...); f.Aliases != nil {
			slices.Sort(f.Aliases)
		}
		sev, rated, err := v.rating()
		if err != nil {
			return fmt.Errorf("%w: %s.vulnerabilities[%d] (%s): %v", ErrInvalid, path, k, v.ID, err)
		}
		if !rated && v.hasV4Vector() {
			sev, rated = Critical, true
		}
		f.Severity = unratedOSV(sev, rated, []string{v.ID})
		p.rep.Findings = append(p.rep.Findings, f)
	}
	return nil
}

// hasV4Vector reports whether the record has a CVSS v4 vector,
// which exctl does not compute. With no other rating it is taken as
// Critical: a rating that cannot be read must not pass for one that says
// nothing, and an exception can still cover the finding.
func (v *osvVuln) hasV4Vector() bool {
	for _, s := range v.Severity {
		if strings.EqualFold(s.Type, "CVSS_V4") && strings.TrimSpace(s.Score) != "" {
			return true
		}
	}
	return false
}

// unratedOSV applies the rule for advisories without any rating: OpenSSF
// malicious-package advisories are Critical, the rest Unknown.
func unratedOSV(sev Severity, rated bool, ids []string) Severity {
	if rated {
		return sev
	}
	for _, id := range ids {
		if len(id) > 4 && strings.EqualFold(id[:4], "MAL-") {
			return Critical
		}
	}
	return Unknown
}

// rating is the highest severity the record gives. A CVSS vector that cannot
// be read is an error; a CVSS v4 vector (not computed here), an unknown
// severity type and a database_specific.severity that is no severity name
// are passed over, since other ratings or the group's max_severity may
// still rate the record.
func (v *osvVuln) rating() (sev Severity, rated bool, err error) {
	consider := func(s Severity) {
		if !rated || s > sev {
			sev, rated = s, true
		}
	}
	for _, s := range v.Severity {
		switch strings.ToUpper(s.Type) {
		case "CVSS_V2", "CVSS_V3":
			score, err := cvssBaseScore(strings.TrimSpace(s.Score))
			if err != nil {
				return Unknown, false, fmt.Errorf("severity %s: %v", s.Type, err)
			}
			consider(SeverityFromScore(score))
		case "UBUNTU":
			if r, err := ParseSeverity(s.Score); err == nil && r != Unknown {
				consider(r)
			}
		}
	}
	if r, err := ParseSeverity(v.DatabaseSpecific.severity); err == nil && r != Unknown {
		consider(r)
	}
	return sev, rated, nil
}
