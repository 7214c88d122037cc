package scan

import "strings"

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
