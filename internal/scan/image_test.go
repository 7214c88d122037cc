package scan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadImage reads what each real report says it scanned. The digests
// were taken from the files with jq: Trivy's Metadata.ImageID and
// RepoDigests, Grype's source.target imageID, manifestDigest and
// repoDigests.
func TestReadImage(t *testing.T) {
	tests := []struct {
		file string
		want Image
	}{
		{"trivy/alpine-39.json", Image{Name: "testdata/fixtures/images/alpine-39.tar.gz",
			Digests: []string{"055936d3920576da37aa9bc460d70c5f212028bda1c08c0879aedf03d7a66ea1"}, Container: true}},
		{"trivy/defectdojo-all-statuses.json", Image{Name: "",
			Digests: []string{"22ae3921bdaac434bb4cb92dbbc209e46b1f3f70e9fa0b5fbbb43ce7d452c72d"}, Container: true}},
		{"trivy/fluentd-gems.json", Image{Name: "testdata/fixtures/images/fluentd-multiple-lockfiles.tar.gz",
			Digests: []string{"5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933"}, Container: true}},
		{"trivy/gomod.json", Image{Name: "testdata/fixtures/repo/gomod"}},
		{"trivy/npm-with-suppressed.json", Image{Name: "package-lock.json"}},
		{"grype/defectdojo-check-all-fields.json", Image{Name: "vulnerable-image:latest", Digests: []string{
			"ce9898fd214aef9c994a42624b09056bdce3ff4a8e3f68dc242d967b80fcbeee",
			"9d8825ab20ac86b40eb71495bece1608a302fb180384740697a28c2b0a5a0fc6"}, Container: true}},
		{"grype/defectdojo-many-vulns-with-epss.json", Image{Name: "busybox:1.32.1", Digests: []string{
			"388056c9a6838deea3792e8f00705b35b439cf57b3c9c2634fb4e95cfc896de6",
			"123b1fd3a44eaaf7322e08e9175d9ca57d49ebf2955d4fa1f5607e99dc31bcbb",
			"ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7"}, Container: true}},
		{"grype/grype-presenter-empty.json", Image{}},
		{"osv-scanner/defectdojo-many-findings.json", Image{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rep, err := ReadFile(filepath.Join("testdata", "real", tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, rep.Image)
		})
	}
}

func TestReadImageBadInput(t *testing.T) {
	runInvalid(t, []invalidCase{
		{"trivy image id twice", `{"SchemaVersion": 2, "Metadata": {"ImageID": "sha256:aa", "imageID": "sha256:bb"}, "Results": []}`,
			"Metadata.ImageID: the key appears twice"},
		{"trivy repo digests not a list", `{"SchemaVersion": 2, "Metadata": {"RepoDigests": "x@sha256:aa"}, "Results": []}`,
			"Metadata.RepoDigests: want array, got string"},
		{"trivy artifact name a number", `{"SchemaVersion": 2, "ArtifactName": 1, "Results": []}`,
			"ArtifactName: want string, got number"},
		{"grype target twice", grypeSourceDoc(`{"type": "image", "target": {"imageID": "sha256:aa"}, "Target": "dir"}`),
			"source.target: the key appears twice"},
		{"grype manifest digest twice", grypeSourceDoc(`{"type": "image", "target": {"manifestDigest": "sha256:aa", "ManifestDigest": "sha256:bb"}}`),
			"source.target.manifestDigest: the key appears twice"},
		{"grype target a number", grypeSourceDoc(`{"type": "directory", "target": 3}`),
			"source.target: want string, got number"},
	})
}

// Another tool's report may use the keys Trivy and Grype keep for the
// image; only Trivy's and Grype's reports are held to their shape.
func TestReadImageKeysOfOtherTools(t *testing.T) {
	doc := sarifDoc(`{"tool": {"driver": {"name": "x"}}, "results": []}`)
	doc = strings.Replace(doc, `{"version"`, `{"Metadata": 1, "ArtifactName": [], "source": "x", "version"`, 1)
	rep, err := Read(strings.NewReader(doc), "report.json")
	require.NoError(t, err)
	assert.Equal(t, Image{}, rep.Image)
}

func grypeSourceDoc(source string) string {
	return `{"matches": [], "source": ` + source + `, "descriptor": {"name": "grype"}}`
}
