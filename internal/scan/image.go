package scan

import (
	"encoding/json"
	"slices"
	"strings"
)

// Image is the container image a report says it scanned.
type Image struct {
	Name string // as given to the scanner: Trivy's ArtifactName, Grype's userInput
	// Digests identify the image: its ID (the config digest) and its
	// manifest and repository digests. sha256 digests are lowercase hex
	// without the "sha256:" prefix; others keep their algorithm.
	Digests []string
}

// addDigest adds "sha256:HEX" or "NAME@sha256:HEX"; empty values are
// skipped (Trivy writes RepoDigests: [""] for images loaded from a file).
func (im *Image) addDigest(s string) {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "sha256:")
	if s != "" && !slices.Contains(im.Digests, s) {
		im.Digests = append(im.Digests, s)
	}
}

// trivyImage reads the image from Trivy's ArtifactName and Metadata, which
// Read keeps raw until it knows the report is Trivy's.
func (p *parser) trivyImage() error {
	if p.trivyArtifact != nil {
		var name text
		if err := json.Unmarshal(p.trivyArtifact, &name); err != nil {
			return p.w.wrap("ArtifactName", err)
		}
		p.rep.Image.Name = name.s
	}
	if p.trivyMetadata == nil {
		return nil
	}
	var m struct {
		ImageID     text
		RepoDigests one[[]string]
	}
	if err := json.Unmarshal(p.trivyMetadata, &m); err != nil {
		return p.w.wrap("Metadata", err)
	}
	p.rep.Image.addDigest(m.ImageID.s)
	for _, d := range m.RepoDigests.v {
		p.rep.Image.addDigest(d)
	}
	return nil
}
