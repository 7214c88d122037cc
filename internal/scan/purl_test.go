package scan

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPURLBase(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"scoped npm with everything", "pkg:npm/%40scope/name@1.2.3?x=y#sub", "pkg:npm/%40scope/name"},
		{"unencoded npm scope", "pkg:npm/@scope/name@1.2.3", "pkg:npm/@scope/name"},
		{"unencoded npm scope, no version", "pkg:npm/@scope/name", "pkg:npm/@scope/name"},
		{"trivy alpine", "pkg:apk/alpine/libcrypto1.1@1.1.1b-r1?arch=x86_64&distro=3.9.4", "pkg:apk/alpine/libcrypto1.1"},
		{"trivy debian", "pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64&distro=debian-10.2", "pkg:deb/debian/libidn2-0"},
		{"go with escaped plus", "pkg:golang/github.com/docker/distribution@v2.7.1%2Bincompatible", "pkg:golang/github.com/docker/distribution"},
		{"no version", "pkg:pypi/django", "pkg:pypi/django"},
		{"maven", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar", "pkg:maven/org.apache.logging.log4j/log4j-core"},
		{"oci digest", "pkg:oci/debian@sha256%3A244fd47e07d10?repository_url=docker.io/library/debian&arch=amd64", "pkg:oci/debian"},
		{"subpath only", "pkg:golang/google.golang.org/genproto#googleapis/api/annotations", "pkg:golang/google.golang.org/genproto"},
		{"type case", "PKG:NPM/lodash@4.17.20", "pkg:npm/lodash"},
		{"slashes after scheme", "pkg://npm/lodash@4.17.20", "pkg:npm/lodash"},
		{"spaces", "  pkg:gem/rails@7.0.0 ", "pkg:gem/rails"},
		{"qualifier with at sign", "pkg:generic/x@1?download_url=https://a@b/c", "pkg:generic/x"},
		{"empty", "", ""},
		{"not a purl", "libssl1.1", ""},
		{"no name", "pkg:npm/", ""},
		{"no name but version", "pkg:npm/@1.0.0", ""},
		{"no type", "pkg:/x@1", ""},
		{"scheme only", "pkg:", ""},
		// Found by FuzzPURLBase: results that did not survive a second pass.
		{"space for a name", "pkg:0/ #0", ""},
		{"at sign for a name", "pkg:0/@@", ""},
		{"unencoded at sign in the name", "pkg:npm/a@b@1.0.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PURLBase(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, PURLBase(got), "PURLBase is idempotent")
		})
	}
}

func TestParsePURL(t *testing.T) {
	tests := []struct {
		in   string
		want PURL
		ok   bool
	}{
		{"pkg:npm/%40myorg/lodash@1.0.0", PURL{"npm", "@myorg", "lodash", "1.0.0", ""}, true},
		{"pkg:npm/@scope/name@1.0.0?x=y#sub", PURL{"npm", "@scope", "name", "1.0.0", ""}, true},
		{"pkg:deb/debian/openssl@1%3A3.0.1?arch=amd64", PURL{"deb", "debian", "openssl", "1:3.0.1", ""}, true},
		{"pkg:deb/debian/openssl@3.0.1-1?arch=amd64&epoch=1", PURL{"deb", "debian", "openssl", "3.0.1-1", "1"}, true},
		{"pkg:golang/github.com/foo/bar", PURL{"golang", "github.com/foo", "bar", "", ""}, true},
		{"PKG:NPM/left-pad", PURL{"npm", "", "left-pad", "", ""}, true},
		{"pkg:npm/a@b@c", PURL{}, false},
		{"pkg:golang/github.com//foo/bar", PURL{}, false},
		{"pkg:golang/%2Fgithub.com/acme/foo", PURL{}, false},
		{"pkg:golang/github.com/acme%2F/foo", PURL{}, false},
		{"pkg:maven/@foo/bar", PURL{}, false},
		{"pkg:npm/a@b/name", PURL{}, false},
		{"pkg:k8s/eks/k8s.io%2Fkube-proxy@1.28.2", PURL{"k8s", "eks", "k8s.io/kube-proxy", "1.28.2", ""}, true},
		{"pkg:golang/github.com/foo/bar/", PURL{"golang", "github.com/foo", "bar", "", ""}, true},
		{"pkg:npm/%zz", PURL{}, false},
		{"library-v1.2.3", PURL{}, false},
	}
	for _, tt := range tests {
		got, ok := ParsePURL(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	p, _ := ParsePURL("pkg:deb/debian/openssl@3.0.1-1?epoch=1")
	assert.Equal(t, "1:3.0.1-1", p.FullVersion())
	p, _ = ParsePURL("pkg:deb/debian/openssl@1:3.0.1-1?epoch=1")
	assert.Equal(t, "1:3.0.1-1", p.FullVersion(), "an epoch already in the version")
}
