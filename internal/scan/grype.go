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

// grypeSource is the top-level "source": what was scanned. It is kept raw
// (another tool may use the key) and judged by grypeFinish.
type grypeSource struct{ raw json.RawMessage }

func (s *grypeSource) UnmarshalJSON(b []byte) error {
	s.raw = append(s.raw[:0], b...)
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
	if p.grypeSource == nil {
		return nil
	}
	target, err := p.grypeTarget(p.grypeSource.raw)
	if err != nil || target == "" {
		return err
	}
	for _, list := range [][]Finding{p.rep.Findings, p.rep.Suppressed} {
		for i := range list {
			if list[i].Target == "" {
				list[i].Target = target
			}
		}
	}
	return nil
}

// grypeTarget reads source: the scanned image (target is an object, with
// userInput and digests) or directory (target is a path; older versions put
// it in name). It fills the report's Image.
func (p *parser) grypeTarget(raw json.RawMessage) (string, error) {
	var src struct {
		Type   text                 `json:"type"`
		Target one[json.RawMessage] `json:"target"`
		Name   text                 `json:"name"`
	}
	if err := json.Unmarshal(raw, &src); err != nil {
		return "", p.w.wrap("source", err)
	}
	t := src.Target.v
	if len(t) == 0 || t[0] != '{' {
		var path text
		if err := json.Unmarshal(t, &path); len(t) > 0 && err != nil {
			return "", p.w.wrap("source.target", err)
		}
		if path.s == "" {
			return src.Name.s, nil
		}
		return path.s, nil
	}
	var image struct {
		UserInput      text          `json:"userInput"`
		ImageID        text          `json:"imageID"`
		ManifestDigest text          `json:"manifestDigest"`
		RepoDigests    one[[]string] `json:"repoDigests"`
	}
	if err := json.Unmarshal(t, &image); err != nil {
		return "", p.w.wrap("source.target", err)
	}
	p.rep.Image.Name = image.UserInput.s
	p.rep.Image.Container = src.Type.s == "image"
	p.addDigest(image.ImageID.s)
	p.addDigest(image.ManifestDigest.s)
	for _, d := range image.RepoDigests.v {
		p.addDigest(d)
	}
	if image.UserInput.s == "" {
		return src.Name.s, nil
	}
	return image.UserInput.s, nil
}
