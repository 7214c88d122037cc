package gate

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/scan"
)

type evaluator struct {
	in       Input
	loc      *time.Location
	byVuln   map[string][]*exception.Exception // upper-case id → exceptions listing it
	linked   map[string]bool                   // the intent's explicit exception ids; nil = any
	used     map[string]bool
	warned   map[string]bool
	warnings []Warning
}

func newEvaluator(in Input) *evaluator {
	e := &evaluator{in: in, loc: in.Policy.Location, byVuln: map[string][]*exception.Exception{}, used: map[string]bool{}, warned: map[string]bool{}}
	if in.Intent.Exceptions != nil {
		e.linked = map[string]bool{}
		for _, id := range in.Intent.Exceptions {
			e.linked[strings.ToLower(id)] = true
		}
	}
	for _, x := range in.Exceptions {
		if x.Type != exception.VulnerabilityScan {
			continue
		}
		seen := map[string]bool{}
		for _, v := range x.Vulnerabilities {
			id := strings.ToUpper(v.CVE)
			if !seen[id] {
				seen[id] = true
				e.byVuln[id] = append(e.byVuln[id], x)
			}
		}
	}
	return e
}

// candidate is an exception that names a need, and why it does not fit the
// need's component or digest ("" when it does).
type candidate struct {
	x        *exception.Exception
	mismatch string // why it is not about this need; "" when it is
	code     string // the reason code for mismatch; "wrong-component" when ""
}

// cover picks the candidate that covers n, preferring the one valid
// longest, and records why the others cannot.
func (e *evaluator) cover(n *Need, cands []candidate) {
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i].x, cands[j].x
		if a.ExpiryDate != b.ExpiryDate {
			return b.ExpiryDate.Before(a.ExpiryDate)
		}
		return a.ID < b.ID
	})
	var rejected []Reason
	for _, c := range cands {
		if c.mismatch != "" {
			code := c.code
			if code == "" {
				code = "wrong-component"
			}
			rejected = append(rejected, Reason{ExceptionID: c.x.ID, Code: code, Detail: c.mismatch})
			continue
		}
		if r := e.usable(c.x, n.Kind); r != nil {
			rejected = append(rejected, *r)
			continue
		}
		n.CoveredBy = c.x.ID
		for _, ctl := range c.x.Controls {
			if ctl.Structured() {
				n.Controls = append(n.Controls, ctl.ID)
			} else {
				n.Controls = append(n.Controls, ctl.Text)
			}
		}
		e.use(c.x)
		return
	}
	if len(cands) == 0 {
		rejected = append(rejected, Reason{Code: "no-exception", Detail: "no exception names it"})
	}
	n.Rejected = rejected
}

func (e *evaluator) use(x *exception.Exception) {
	e.used[x.ID] = true
	if e.warned[x.ID] {
		return
	}
	e.warned[x.ID] = true
	if days := x.DaysLeft(e.in.Now, e.loc); days <= e.in.Policy.Gate.WarningDays {
		e.warnings = append(e.warnings, Warning{Code: "expiring-soon", ExceptionID: x.ID,
			Detail: fmt.Sprintf("expires at the end of %s (%d day(s) left): extend it or fix the need", x.ExpiryDate, days)})
	}
}

// usable says why x cannot cover a need of this deployment, or nil.
func (e *evaluator) usable(x *exception.Exception, kind Kind) *Reason {
	reason := func(code, format string, args ...any) *Reason {
		return &Reason{ExceptionID: x.ID, Code: code, Detail: fmt.Sprintf(format, args...)}
	}
	in := e.in
	switch x.Status {
	case exception.Pending:
		return reason("pending", "is pending approval")
	case exception.Denied:
		return reason("denied", "was denied")
	case exception.Expired:
		return reason("expired", "expired on %s", x.ExpiryDate)
	case exception.Approved:
	default:
		return reason("status", "has unknown status %q", x.Status)
	}
	until := x.ValidThrough(e.loc)
	if !in.Now.Before(until) {
		return reason("expired", "expired on %s", x.ExpiryDate)
	}
	if apps := x.Scope.Applications; len(apps) > 0 && !containsFold(apps, in.Intent.Application) {
		return reason("out-of-scope", "applies to application(s) %s, not %s", strings.Join(apps, ", "), in.Intent.Application)
	}
	if envs := x.Scope.Environments; len(envs) > 0 && !containsFold(envs, in.Intent.Environment) {
		return reason("out-of-scope", "applies to environment(s) %s, not %s", strings.Join(envs, ", "), in.Intent.Environment)
	}
	if x.DeploymentIntentID != "" && x.DeploymentIntentID != in.Intent.ID {
		return reason("other-intent", "is linked to deployment intent %s", x.DeploymentIntentID)
	}
	if e.linked != nil && !e.linked[strings.ToLower(x.ID)] {
		return reason("not-linked", "is not among the exceptions the intent links")
	}
	if kind == NeedBoundary && len(x.CABApprovedBy) == 0 {
		return reason("no-cab-approval", "has no CAB approval, which a boundary crossing requires")
	}
	if in.Window > 0 && until.Before(in.Now.Add(in.Window)) {
		return reason("expires-in-window", "is valid until %s, before the deployment window ends at %s",
			until.Format(time.RFC3339), in.Now.Add(in.Window).In(e.loc).Format(time.RFC3339))
	}
	if in.Policy.Gate.RequireActiveControls {
		if r := e.controlsActive(x); r != nil {
			return r
		}
	}
	return nil
}

// controlsActive checks every compensating control against the monitoring
// export. A control that cannot be checked counts as inactive.
func (e *evaluator) controlsActive(x *exception.Exception) *Reason {
	reason := func(code, format string, args ...any) *Reason {
		return &Reason{ExceptionID: x.ID, Code: code, Detail: fmt.Sprintf(format, args...)}
	}
	if e.in.Controls == nil {
		return reason("controls-not-reported", "the policy requires active controls and no --controls export was given")
	}
	maxAge := e.in.Policy.Gate.ControlsMaxAge
	for _, c := range x.Controls {
		if !c.Structured() {
			return reason("control-unverifiable", "control %q is a plain string, so it cannot be reported active", c.Text)
		}
		st, ok := e.in.Controls[c.ID]
		switch {
		case !ok:
			return reason("control-unknown", "control %s is not in the monitoring export", c.ID)
		case !st.Active:
			return reason("control-inactive", "control %s is reported inactive", c.ID)
		case st.VerifiedAt.IsZero() || e.in.Now.Sub(st.VerifiedAt) > maxAge:
			return reason("control-stale", "control %s was last verified %s, more than %s ago", c.ID, st.VerifiedAt.Format(time.RFC3339), maxAge)
		case st.VerifiedAt.After(e.in.Now.Add(futureSkew)):
			// A verification from the future would stay fresh forever.
			return reason("control-stale", "control %s is reported verified at %s, after now (%s)", c.ID, st.VerifiedAt.Format(time.RFC3339), e.in.Now.Format(time.RFC3339))
		}
	}
	return nil
}

func (e *evaluator) vulnCandidates(g *findingGroup) []candidate {
	var out []candidate
	seen := map[string]bool{}
	for _, id := range append([]string{g.ID}, g.Aliases...) {
		for _, x := range e.byVuln[strings.ToUpper(id)] {
			if seen[x.ID] {
				continue
			}
			seen[x.ID] = true
			mismatch := ""
			for _, v := range x.Vulnerabilities {
				if !strings.EqualFold(v.CVE, g.ID) && !containsFold(g.Aliases, v.CVE) {
					continue
				}
				if ok, why := componentMatches(v, g.Finding); ok {
					mismatch = ""
					break
				} else if mismatch == "" {
					mismatch = why
				}
			}
			out = append(out, candidate{x: x, mismatch: mismatch})
		}
	}
	return out
}

// componentMatches decides whether an exception's entry is about the
// finding's component: by package URL without qualifiers, by name, or by the
// process document's name-vX.Y.Z form. A version in the entry's package URL,
// or the name-vX.Y.Z form beside it, pins the version.
func componentMatches(v exception.Vulnerability, f scan.Finding) (bool, string) {
	if e, has, why := EntryPackage(v); has {
		if why != "" {
			return false, why
		}
		return e.matches(f)
	}
	comp := strings.TrimSpace(v.Component)
	if comp == "" {
		// A blank component names nothing, not the findings without a
		// package.
		return false, "names no component"
	}
	if strings.EqualFold(comp, f.Package) {
		return true, ""
	}
	if f.Package != "" && len(comp) > len(f.Package)+1 && strings.EqualFold(comp[:len(f.Package)], f.Package) && comp[len(f.Package)] == '-' {
		version := trimV(comp[len(f.Package)+1:])
		if sameVersion(version, findingVersion(f)) {
			return true, ""
		}
		return false, fmt.Sprintf("is for %s version %s, the finding is in version %s", f.Package, version, orDash(findingVersion(f)))
	}
	found := f.Package
	if found == "" {
		found = f.PURL
	}
	return false, fmt.Sprintf("is for component %s, the finding is in %s", comp, found)
}

// Entry is what an exception's entry with a package URL names: one package,
// and the version it pins ("" for any). The gate and the exports read an
// entry the same way.
type Entry struct {
	PURL scan.PURL
	Base string // the package URL without version, qualifiers and subpath
	Pin  string
}

// EntryPackage reads an entry that has a package URL (in purl, or a
// component written as one). has is false for an entry without one; why
// says why an entry that has one names no single package: the URL does not
// parse, the component beside it names another package, or two pins
// disagree. Such an entry matches nothing.
func EntryPackage(v exception.Vulnerability) (e Entry, has bool, why string) {
	comp := strings.TrimSpace(v.Component)
	purl := v.PURL // any text here must be a package URL: blank is not none
	if purl == "" && strings.HasPrefix(comp, "pkg:") {
		purl, comp = comp, ""
	}
	if purl == "" {
		return Entry{}, false, ""
	}
	p, ok := scan.ParsePURL(purl)
	if !ok {
		return Entry{}, true, fmt.Sprintf("has the package URL %s, which does not parse", purl)
	}
	e = Entry{PURL: p, Base: scan.PURLBase(purl)}
	var pins []string
	if p.Version != "" {
		pins = append(pins, p.FullVersion())
	}
	if comp != "" {
		pin, names := componentPin(comp, p)
		if !names {
			return Entry{}, true, fmt.Sprintf("names component %s beside package URL %s, which is another package", comp, e.Base)
		}
		if pin != "" {
			pins = append(pins, pin)
		}
	}
	for _, pin := range pins {
		if _, rest := SplitEpoch(trimV(pin)); rest == "" {
			return Entry{}, true, fmt.Sprintf("pins the empty version %q", pin)
		}
		if !sameVersion(pin, pins[0]) {
			return Entry{}, true, fmt.Sprintf("pins two versions, %s and %s", pins[0], pin)
		}
	}
	if len(pins) > 0 {
		e.Pin = pins[0]
	}
	return e, true, ""
}

// componentPin reads a component written beside a package URL: whether it
// names the URL's package (as a package URL, as reports name it, or in the
// name-vX.Y.Z form), and the version it pins.
func componentPin(comp string, p scan.PURL) (pin string, names bool) {
	if strings.HasPrefix(comp, "pkg:") {
		cp, ok := scan.ParsePURL(comp)
		if !ok || !samePackage(p, cp) {
			return "", false
		}
		return cp.FullVersion(), true
	}
	for _, name := range append(reportNames(p), p.Name) {
		if nameEqual(p.Type, comp, name) {
			return "", true
		}
		if n := len(name); len(comp) > n+1 && comp[n] == '-' && nameEqual(p.Type, comp[:n], name) {
			if ver := versionSuffix(comp[n+1:]); ver != "" {
				return ver, true
			}
		}
	}
	return "", false
}

// matches judges a finding against the entry: the same package (by package
// URL; a finding without one by its OSV name and ecosystem, which say
// which package it is), and the pinned version, if any.
func (e Entry) matches(f scan.Finding) (bool, string) {
	switch {
	case f.PURL != "":
		fp, ok := scan.ParsePURL(f.PURL)
		if !ok || !samePackage(e.PURL, fp) {
			return false, fmt.Sprintf("is for %s, the finding is in %s", e.Base, f.PURL)
		}
	case f.Ecosystem == "":
		// Older Trivy JSON and SARIF name a package without saying of
		// which ecosystem: a package URL cannot be told from a namesake.
		return false, fmt.Sprintf("is for %s, and the finding names no package URL or ecosystem to tell %s from a namesake; an entry by name covers it", e.Base, orDash(f.Package))
	case !nameIn(e.PURL.Type, f.Package, reportNames(e.PURL)):
		return false, fmt.Sprintf("is for %s, the finding is in %s", e.Base, orDash(f.Package))
	case !inEcosystem(e.PURL, f.Ecosystem):
		return false, fmt.Sprintf("is for %s, the finding is in %s's %s", e.Base, f.Ecosystem, f.Package)
	}
	if e.Pin == "" {
		return true, ""
	}
	found := findingVersion(f)
	if sameVersion(e.Pin, found) {
		return true, ""
	}
	return false, fmt.Sprintf("is for %s version %s, the finding is in version %s", e.Base, e.Pin, orDash(found))
}

// samePackage compares package URLs' packages as the package URL
// specification (and Trivy, which reads ignore files by it) normalises
// them: types in any case; Go, npm, PyPI, Debian, Alpine … names in
// lowercase, PyPI's with - for _; the rest letter for letter.
func samePackage(a, b scan.PURL) bool {
	t := strings.ToLower(a.Type)
	return t == strings.ToLower(b.Type) && normNamespace(t, a.Namespace) == normNamespace(t, b.Namespace) && normName(t, a.Name) == normName(t, b.Name)
}

// loweredTypes are the package URL types whose names compare in lowercase.
var loweredTypes = map[string]bool{
	"golang": true, "npm": true, "pypi": true, "deb": true, "apk": true, "alpm": true,
	"composer": true, "github": true, "bitbucket": true, "hex": true, "bitnami": true,
}

func normName(typ, s string) string {
	if typ == "pypi" {
		s = strings.ReplaceAll(s, "_", "-")
	}
	if loweredTypes[typ] {
		return strings.ToLower(s)
	}
	return s
}

func normNamespace(typ, s string) string {
	if loweredTypes[typ] || typ == "rpm" {
		return strings.ToLower(s)
	}
	return s
}

func nameEqual(typ, a, b string) bool { return normName(typ, a) == normName(typ, b) }

func nameIn(typ, name string, names []string) bool {
	for _, n := range names {
		if name != "" && nameEqual(typ, name, n) {
			return true
		}
	}
	return false
}

// versionSuffix is the version of a name-vX.Y.Z (or name-X.Y.Z) suffix, or
// "" when the suffix does not start with a digit.
func versionSuffix(s string) string {
	if ver := trimV(s); ver != "" && ver[0] >= '0' && ver[0] <= '9' {
		return ver
	}
	return ""
}

// findingVersion is the finding's version as its package URL gives it, with
// the epoch Trivy writes as a qualifier (1:3.0.1-1), else as the report
// gives it.
func findingVersion(f scan.Finding) string {
	if p, ok := scan.ParsePURL(f.PURL); ok && p.Version != "" {
		return p.FullVersion()
	}
	return f.Version
}

// reportNames are the names reports give a package URL's package where
// they give no package URL: with the namespace for npm scopes, Go modules
// and Composer vendors, group:artifact for Maven (OSV-Scanner), and the
// bare name for OS packages, whose namespace is the distribution.
func reportNames(p scan.PURL) []string {
	switch {
	case p.Namespace == "":
		return []string{p.Name}
	case p.Type == "maven":
		return []string{p.Namespace + ":" + p.Name}
	case osTypes[p.Type]:
		return []string{p.Name}
	}
	return []string{p.Namespace + "/" + p.Name}
}

var osTypes = map[string]bool{"deb": true, "rpm": true, "apk": true, "alpm": true}

// osvEcosystems maps package URL types to OSV ecosystems (the part before
// any ":" release suffix).
var osvEcosystems = map[string]string{
	"npm": "npm", "pypi": "PyPI", "golang": "Go", "maven": "Maven", "cargo": "crates.io", "gem": "RubyGems",
	"nuget": "NuGet", "composer": "Packagist", "hex": "Hex", "pub": "Pub", "swift": "SwiftURL", "cran": "CRAN",
	"hackage": "Hackage", "conan": "ConanCenter", "github": "GitHub Actions", "bitnami": "Bitnami",
}

// osvDistributions maps an OS package URL type and namespace (the
// distribution) to its OSV ecosystem.
var osvDistributions = map[string]string{
	"deb/debian": "Debian", "deb/ubuntu": "Ubuntu", "apk/alpine": "Alpine", "apk/wolfi": "Wolfi",
	"apk/chainguard": "Chainguard", "rpm/redhat": "Red Hat", "rpm/rocky": "Rocky Linux",
	"rpm/almalinux": "AlmaLinux", "rpm/opensuse": "openSUSE", "rpm/suse": "SUSE", "rpm/photon": "Photon OS",
	"rpm/mageia": "Mageia", "rpm/openeuler": "openEuler", "alpm/archlinux": "Arch Linux",
}

// inEcosystem reports whether an OSV ecosystem ("PyPI", "Debian:12",
// "Alpine:v3.18") is the package URL's. One this table does not know cannot
// be confirmed, and so is not.
func inEcosystem(p scan.PURL, ecosystem string) bool {
	eco, _, _ := strings.Cut(ecosystem, ":")
	t := strings.ToLower(p.Type)
	if osTypes[t] {
		want, ok := osvDistributions[t+"/"+strings.ToLower(p.Namespace)]
		return ok && eco == want
	}
	want, ok := osvEcosystems[t]
	return ok && eco == want
}

// sameVersion compares versions as written by people and scanners: a
// leading v makes no difference, and an epoch is a number (0: and 00: are
// no epoch; 0:1:3.0 is epoch 0 of version 1:3.0, not epoch 1).
func sameVersion(a, b string) bool {
	ea, ra := SplitEpoch(trimV(a))
	eb, rb := SplitEpoch(trimV(b))
	return ea == eb && ra == rb
}

// SplitEpoch splits a version into its epoch, without leading zeros ("0"
// when there is none), and the rest.
func SplitEpoch(version string) (epoch, rest string) {
	if e, r, ok := strings.Cut(version, ":"); ok && e != "" && strings.Trim(e, "0123456789") == "" {
		if e = strings.TrimLeft(e, "0"); e == "" {
			e = "0"
		}
		return e, r
	}
	return "0", version
}

func trimV(version string) string {
	return strings.TrimPrefix(strings.TrimPrefix(version, "v"), "V")
}

func (e *evaluator) unsignedCandidates(a Artifact) []candidate {
	var out []candidate
	for _, x := range e.in.Exceptions {
		if x.Type != exception.UnsignedPackage {
			continue
		}
		named, mismatch := false, ""
		for _, p := range x.Packages {
			if !strings.EqualFold(p.Name, a.Name) {
				continue
			}
			if NormalizeDigest(p.SHA256) == a.Digest {
				named, mismatch = true, ""
				break
			}
			named, mismatch = true, fmt.Sprintf("allows %s with sha256:%s, the artifact is sha256:%s", p.Name, short(NormalizeDigest(p.SHA256)), short(a.Digest))
		}
		if named {
			out = append(out, candidate{x: x, mismatch: mismatch})
		}
	}
	return out
}

func (e *evaluator) boundaryCandidates(b Boundary) []candidate {
	var out []candidate
	for _, x := range e.in.Exceptions {
		if x.Type == exception.CrossBoundary && x.Boundary != nil &&
			strings.EqualFold(x.Boundary.Source, b.Source) && strings.EqualFold(x.Boundary.Target, b.Target) {
			out = append(out, candidate{x: x})
		}
	}
	return out
}

func (e *evaluator) gateCandidates(g GateResult) []candidate {
	var out []candidate
	for _, x := range e.in.Exceptions {
		if x.Type == exception.GateOverride && x.Gate != nil && strings.EqualFold(x.Gate.Name, g.Name) {
			out = append(out, candidate{x: x, mismatch: gateWorse(*x.Gate, g), code: "gate-worse"})
		}
	}
	return out
}

// retire lists exceptions scoped to this application (or linked to this
// intent) that are approved and valid but covered nothing.
func (e *evaluator) retire() []string {
	var out []string
	in := e.in
	for _, x := range in.Exceptions {
		if e.used[x.ID] || x.StateAt(in.Now, e.loc) != exception.StateApproved {
			continue
		}
		mine := x.DeploymentIntentID == in.Intent.ID ||
			(containsFold(x.Scope.Applications, in.Intent.Application) &&
				(len(x.Scope.Environments) == 0 || containsFold(x.Scope.Environments, in.Intent.Environment)))
		if mine {
			out = append(out, x.ID)
		}
	}
	sort.Strings(out)
	return out
}

// futureSkew is how far ahead of now a control's verification may be
// stamped (clocks differ) before it is refused.
const futureSkew = 5 * time.Minute

// gateWorse says why a gate result is not the one an override approved:
// another threshold, or an actual value further from it than approved (an
// override for coverage 76.5 against 80 is no override for 0). Which way is
// worse follows from the approved values; values that are not numbers
// must be the same. "" when the override covers the result.
func gateWorse(approved exception.Gate, got GateResult) string {
	num := func(s string) (float64, bool) {
		f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	at, okAT := num(approved.Threshold)
	aa, okAA := num(approved.Actual)
	gt, okGT := num(got.Threshold)
	ga, okGA := num(got.Actual)
	if !okAT || !okAA || !okGA || (got.Threshold != "" && !okGT) {
		if strings.EqualFold(strings.TrimSpace(approved.Actual), strings.TrimSpace(got.Actual)) &&
			(got.Threshold == "" || strings.EqualFold(strings.TrimSpace(approved.Threshold), strings.TrimSpace(got.Threshold))) {
			return ""
		}
		return fmt.Sprintf("was approved for %s against %s; this deployment has %s against %s", approved.Actual, approved.Threshold, orDash(got.Actual), orDash(got.Threshold))
	}
	if got.Threshold != "" && gt != at {
		return fmt.Sprintf("was approved against threshold %s; this gate's threshold is %s", approved.Threshold, got.Threshold)
	}
	// The side of the threshold this failed result is on says which way
	// is worse (the approved value may be written on the other side, which
	// then covers nothing); a result at the threshold is as near as any.
	worse := (ga < at && ga < aa) || (ga > at && ga > aa)
	if worse {
		return fmt.Sprintf("was approved for %s against %s; this deployment has %s", approved.Actual, approved.Threshold, got.Actual)
	}
	return ""
}
