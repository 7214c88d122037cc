// Package export hands approved, unexpired exceptions to scanners in their
// own ignore formats, so that a scanner honours exactly what was approved
// and stops honouring it on time: Trivy's .trivyignore.yaml, Grype's
// .grype.yaml and OpenVEX.
package export

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/gate"
	"github.com/exctl/exctl/internal/scan"
)

// ErrNothingToExport is returned by OpenVEX when no exception gives a
// statement: a document without statements is not valid OpenVEX.
var ErrNothingToExport = errors.New("nothing to export")

// Options choose what is exported.
type Options struct {
	Now      time.Time
	Location *time.Location
	// Application and Environment select scoped exceptions. An exception
	// scoped to applications or environments is exported only when the
	// export is for one of them: a scanner ignore file has no notion of
	// scope, so exporting it unasked would widen it.
	Application string
	Environment string
	// Intent is the deployment intent the export is for. An exception
	// linked to an intent (deployment_intent_id) is exported only for it:
	// the gate lets it cover that deployment alone.
	Intent string
}

// Skipped is an exception left out of an export, and why.
type Skipped struct {
	ExceptionID string
	Reason      string
}

// eligible returns the vulnerability_scan exceptions in force at o.Now, in
// scope and for o.Intent where linked to one, sorted by id; those linked to
// another intent are reported as skipped.
func eligible(xs []*exception.Exception, o Options) ([]*exception.Exception, []Skipped) {
	var out []*exception.Exception
	var skipped []Skipped
	for _, x := range xs {
		if x.Type != exception.VulnerabilityScan || x.StateAt(o.Now, o.Location) != exception.StateApproved {
			continue
		}
		if apps := x.Scope.Applications; len(apps) > 0 && !containsFold(apps, o.Application) {
			continue
		}
		if envs := x.Scope.Environments; len(envs) > 0 && !containsFold(envs, o.Environment) {
			continue
		}
		if x.DeploymentIntentID != "" && x.DeploymentIntentID != o.Intent { // as the gate compares them
			skipped = append(skipped, Skipped{x.ID, fmt.Sprintf("linked to deployment intent %s: export with --intent %s for that deployment only", x.DeploymentIntentID, x.DeploymentIntentID)})
			continue
		}
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, skipped
}

// packageURL is the entry's package URL as an export writes it: without
// qualifiers, with the version the exception pins, both as the gate reads
// them. why says why there is none; needs is what the format needs one for.
func packageURL(v exception.Vulnerability, needs string) (purl, why string) {
	e, has, bad := gate.EntryPackage(v)
	switch {
	case !has:
		return "", fmt.Sprintf("%s in %s has no purl: %s", v.CVE, v.Component, needs)
	case bad != "":
		return "", fmt.Sprintf("%s: the entry %s, so the gate matches nothing with it", v.CVE, bad)
	case e.Pin == "":
		return e.Base, ""
	}
	return e.Base + "@" + purlVersion(e.PURL.Type, e.Pin), ""
}

// trivyPURLTypes are the package URL types whose ignore entries Trivy reads
// as exctl writes them. Trivy refuses a whole ignore file over one purl it
// cannot parse (a Julia purl without its uuid qualifier, a Swift purl
// without a namespace), which would drop every other exception.
var trivyPURLTypes = map[string]bool{
	"npm": true, "pypi": true, "golang": true, "maven": true, "gem": true, "cargo": true, "nuget": true,
	"composer": true, "deb": true, "rpm": true, "apk": true, "alpm": true, "hex": true, "pub": true,
	"cocoapods": true, "conda": true, "bitnami": true, "github": true, "swift": true, "conan": true,
	"k8s": true, "bottlerocket": true,
}

// trivyReads says why Trivy could not read purl in an ignore file, or "".
func trivyReads(cve, purl string) string {
	p, ok := scan.ParsePURL(purl)
	switch {
	case !ok || !trivyPURLTypes[p.Type]:
		return fmt.Sprintf("%s: exctl does not know how Trivy reads %s in an ignore file", cve, purl)
	case p.Type == "swift" && p.Namespace == "":
		return fmt.Sprintf("%s: Trivy refuses %s without a namespace", cve, purl)
	}
	return ""
}

// purlVersion writes a pinned version as scanners put it in package URLs:
// an epoch as the epoch qualifier (Trivy's form for deb and rpm), and Go
// module versions with their v.
func purlVersion(typ, version string) string {
	if typ == "golang" && !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	epoch, rest := gate.SplitEpoch(version)
	if epoch == "0" {
		return url.PathEscape(rest) // no epoch, as scanners write it
	}
	return url.PathEscape(rest) + "?epoch=" + epoch
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if s != "" && strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// TrivyExpiry is the expired_at date for Trivy. Trivy stops ignoring at the
// start of that day in UTC, while an exception is valid through the end of
// its expiry date in the policy time zone; the UTC date of that instant,
// rounded down, makes Trivy stop at or before the exception ends, never
// after.
func TrivyExpiry(x *exception.Exception, loc *time.Location) exception.Date {
	return exception.DateOf(x.ValidThrough(loc), time.UTC)
}

// Trivy writes a .trivyignore.yaml. Trivy matches an entry by id and, with
// purls, by package (and version, when the purl has one); an exception entry
// without a package URL is skipped, since an id alone would ignore the
// finding in every package.
func Trivy(w io.Writer, xs []*exception.Exception, o Options) ([]Skipped, error) {
	type entry struct {
		ID        string    `yaml:"id"`
		PURLs     []string  `yaml:"purls,omitempty"`
		ExpiredAt yaml.Node `yaml:"expired_at"` // a bare date, as Trivy reads it
		Statement string    `yaml:"statement"`
	}
	var entries []entry
	list, skipped := eligible(xs, o)
	for _, x := range list {
		for _, v := range x.Vulnerabilities {
			p, why := packageURL(v, "Trivy cannot limit an ignore to a package by name")
			if why == "" {
				why = trivyReads(v.CVE, p)
			}
			if why != "" {
				skipped = append(skipped, Skipped{x.ID, why})
				continue
			}
			entries = append(entries, entry{ID: v.CVE, PURLs: []string{p}, ExpiredAt: yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: TrivyExpiry(x, o.Location).String()},
				Statement: fmt.Sprintf("exctl exception %s, approved by %s; valid through %s", x.ID, strings.Join(append(append([]string{}, x.ApprovedBy...), x.CABApprovedBy...), ", "), x.ExpiryDate)})
		}
	}
	if _, err := fmt.Fprintf(w, "# Generated by exctl export trivyignore at %s from approved, unexpired exceptions.\n# Do not edit: change the exceptions and export again.\n", o.Now.UTC().Format(time.RFC3339)); err != nil {
		return nil, err
	}
	return skipped, encodeYAML(w, map[string]any{"vulnerabilities": nonNil(entries)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Grype writes a .grype.yaml with ignore rules. Grype has no expiry, so the
// file holds only what is valid at o.Now and must be regenerated (the
// expiry bot's schedule does).
func Grype(w io.Writer, xs []*exception.Exception, o Options) ([]Skipped, error) {
	type rule struct {
		Vulnerability string   `yaml:"vulnerability"`
		Package       grypePkg `yaml:"package"`
	}
	var rules []rule
	list, skipped := eligible(xs, o)
	for _, x := range list {
		for _, v := range x.Vulnerabilities {
			pkgs, why := grypePackages(v)
			if why != "" {
				skipped = append(skipped, Skipped{x.ID, fmt.Sprintf("%s: %s", v.CVE, why)})
				continue
			}
			for _, p := range pkgs {
				rules = append(rules, rule{Vulnerability: v.CVE, Package: p})
			}
		}
	}
	if _, err := fmt.Fprintf(w, "# Generated by exctl export grype at %s from exceptions valid at that time.\n# Grype has no expiry: regenerate this file at least daily.\n", o.Now.UTC().Format(time.RFC3339)); err != nil {
		return nil, err
	}
	return skipped, encodeYAML(w, map[string]any{"ignore": nonNil(rules)})
}

type grypePkg struct {
	Name    string `yaml:"name,omitempty"`
	Version string `yaml:"version,omitempty"`
	Type    string `yaml:"type,omitempty"`
}

// grypePackages derives Grype's package matches from an entry, the same
// packages the gate lets it cover; why says why there are none.
func grypePackages(v exception.Vulnerability) ([]grypePkg, string) {
	if e, has, bad := gate.EntryPackage(v); has {
		if bad != "" {
			return nil, fmt.Sprintf("the entry %s, so the gate matches nothing with it", bad)
		}
		p := e.PURL
		typ, ok := grypeTypes[p.Type]
		if !ok {
			// A rule without a type would match the name in every
			// ecosystem.
			return nil, fmt.Sprintf("Grype has no package type for pkg:%s", p.Type)
		}
		name := p.Name
		switch {
		case strings.Contains(p.Name, "/"):
			// An encoded slash: a rule joining it with the namespace would
			// name another package too.
			return nil, fmt.Sprintf("Grype cannot tell the name %q from a namespace", p.Name)
		case p.Type == "maven":
			return nil, "Grype names Java packages without their group, so a rule could not keep to one"
		case p.Type == "deb" || p.Type == "rpm" || p.Type == "apk" || p.Type == "alpm":
			// The namespace is the distribution, which a rule cannot
			// name (an image has one); the gate needs one to match.
			if p.Namespace == "" {
				return nil, fmt.Sprintf("pkg:%s without a distribution: a Grype rule would fit every distribution's package", p.Type)
			}
		case p.Namespace == "":
		case p.Type == "npm" || p.Type == "golang" || p.Type == "composer":
			name = p.Namespace + "/" + p.Name // how Grype names them
		default:
			return nil, fmt.Sprintf("Grype cannot limit a rule to the %s namespace %s", p.Type, p.Namespace)
		}
		pin := e.Pin
		if pin != "" && p.Type == "golang" && !strings.HasPrefix(pin, "v") {
			pin = "v" + pin // Go module versions carry their v
		}
		return []grypePkg{{Name: grypeName(name), Version: pin, Type: typ}}, ""
	}
	comp := strings.TrimSpace(v.Component)
	if comp == "" {
		return nil, "no component"
	}
	// The gate takes a component as the package's name, or, in the
	// process document's name-vX.Y.Z form, as a name and version: a rule
	// for each.
	out := []grypePkg{{Name: grypeName(comp)}}
	if i := strings.LastIndex(comp, "-v"); i > 0 && i+2 < len(comp) && comp[i+2] >= '0' && comp[i+2] <= '9' {
		out = append(out, grypePkg{Name: grypeName(comp[:i]), Version: comp[i+2:]})
	}
	return out, ""
}

// grypeName keeps a package name literal: Grype reads a name holding any of
// ^$*+?[](){}|\ as a regular expression, so that ".*" would ignore the
// vulnerability in every package and "gtk+" would miss gtk+.
func grypeName(name string) string {
	if strings.ContainsAny(name, `^$*+?[](){}|\`) {
		return regexp.QuoteMeta(name)
	}
	return name
}

// grypeTypes maps purl types to the package types Grype (syft) gives them.
// Grype names Java packages by artifact alone, so a Maven purl, which has a
// group, is refused by grypePackages.
var grypeTypes = map[string]string{
	"maven": "java-archive", "alpm": "alpm", "apk": "apk", "cargo": "rust-crate", "cocoapods": "pod", "composer": "php-composer",
	"conan": "conan", "cpan": "cpan", "cran": "R-package", "deb": "deb", "gem": "gem", "golang": "go-module",
	"hackage": "hackage", "hex": "hex", "luarocks": "lua-rocks", "npm": "npm", "nuget": "dotnet",
	"otp": "erlang-otp", "pub": "dart-pub", "pypi": "python", "rpm": "rpm", "swift": "swift",
}

// VEXJustifications are OpenVEX's not_affected justifications.
var VEXJustifications = []string{
	"component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist",
}

// OpenVEX writes an OpenVEX 0.2.0 document with one not_affected statement
// per vulnerability of each exception that carries a vex_justification. A
// risk acceptance says the product IS affected and the risk is borne for a
// while, so it is never published as not_affected.
func OpenVEX(w io.Writer, xs []*exception.Exception, o Options, author string) ([]Skipped, error) {
	type product struct {
		ID string `json:"@id"`
	}
	type vuln struct {
		Name string `json:"name"`
	}
	type statement struct {
		Vulnerability   vuln      `json:"vulnerability"`
		Products        []product `json:"products"`
		Status          string    `json:"status"`
		Justification   string    `json:"justification"`
		ImpactStatement string    `json:"impact_statement"`
		Timestamp       string    `json:"timestamp,omitempty"`
	}
	var statements []statement
	list, skipped := eligible(xs, o)
	for _, x := range list {
		if x.VEXJustification == "" {
			skipped = append(skipped, Skipped{x.ID, "a risk acceptance, not a not_affected assessment (no vex_justification)"})
			continue
		}
		for _, v := range x.Vulnerabilities {
			// A product is identified by an IRI scanners can match: the
			// package URL, with the version the exception pins.
			prod, why := packageURL(v, "an OpenVEX product needs one")
			if why != "" {
				skipped = append(skipped, Skipped{x.ID, why})
				continue
			}
			ts := ""
			if x.ApprovalDate != nil {
				ts = x.ApprovalDate.Start(time.UTC).Format(time.RFC3339)
			}
			statements = append(statements, statement{Vulnerability: vuln{v.CVE}, Products: []product{{prod}}, Status: "not_affected",
				Justification: x.VEXJustification, ImpactStatement: fmt.Sprintf("%s (exctl exception %s, valid through %s)", x.Justification, x.ID, x.ExpiryDate), Timestamp: ts})
		}
	}
	if len(statements) == 0 {
		// OpenVEX requires at least one statement.
		return skipped, ErrNothingToExport
	}
	body, err := json.Marshal(statements)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	doc := map[string]any{
		"@context":   "https://openvex.dev/ns/v0.2.0",
		"@id":        "https://openvex.dev/docs/public/exctl-" + hex.EncodeToString(sum[:16]),
		"author":     author,
		"timestamp":  o.Now.UTC().Format(time.RFC3339),
		"version":    1,
		"statements": nonNil(statements),
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return skipped, enc.Encode(doc)
}

func encodeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}
