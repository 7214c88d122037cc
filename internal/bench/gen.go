// Package bench measures exctl validate against the tools a user would
// otherwise reach for: ajv-cli and @sourcemeta/jsonschema with the same
// schema, and a bare parallel yaml.v3 parse, the floor no validator of YAML
// files can go below. It generates the corpus they all read, runs each tool
// as a process and compares what they found; cmd/benchvalidate is the
// entry point and `make bench` runs it.
package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Kind is a way a planted record breaks the schema. Every kind is a schema
// violation, not a semantic one, so that a JSON Schema validator given the
// same schema must find the same files.
type Kind string

// The kinds of planted errors, after the bad-input list of the issue.
const (
	UnknownField Kind = "unknown-field"
	WrongType    Kind = "wrong-type"
	BadDate      Kind = "bad-date"
	MissingField Kind = "missing-field"
	BadEnum      Kind = "bad-enum"
	BadCVE       Kind = "bad-cve"
)

// Kinds lists every kind, in the order they are planted.
var Kinds = []Kind{UnknownField, WrongType, BadDate, MissingField, BadEnum, BadCVE}

// Now is the instant the corpus is valid at: every tool run passes it as
// --now, so the generated dates stay valid whenever the benchmark runs.
var Now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// GenOptions says what corpus to write.
type GenOptions struct {
	N           int     // records
	Seed        uint64  // the same seed writes the same bytes
	InvalidRate float64 // fraction of records with a planted schema error
	Policy      []byte  // written to exceptions/policy.yaml
}

// Planted is one record broken on purpose.
type Planted struct {
	Kind   Kind
	Detail string // what exactly is wrong, for reading a disagreement
}

// Corpus is a generated repository.
type Corpus struct {
	Dir     string
	Records []string           // every record, slash paths relative to Dir, sorted
	Invalid map[string]Planted // the planted records by path
	// Pending are valid pending records: a change may edit them freely,
	// which makes them the record the --base case touches.
	Pending []string
	Bytes   int64 // total size of the records
}

// Types of records and how often each occurs, roughly as a scanner-heavy
// organisation would see them.
var typeMix = []struct {
	name   string
	weight int
}{
	{"vulnerability_scan", 55},
	{"unsigned_package", 15},
	{"cross_boundary", 15},
	{"gate_override", 15},
}

const header = "# yaml-language-server: $schema=../../schemas/exception.schema.json\n"

// Generate writes a corpus of o.N records to dir, which must not exist or
// be empty.
func Generate(dir string, o GenOptions) (*Corpus, error) {
	if o.N <= 0 {
		return nil, errors.New("generate: no records asked for")
	}
	if len(o.Policy) == 0 {
		return nil, errors.New("generate: no policy to copy")
	}
	if err := os.MkdirAll(filepath.Join(dir, "exceptions"), 0o755); err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "exceptions")); err != nil || len(entries) > 0 {
		if err == nil {
			err = fmt.Errorf("%s/exceptions is not empty", dir)
		}
		return nil, fmt.Errorf("generate: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "exceptions", "policy.yaml"), o.Policy, 0o644); err != nil {
		return nil, err
	}
	for _, t := range typeMix {
		if err := os.MkdirAll(filepath.Join(dir, "exceptions", t.name), 0o755); err != nil {
			return nil, err
		}
	}
	g := &generator{rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
	// Choose the planted records first so that a kind that needs a type
	// (a bad CVE needs vulnerabilities) can ask for it.
	planted := map[int]Kind{}
	nBad := min(max(int(float64(o.N)*o.InvalidRate+0.5), 0), o.N)
	for i, idx := range g.rng.Perm(o.N)[:nBad] {
		planted[idx] = Kinds[i%len(Kinds)]
	}
	c := &Corpus{Dir: dir, Invalid: map[string]Planted{}}
	for i := range o.N {
		kind, bad := planted[i]
		r := g.record(kind)
		var detail string
		if bad {
			detail = g.plant(r, kind)
		}
		data := render(header, r.m)
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(r.path)), data, 0o644); err != nil {
			return nil, err
		}
		c.Records = append(c.Records, r.path)
		c.Bytes += int64(len(data))
		switch {
		case bad:
			c.Invalid[r.path] = Planted{Kind: kind, Detail: detail}
		case r.status == "pending":
			c.Pending = append(c.Pending, r.path)
		}
	}
	sort.Strings(c.Records)
	sort.Strings(c.Pending)
	return c, c.writeManifest()
}

// writeManifest lists the planted files beside the records, so a person can
// check a disagreement by hand.
func (c *Corpus) writeManifest() error {
	var b strings.Builder
	for _, p := range c.InvalidPaths() {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", p, c.Invalid[p].Kind, c.Invalid[p].Detail)
	}
	return os.WriteFile(filepath.Join(c.Dir, "planted.tsv"), []byte(b.String()), 0o644)
}

// InvalidPaths are the planted records, sorted.
func (c *Corpus) InvalidPaths() []string {
	out := make([]string, 0, len(c.Invalid))
	for p := range c.Invalid {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

type generator struct {
	rng *rand.Rand
}

// record is one generated record before it is written.
type record struct {
	path   string
	typ    string
	status string
	m      mapping
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// some picks n distinct items of list.
func (g *generator) some(list []string, n int) []any {
	out := make([]any, 0, n)
	for _, i := range g.rng.Perm(len(list))[:min(n, len(list))] {
		out = append(out, list[i])
	}
	return out
}

func (g *generator) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := fmt.Sprintf("%x", b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (g *generator) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *generator) typ(kind Kind) string {
	if kind == BadCVE {
		return "vulnerability_scan"
	}
	n := g.rng.IntN(100)
	for _, t := range typeMix {
		if n < t.weight {
			return t.name
		}
		n -= t.weight
	}
	return typeMix[0].name
}

func (g *generator) status() string {
	switch n := g.rng.IntN(100); {
	case n < 50:
		return "approved"
	case n < 80:
		return "pending"
	case n < 88:
		return "denied"
	}
	return "expired"
}

func (g *generator) identity(login string) string {
	if g.rng.IntN(3) == 0 {
		return "@" + login
	}
	return login + "@example.com"
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

// record builds a record that is valid under the schema and every semantic
// rule of the bundled policy at Now: dates ordered and within the type's
// maximum, decided records carrying their deciders, approvers distinct from
// the requester and from each other.
func (g *generator) record(kind Kind) *record {
	id := g.uuid()
	r := &record{typ: g.typ(kind), status: g.status()}
	r.path = path.Join("exceptions", r.typ, id+".yaml")
	maxDays := 90
	if r.typ == "gate_override" {
		maxDays = 30
	}
	// Pending requests are recent; approved ones mostly still running,
	// with a few past their date (a warning, not an error); expired ones
	// really are past it.
	lifetime := 7 + g.rng.IntN(maxDays-6)
	var ageDays int
	switch r.status {
	case "pending":
		ageDays = 1 + g.rng.IntN(30)
	case "approved":
		ageDays = 1 + g.rng.IntN(lifetime+5)
	case "expired":
		ageDays = lifetime + 2 + g.rng.IntN(120)
	default:
		ageDays = 1 + g.rng.IntN(150)
	}
	day := Now.Truncate(24 * time.Hour)
	created := day.AddDate(0, 0, -ageDays).Add(time.Duration(7+g.rng.IntN(11))*time.Hour + time.Duration(g.rng.IntN(60))*time.Minute)
	expiry := created.AddDate(0, 0, lifetime)

	requester := g.pick(people)
	m := mapping{
		{"exception_id", id},
		{"type", r.typ},
		{"status", r.status},
		{"justification", g.justification(r.typ)},
		{"requested_by", g.identity(requester)},
	}
	if g.rng.IntN(10) < 6 {
		m = append(m, field{"owners", g.some(teams, 1+g.rng.IntN(2))})
	}
	if g.rng.IntN(10) == 0 {
		m = append(m, field{"deployment_intent_id", fmt.Sprintf("deploy-%s-%d", g.pick(apps), 1000+g.rng.IntN(9000))})
	}
	if g.rng.IntN(10) < 8 {
		scope := mapping{{"applications", g.some(apps, 1+g.rng.IntN(3))}}
		if g.rng.IntN(10) < 8 {
			scope = append(scope, field{"environments", g.some(envs, 1+g.rng.IntN(2))})
		}
		m = append(m, field{"scope", scope})
	}
	m = append(m, g.typeFields(r.typ)...)
	m = append(m, field{"compensating_controls", g.controls()})
	risk := mapping{{"exposure", g.pick(exposures)}}
	if g.rng.IntN(4) == 0 {
		risk = append(risk, field{"privileged", g.rng.IntN(3) == 0})
	}
	m = append(m, field{"risk", risk})

	// A pending record may be an extension: its original expiry within the
	// type's maximum, the new one at most 90 days past it.
	if r.status == "pending" && g.rng.IntN(16) == 0 {
		orig := created.AddDate(0, 0, 7+g.rng.IntN(maxDays-6))
		expiry = orig.AddDate(0, 0, 1+g.rng.IntN(90))
		m = append(m, field{"expiry_date", date(expiry)}, field{"original_expiry_date", date(orig)})
	} else {
		m = append(m, field{"expiry_date", date(expiry)})
	}
	m = append(m, field{"created_at", created.Format(time.RFC3339)})

	updated := created
	switch r.status {
	case "approved", "expired":
		// Both seats, always: the CAB is required for two types and for
		// any risk above the threshold, and a second pair of eyes never
		// makes a record invalid.
		approved := created.AddDate(0, 0, g.rng.IntN(min(5, lifetime)+1))
		if approved.After(day) {
			approved = day
		}
		m = append(m,
			field{"approved_by", g.approvers(secApprovers)},
			field{"cab_approved_by", g.approvers(cabApprovers)},
			field{"approval_date", date(approved)})
		updated = approved.Truncate(24 * time.Hour).Add(time.Duration(9+g.rng.IntN(8)) * time.Hour)
		if updated.Before(created) {
			updated = created
		}
		if r.status == "expired" {
			updated = expiry.AddDate(0, 0, 1).Add(2 * time.Hour)
		}
	case "denied":
		m = append(m,
			field{"denied_by", g.approvers(secApprovers)},
			field{"denial_reason", g.pick(denialReasons)})
		updated = created.Add(time.Duration(1+g.rng.IntN(72)) * time.Hour)
	}
	if updated.After(Now) {
		updated = Now
	}
	if r.status != "pending" || g.rng.IntN(2) == 0 {
		m = append(m, field{"updated_at", updated.Format(time.RFC3339)})
	}
	r.m = m
	return r
}

// approvers writes one approver in one of the forms the schema allows.
func (g *generator) approvers(pool []string) any {
	who := "@" + g.pick(pool)
	switch g.rng.IntN(3) {
	case 0:
		return who
	case 1:
		return flowSeq{who}
	}
	return []any{who}
}

func (g *generator) justification(typ string) string {
	reason := g.pick(reasons[typ])
	return fmt.Sprintf("%s %s %s", reason, g.pick(mitigations), g.pick(timelines))
}

func (g *generator) typeFields(typ string) mapping {
	switch typ {
	case "vulnerability_scan":
		n := 1 + g.rng.IntN(5)
		var vulns []any
		seen := map[string]bool{}
		for len(vulns) < n {
			id := g.vulnID()
			if seen[id] {
				continue
			}
			seen[id] = true
			c := components[g.rng.IntN(len(components))]
			v := mapping{{"cve", id}, {"severity", g.pick(severities)}, {"component", c.name}}
			if c.purl != "" && g.rng.IntN(3) > 0 {
				v = append(v, field{"purl", c.purl})
			}
			if g.rng.IntN(5) == 0 {
				vulns = append(vulns, flow(v))
			} else {
				vulns = append(vulns, v)
			}
		}
		return mapping{{"vulnerabilities", vulns}}
	case "unsigned_package":
		var pkgs []any
		for _, name := range g.some(vendorPackages, 1+g.rng.IntN(3)) {
			sum := g.hex(64)
			if g.rng.IntN(4) == 0 {
				sum = "sha256:" + sum
			}
			pkgs = append(pkgs, mapping{
				{"name", name},
				{"version", fmt.Sprintf("%d.%d.%d", g.rng.IntN(12), g.rng.IntN(20), g.rng.IntN(30))},
				{"sha256", sum},
			})
		}
		return mapping{{"packages", pkgs}}
	case "cross_boundary":
		pair := g.some(boundaries, 2)
		return mapping{
			{"boundary", mapping{{"source", pair[0]}, {"target", pair[1]}}},
			{"blast_radius", mapping{
				{"summary", g.pick(blastSummaries)},
				{"affected_systems", g.some(apps, 1+g.rng.IntN(3))},
				{"rollback_plan", g.pick(rollbackPlans)},
			}},
		}
	default:
		gt := gates[g.rng.IntN(len(gates))]
		return mapping{{"gate", mapping{{"name", gt.name}, {"threshold", gt.threshold}, {"actual", gt.actual}}}}
	}
}

func (g *generator) vulnID() string {
	if g.rng.IntN(8) == 0 {
		const alphabet = "23456789cfghjmpqrvwx"
		parts := make([]string, 3)
		for i := range parts {
			var b [4]byte
			for j := range b {
				b[j] = alphabet[g.rng.IntN(len(alphabet))]
			}
			parts[i] = string(b[:])
		}
		return "GHSA-" + strings.Join(parts, "-")
	}
	return fmt.Sprintf("CVE-%d-%d", 2018+g.rng.IntN(9), 1000+g.rng.IntN(60000))
}

// controls are structured in most records, the seed's plain strings in
// some, and a mix in a few; ids never repeat within a record.
func (g *generator) controls() []any {
	n := 1 + g.rng.IntN(3)
	style := g.rng.IntN(10) // 0-6 structured, 7-8 plain, 9 mixed
	var out []any
	for i, idx := range g.rng.Perm(len(structuredControls))[:n] {
		c := structuredControls[idx]
		if style == 7 || style == 8 || (style == 9 && i%2 == 1) {
			out = append(out, plainControls[idx%len(plainControls)])
			continue
		}
		out = append(out, mapping{{"id", c[0]}, {"specific", c[1]}, {"measurable", c[2]}, {"enforceable", c[3]}})
	}
	return out
}

// plant breaks r in the way kind names and says how.
func (g *generator) plant(r *record, kind Kind) string {
	m := &r.m
	variant := g.rng.IntN(4)
	switch kind {
	case UnknownField:
		switch variant {
		case 0:
			m.insertAfter("justification", "justifcation", "typo of a field name, kept by mistake")
			return "top-level justifcation"
		case 1:
			risk, _ := m.get("risk")
			rm := risk.(mapping)
			rm = append(rm, field{"internet_facing", true})
			m.set("risk", rm)
			return "risk.internet_facing"
		case 2:
			m.insertAfter("requested_by", "ticket", fmt.Sprintf("SEC-%d", 1000+g.rng.IntN(9000)))
			return "top-level ticket"
		}
		m.insertAfter("expiry_date", "expires", raw("30d"))
		return "top-level expires"
	case WrongType:
		switch variant {
		case 0:
			m.set("expiry_date", raw("90"))
			return "expiry_date: 90"
		case 1:
			risk, _ := m.get("risk")
			rm := risk.(mapping)
			rm.set("privileged", "yes")
			m.set("risk", rm)
			return `risk.privileged: "yes"`
		case 2:
			m.set("owners", "@acme/payments")
			return "owners is a string"
		}
		m.set("compensating_controls", "Network isolation")
		return "compensating_controls is a string"
	case BadDate:
		switch variant {
		case 0:
			m.set("expiry_date", "2026-02-30")
			return "expiry_date 2026-02-30"
		case 1:
			m.set("expiry_date", "2026-12-01T00:00:00Z")
			return "expiry_date with a time"
		case 2:
			if _, ok := m.get("approval_date"); ok {
				m.set("approval_date", "2026-11-31")
				return "approval_date 2026-11-31"
			}
			m.set("expiry_date", "2026-13-01")
			return "expiry_date 2026-13-01"
		}
		m.set("created_at", "2026-09-31T10:00:00Z")
		return "created_at 2026-09-31T10:00:00Z"
	case MissingField:
		switch variant {
		case 0:
			m.del("justification")
			return "no justification"
		case 1:
			m.del("created_at")
			return "no created_at"
		case 2:
			need := map[string]string{"vulnerability_scan": "vulnerabilities", "unsigned_package": "packages", "cross_boundary": "blast_radius", "gate_override": "gate"}[r.typ]
			m.del(need)
			return "no " + need
		}
		if r.status == "approved" {
			m.del("approval_date")
			return "approved without approval_date"
		}
		m.del("requested_by")
		return "no requested_by"
	case BadEnum:
		switch variant {
		case 0:
			m.set("status", "active")
			return "status active"
		case 1:
			risk, _ := m.get("risk")
			rm := risk.(mapping)
			rm.set("exposure", "public")
			m.set("risk", rm)
			return "risk.exposure public"
		case 2:
			if r.typ == "vulnerability_scan" {
				setFirstVuln(m, "severity", "Severe")
				return "severity Severe"
			}
		}
		m.set("type", strings.TrimSuffix(r.typ, "_scan")+"s")
		return "type " + r.typ + " misspelled"
	case BadCVE:
		bad := []string{"CVE-24-1234", "cve-2024-1234", "CVE-2024-123", "GHSA-abcd-efgh-ijkl"}[variant]
		setFirstVuln(m, "cve", bad)
		return "cve " + bad
	}
	panic("bench: unknown kind " + string(kind))
}

// setFirstVuln sets a key of the first vulnerability, whichever way it is
// written.
func setFirstVuln(m *mapping, key, value string) {
	v, _ := m.get("vulnerabilities")
	list := v.([]any)
	switch first := list[0].(type) {
	case mapping:
		first.set(key, value)
		list[0] = first
	case flow:
		fm := mapping(first)
		fm.set(key, value)
		list[0] = flow(fm)
	}
}
