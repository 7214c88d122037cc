package scan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// grypeMatch holds the fields of a Grype match that a finding needs.
type grypeMatch struct {
	Vulnerability one[*struct {
		ID       text `json:"id"`
		Severity text `json:"severity"`
	}] `json:"vulnerability"`
	RelatedVulnerabilities one[[]struct {
		ID text `json:"id"`
	}] `json:"relatedVulnerabilities"`
	Artifact one[*struct {
		Name      text `json:"name"`
		Version   text `json:"version"`
		PURL      text `json:"purl"`
		Locations one[[]struct {
			Path text `json:"path"`
		}] `json:"locations"`
	}] `json:"artifact"`
}

// grypeDescriptor is the top-level "descriptor". It is read leniently (a
// value of another shape leaves it empty) because a document of another tool
// may use the key for something else; finish judges it if the report turns
// out to be Grype's.
type grypeDescriptor struct{ Name string }

func (d *grypeDescriptor) UnmarshalJSON(b []byte) error {
	var v struct {
		Name json.RawMessage `json:"name"`
	}
	if json.Unmarshal(b, &v) == nil {
		_ = json.Unmarshal(v.Name, &d.Name)
	}
	return nil
}

// grypeSource is the top-level "source": what was scanned. Its target is an
// object with userInput for images and a plain path for older directory scans.
type grypeSource struct{ Target string }

func (s *grypeSource) UnmarshalJSON(b []byte) error {
	var v struct {
		Target json.RawMessage `json:"target"`
		Name   json.RawMessage `json:"name"`
	}
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var image struct {
		UserInput string `json:"userInput"`
	}
	switch {
	case json.Unmarshal(v.Target, &s.Target) == nil:
	case json.Unmarshal(v.Target, &image) == nil && image.UserInput != "":
		s.Target = image.UserInput
	default:
		_ = json.Unmarshal(v.Name, &s.Target)
	}
	return nil
}

// looseString keeps a JSON string as is and any other value as its JSON
// text, so that a key shared with other tools ("version") never fails to
// decode before the format is known.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = looseString(v)
		return nil
	}
	if len(b) > 40 {
		b = append(b[:40:40], "…"...)
	}
	*s = looseString(b)
	return nil
}

func (p *parser) grypeMatches(key string, ignored bool) error {
	ok, err := p.w.enter(key, '[')
	if !ok {
		return err
	}
	return p.w.eachElem(key, func(i int) error {
		path := fmt.Sprintf("%s[%d]", key, i)
		var m grypeMatch
		if err := p.w.decode(path, &m); err != nil {
			return err
		}
		vuln, art := m.Vulnerability.v, m.Artifact.v
		if vuln == nil || art == nil {
			return fmt.Errorf("%w: %s has no vulnerability or no artifact: not a Grype match", ErrUnknownFormat, path)
		}
		id := vuln.ID.s
		if id == "" {
			return fmt.Errorf("%w: %s: no vulnerability.id", ErrInvalid, path)
		}
		sev, err := severityOf(vuln.Severity.ptr(), path, id, "vulnerability.severity")
		if err != nil {
			return err
		}
		var aliases []string
		for _, r := range m.RelatedVulnerabilities.v {
			aliases = addAliases(aliases, id, r.ID.s)
		}
		f := Finding{
			ID:       id,
			Aliases:  aliases,
			Severity: sev,
			Package:  art.Name.s,
			Version:  art.Version.s,
			PURL:     art.PURL.s,
			Source:   FormatGrype,
		}
		// The file the package was found in is what Trivy calls the target
		// of a lock-file result; the scanned image is the fallback.
		if locs := art.Locations.v; len(locs) > 0 {
			f.Target = locs[0].Path.s
		}
		if ignored {
			p.rep.Suppressed = append(p.rep.Suppressed, f)
		} else {
			p.rep.Findings = append(p.rep.Findings, f)
		}
		return nil
	})
}

func (p *parser) grypeFinish() error {
	if p.grypeDesc == nil || !strings.EqualFold(p.grypeDesc.Name, "grype") {
		return fmt.Errorf("%w: %q without a descriptor naming grype: not Grype JSON", ErrUnknownFormat, p.decisive)
	}
	if p.grypeSource == nil || p.grypeSource.Target == "" {
		return nil
	}
	for _, list := range [][]Finding{p.rep.Findings, p.rep.Suppressed} {
		for i := range list {
			if list[i].Target == "" {
				list[i].Target = p.grypeSource.Target
			}
		}
	}
	return nil
}
