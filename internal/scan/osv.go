package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

type osvSource struct {
	Path text `json:"path"`
}

// osvPackage is one element of results[].packages: a package and the
// advisories that affect it. osvPackageElem reads it key by key, so that
// the advisories are decoded one at a time.
type osvPackage struct {
	Package struct {
		Name      text `json:"name"`
		Version   text `json:"version"`
		Ecosystem text `json:"ecosystem"`
		Commit    text `json:"commit"`
		PURL      text `json:"purl"`
	}
	Vulnerabilities []osvVuln
	Groups          []osvGroup
}

// osvVuln holds the fields of an OSV record that rate it; affected ranges,
// references and details are skipped by the decoder.
type osvVuln struct {
	ID               text                `json:"id"`
	Aliases          one[[]string]       `json:"aliases"`
	Severity         one[[]osvScore]     `json:"severity"`
	DatabaseSpecific osvDatabaseSpecific `json:"database_specific"`
}

type osvScore struct {
	Type  text `json:"type"`
	Score text `json:"score"`
}

// osvGroup is osv-scanner's grouping of advisories that are aliases of one
// another; max_severity is the highest CVSS score among them, which newer
// versions compute (also from CVSS v4 vectors).
type osvGroup struct {
	IDs         one[[]string] `json:"ids"`
	Aliases     one[[]string] `json:"aliases"`
	MaxSeverity scoreValue    `json:"max_severity"`
}

// osvDatabaseSpecific keeps database_specific.severity when it is a string.
// The object is free-form (each database defines its own), so no other
// shape is an error; two severities are.
type osvDatabaseSpecific struct {
	severity string
	seen     bool
}

func (d *osvDatabaseSpecific) UnmarshalJSON(b []byte) error {
	if d.seen {
		return repeated(reflect.TypeFor[map[string]any]())
	}
	d.seen = true
	var v struct {
		Severity one[json.RawMessage] `json:"severity"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Value == repeatedValue {
			return err
		}
		return nil
	}
	_ = json.Unmarshal(v.Severity.v, &d.severity)
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
	err = p.w.eachKey(path, []string{"source", "packageSource", "packages"}, func(key string) error {
		switch key {
		case "source", "packageSource": // packageSource in osv-scanner before 1.0
			if source != nil {
				return fmt.Errorf("%w: %s has both source and packageSource", ErrInvalid, path)
			}
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
				return p.osvPackageElem(fmt.Sprintf("%s.packages[%d]", path, j))
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
		p.rep.Findings[j].Target = source.Path.s
	}
	return nil
}

// osvPackageElem reads one element of packages and adds its findings.
func (p *parser) osvPackageElem(path string) error {
	ok, err := p.w.enter(path, '{')
	if !ok {
		return err
	}
	var pkg osvPackage
	err = p.w.eachKey(path, []string{"package", "vulnerabilities", "groups"}, func(key string) error {
		switch key {
		case "package":
			return p.w.decode(path+".package", &pkg.Package)
		case "vulnerabilities":
			return decodeEach(p.w, path+".vulnerabilities", &pkg.Vulnerabilities)
		case "groups":
			return decodeEach(p.w, path+".groups", &pkg.Groups)
		}
		return p.w.skip(path + "." + key)
	})
	if err != nil {
		return err
	}
	return p.osvPackageFindings(path, &pkg)
}

// decodeEach decodes the array at path one element at a time into list.
func decodeEach[T any](w *walker, path string, list *[]T) error {
	ok, err := w.enter(path, '[')
	if !ok {
		return err
	}
	return w.eachElem(path, func(i int) error {
		var v T
		if err := w.decode(fmt.Sprintf("%s[%d]", path, i), &v); err != nil {
			return err
		}
		*list = append(*list, v)
		return nil
	})
}

// osvPackageFindings adds one finding per group of aliased advisories, and
// one per advisory that no group names (older osv-scanner wrote no groups).
func (p *parser) osvPackageFindings(path string, pkg *osvPackage) error {
	byID := make(map[string]int, len(pkg.Vulnerabilities))
	for k, v := range pkg.Vulnerabilities {
		if v.ID.s == "" {
			return fmt.Errorf("%w: %s.vulnerabilities[%d]: no id", ErrInvalid, path, k)
		}
		byID[v.ID.s] = k
	}
	base := Finding{
		Package:   pkg.Package.Name.s,
		Version:   pkg.Package.Version.s,
		PURL:      pkg.Package.PURL.s,
		Ecosystem: pkg.Package.Ecosystem.s,
		Source:    FormatOSV,
	}
	if base.Version == "" {
		base.Version = pkg.Package.Commit.s
	}
	grouped := make([]bool, len(pkg.Vulnerabilities))
	for g, group := range pkg.Groups {
		ids := slices.DeleteFunc(slices.Clone(group.IDs.v), func(id string) bool { return strings.TrimSpace(id) == "" })
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
		aliases = addAliases(aliases, f.ID, group.Aliases.v...)
		for _, v := range members {
			aliases = addAliases(aliases, f.ID, v.Aliases.v...)
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
				return fmt.Errorf("%w: %s (%s): %v", ErrInvalid, path, v.ID.s, err)
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
		f.ID = v.ID.s
		if f.Aliases = addAliases(nil, v.ID.s, v.Aliases.v...); f.Aliases != nil {
			slices.Sort(f.Aliases)
		}
		sev, rated, err := v.rating()
		if err != nil {
			return fmt.Errorf("%w: %s.vulnerabilities[%d] (%s): %v", ErrInvalid, path, k, v.ID.s, err)
		}
		if !rated && v.hasV4Vector() {
			sev, rated = Critical, true
		}
		f.Severity = unratedOSV(sev, rated, []string{v.ID.s})
		p.rep.Findings = append(p.rep.Findings, f)
	}
	return nil
}

// hasV4Vector reports whether the record has a CVSS v4 vector,
// which exctl does not compute. With no other rating it is taken as
// Critical: a rating that cannot be read must not pass for one that says
// nothing, and an exception can still cover the finding.
func (v *osvVuln) hasV4Vector() bool {
	for _, s := range v.Severity.v {
		if strings.EqualFold(s.Type.s, "CVSS_V4") && strings.TrimSpace(s.Score.s) != "" {
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
	for _, s := range v.Severity.v {
		switch strings.ToUpper(s.Type.s) {
		case "CVSS_V2", "CVSS_V3":
			score, err := cvssBaseScore(strings.TrimSpace(s.Score.s))
			if err != nil {
				return Unknown, false, fmt.Errorf("severity %s: %v", s.Type.s, err)
			}
			consider(SeverityFromScore(score))
		case "UBUNTU":
			if r, err := ParseSeverity(s.Score.s); err == nil && r != Unknown {
				consider(r)
			}
		}
	}
	if r, err := ParseSeverity(v.DatabaseSpecific.severity); err == nil && r != Unknown {
		consider(r)
	}
	return sev, rated, nil
}
