package gate

import (
	"strings"
	"testing"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/scan"
)

// FuzzComponentMatches: an entry with a package URL covers only that
// package (one that does not parse covers nothing), and only the version
// it pins.
func FuzzComponentMatches(f *testing.F) {
	f.Add("pkg:deb/debian/libidn2-0@2.0.5-1", "libidn2-0", "pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64", "libidn2-0", "2.0.5-1")
	f.Add("pkg:npm/library", "library-v1.2.3", "pkg:npm/library@1.2.4", "library", "1.2.4")
	f.Add("", "pkg:npm/@scope/name@2.0.0", "pkg:npm/%40scope/name@2.0.0", "name", "2.0.0")
	f.Add("pkg:deb/debian/openssl@1:3.0.1-1", "openssl", "pkg:deb/debian/openssl@3.0.1-1?epoch=1", "openssl", "1:3.0.1-1")
	f.Add("", "library-v1.2.3", "", "library", "1.2.3")
	f.Fuzz(func(t *testing.T, purl, comp, fPURL, fPackage, fVersion string) {
		v := exception.Vulnerability{CVE: "CVE-1", Component: comp, PURL: purl}
		fd := scan.Finding{ID: "CVE-1", Package: fPackage, Version: fVersion, PURL: fPURL}
		ok, why := componentMatches(v, fd)
		if ok != (why == "") {
			t.Fatalf("matched %v with reason %q", ok, why)
		}
		entry := purl
		if entry == "" && strings.HasPrefix(strings.TrimSpace(comp), "pkg:") {
			entry = strings.TrimSpace(comp)
		}
		if !ok || entry == "" {
			return
		}
		p, parsed := scan.ParsePURL(entry)
		if !parsed {
			t.Fatalf("%q does not parse but matched", entry)
		}
		if fPURL != "" {
			q, qok := scan.ParsePURL(fPURL)
			loose := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "-")) }
			if !qok || !strings.EqualFold(p.Type, q.Type) || !strings.EqualFold(p.Namespace, q.Namespace) || loose(p.Name) != loose(q.Name) {
				t.Fatalf("%q matched finding %q of another package", entry, fPURL)
			}
		}
		if e, _, _ := EntryPackage(v); e.Pin != "" && !sameVersion(e.Pin, findingVersion(fd)) {
			t.Fatalf("pin %q matched version %q", e.Pin, findingVersion(fd))
		}
	})
}
