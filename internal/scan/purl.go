package scan

import (
	"net/url"
	"slices"
	"strings"
)

// PURLBase returns a package URL without its version, qualifiers and subpath:
// "pkg:npm/%40scope/name@1.2.3?x=y#sub" becomes "pkg:npm/%40scope/name". An
// exception names a component, not one build of it, so this is the part that
// identifies the component across versions, architectures and distros.
//
// Splitting follows the purl specification (subpath at the first '#',
// qualifiers at the first '?', version at the last '@'), with one leniency: an
// '@' before the last '/' is part of the name, so the common unencoded
// "pkg:npm/@scope/name@1.0.0" also yields "pkg:npm/@scope/name". The type is
// lowercased, as the specification makes it case-insensitive; nothing else is
// normalised. A string that is not a package URL (no "pkg:" scheme, no type,
// no name, or a name with an unencoded '@') yields "", so that it matches
// nothing.
func PURLBase(purl string) string {
	s := strings.TrimSpace(purl)
	if len(s) < len("pkg:") || !strings.EqualFold(s[:len("pkg:")], "pkg:") {
		return ""
	}
	s = s[len("pkg:"):]
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	// The specification allows "pkg://type/..." and ignores the slashes.
	s = strings.TrimLeft(s, "/")
	typ, rest, ok := strings.Cut(s, "/")
	if !ok || strings.TrimSpace(typ) != typ || typ == "" {
		return ""
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 && at > strings.LastIndexByte(rest, '/') {
		rest = rest[:at]
	}
	rest = strings.TrimSpace(strings.TrimRight(rest, "/"))
	// What is left must end in a name; an '@' still in the last segment
	// would make the name ambiguous.
	if rest == "" || rest != strings.TrimRight(rest, "/") || strings.LastIndexByte(rest, '@') > strings.LastIndexByte(rest, '/') {
		return ""
	}
	return "pkg:" + strings.ToLower(typ) + "/" + rest
}

// PURL is a package URL's parts, percent-decoded; the type is lowercased.
// Epoch is the epoch qualifier, where Trivy puts a Debian or RPM epoch.
type PURL struct{ Type, Namespace, Name, Version, Epoch string }

// FullVersion is the version with its epoch, as the package manager writes
// it (1:3.0.1-1).
func (p PURL) FullVersion() string {
	if strings.TrimLeft(p.Epoch, "0") == "" || strings.Contains(p.Version, ":") {
		return p.Version
	}
	return p.Epoch + ":" + p.Version
}

// ParsePURL splits a package URL as PURLBase does. ok is false for a string
// that PURLBase would not take, or whose parts do not decode.
func ParsePURL(s string) (p PURL, ok bool) {
	base := PURLBase(s)
	if base == "" {
		return PURL{}, false
	}
	typ, path, _ := strings.Cut(strings.TrimPrefix(base, "pkg:"), "/")
	ns, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	rest := strings.TrimSpace(s)[len("pkg:"):]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		if q, err := url.ParseQuery(rest[i+1:]); err == nil {
			p.Epoch = q.Get("epoch")
		}
		rest = rest[:i]
	}
	version := ""
	if at := strings.LastIndexByte(rest, '@'); at >= 0 && at > strings.LastIndexByte(rest, '/') {
		version = strings.TrimSpace(rest[at+1:])
	}
	p.Type = typ
	var err1, err2, err3 error
	p.Namespace, err1 = url.PathUnescape(ns)
	p.Name, err2 = url.PathUnescape(name)
	p.Version, err3 = url.PathUnescape(version)
	if err1 != nil || err2 != nil || err3 != nil || p.Name == "" {
		return PURL{}, false
	}
	// A namespace is segments, none of them empty, before or after
	// decoding: readers disagree on "github.com//foo" and "%2Fgithub.com"
	// (packageurl-go drops the empty segment and trims the slash). An "@"
	// in it other than an npm scope's is where packageurl-go would start
	// the version.
	if ns != "" {
		if slices.Contains(strings.Split(ns, "/"), "") || slices.Contains(strings.Split(p.Namespace, "/"), "") {
			return PURL{}, false
		}
		if at := strings.IndexByte(ns, '@'); at > 0 || (at == 0 && (typ != "npm" || strings.Count(ns, "@") > 1)) {
			return PURL{}, false
		}
	}
	return p, true
}
