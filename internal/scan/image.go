package scan

import (
	"encoding/json"
	"strings"
)

// Image is the container image a report says it scanned.
type Image struct {
	Name string // as given to the scanner: Trivy's ArtifactName, Grype's userInput
	// Digests identify the image: its ID (the config digest) and its
	// manifest and repository digests. sha256 digests are lowercase hex
	// without the "sha256:" prefix; others keep their algorithm.
	Digests []string
	// Container is true when the report says it scanned a container image
	// (Trivy's ArtifactType container_image, Grype's source type image),
	// which then must have digests to be tied to a deployment.
	Container bool
}

// addDigest adds "sha256:HEX" or "NAME@sha256:HEX" to the report's image;
// empty values are skipped (Trivy writes RepoDigests: [""] for images
// loaded from a file).
func (p *parser) addDigest(s string) {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "sha256:")
	if s == "" || p.digests[s] {
		return
	}
	if p.digests == nil {
		p.digests = make(map[string]bool)
	}
	p.digests[s] = true
	p.rep.Image.Digests = append(p.rep.Image.Digests, s)
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
	if p.trivyArtifactType != nil {
		var typ text
		if err := json.Unmarshal(p.trivyArtifactType, &typ); err != nil {
			return p.w.wrap("ArtifactType", err)
		}
		p.rep.Image.Container = typ.s == "container_image"
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
	p.addDigest(m.ImageID.s)
	for _, d := range m.RepoDigests.v {
		p.addDigest(d)
	}
	return nil
}
