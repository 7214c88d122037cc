package cli

import (
	"bytes"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/validate"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ", ") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

type newOptions struct {
	common
	typ           exception.Type
	id            string
	justification string
	requestedBy   string
	owners        multi
	intent        string
	apps, envs    multi
	controls      multi
	exposure      string
	privileged    bool
	expiry        string
	days          int
	vulns         multi
	packages      multi
	source        string
	target        string
	blastSummary  string
	affected      multi
	rollback      string
	gateName      string
	threshold     string
	actual        string
	stdout        bool
}

func runNew(e *env, args []string) error {
	var o newOptions
	fs := e.flagSet("new", "TYPE --justification TEXT [flags]",
		`Writes a pending request to exceptions/TYPE/<uuid>.yaml, ready for a pull
request. TYPE is vulnerability_scan, unsigned_package, cross_boundary or
gate_override. requested_by comes from git config user.email, the expiry
from the policy's default for the type. The record is validated before it is
written, and an existing file is never overwritten.

Per type:
  vulnerability_scan  --vuln CVE,SEVERITY,COMPONENT[,PURL] (repeatable)
  unsigned_package    --package NAME,VERSION,SHA256 (repeatable)
  cross_boundary      --source B --target B --blast-summary TEXT --affected SYS (repeatable) --rollback TEXT
  gate_override       --gate NAME --threshold X --actual Y

A --control is either plain text or ID|SPECIFIC|MEASURABLE|ENFORCEABLE
(structured, preferred: the gate can check it is active).`)
	o.register(fs)
	fs.StringVar(&o.id, "id", "", "use this `uuid` instead of a random one")
	fs.StringVar(&o.justification, "justification", "", "why the deviation is needed (required)")
	fs.StringVar(&o.requestedBy, "requested-by", "", "requester e-mail or @login (default: git config user.email)")
	fs.Var(&o.owners, "owner", "who is notified: @user, @org/team or e-mail (repeatable)")
	fs.StringVar(&o.intent, "intent", "", "deployment intent `id` this exception is for")
	fs.Var(&o.apps, "app", "limit to this application (repeatable)")
	fs.Var(&o.envs, "env", "limit to this environment (repeatable)")
	fs.Var(&o.controls, "control", "compensating control (repeatable; see above)")
	fs.StringVar(&o.exposure, "exposure", "", "risk input: internet|partner|internal|isolated")
	fs.BoolVar(&o.privileged, "privileged", false, "risk input: privileged tooling is involved (requires CAB)")
	fs.StringVar(&o.expiry, "expiry", "", "expiry `date` YYYY-MM-DD (default: today + the policy's default days)")
	fs.IntVar(&o.days, "days", 0, "expire this many days from today instead of --expiry")
	fs.Var(&o.vulns, "vuln", "vulnerability_scan: CVE,SEVERITY,COMPONENT[,PURL] (repeatable)")
	fs.Var(&o.packages, "package", "unsigned_package: NAME,VERSION,SHA256 (repeatable)")
	fs.StringVar(&o.source, "source", "", "cross_boundary: source boundary")
	fs.StringVar(&o.target, "target", "", "cross_boundary: target boundary")
	fs.StringVar(&o.blastSummary, "blast-summary", "", "cross_boundary: blast radius summary")
	fs.Var(&o.affected, "affected", "cross_boundary: affected system (repeatable)")
	fs.StringVar(&o.rollback, "rollback", "", "cross_boundary: rollback plan")
	fs.StringVar(&o.gateName, "gate", "", "gate_override: gate name")
	fs.StringVar(&o.threshold, "threshold", "", "gate_override: the gate's threshold")
	fs.StringVar(&o.actual, "actual", "", "gate_override: the measured value")
	fs.BoolVar(&o.stdout, "stdout", false, "print the record instead of writing it")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want exactly one TYPE (%s)", typeNames())
	}
	o.typ = exception.Type(fs.Arg(0))
	if !o.typ.Known() {
		return usageErrorf("unknown type %q: want one of %s", fs.Arg(0), typeNames())
	}
	daysSet := false
	fs.Visit(func(f *flag.Flag) { daysSet = daysSet || f.Name == "days" })
	if daysSet && o.days < 0 {
		return usageErrorf("--days %d: want 0 (today) or more", o.days)
	}
	// A mistyped --repo must not grow a new repository under the default
	// policy, which no one can approve against.
	if fi, err := os.Stat(o.repo); err != nil || !fi.IsDir() {
		return fmt.Errorf("repository %s is not a folder", o.repo)
	}
	now, err := o.clock(e)
	if err != nil {
		return err
	}
	schemas, pol, err := workTreePolicy(e, o.repo)
	if err != nil {
		return err
	}
	if o.requestedBy == "" {
		if o.requestedBy, err = gitEmail(o.repo); err != nil {
			return usageErrorf("no requester: pass --requested-by or set git config user.email (%v)", err)
		}
	}
	if o.id == "" {
		o.id = newUUID()
	}
	today := exception.DateOf(now, pol.Location)
	expiry := today.AddDays(pol.Types[o.typ].DefaultExpiryDays)
	switch {
	case o.expiry != "" && daysSet:
		return usageErrorf("give --expiry or --days, not both")
	case o.expiry != "":
		if expiry, err = exception.ParseDate(o.expiry); err != nil {
			return usageErrorf("--expiry: %v", err)
		}
	case daysSet:
		expiry = today.AddDays(o.days)
	}
	root, err := o.node(now, expiry)
	if err != nil {
		return err
	}
	data, err := encodeRecord(root)
	if err != nil {
		return err
	}
	rel := path.Join(load.Dir, string(o.typ), o.id+".yaml")
	res := (&validate.Checker{Schemas: schemas, Policy: pol, Now: now, Dir: load.Dir}).File(rel, data)
	if validate.HasErrors(res.Findings) {
		for _, f := range res.Findings {
			fmt.Fprintln(e.stderr, strings.TrimPrefix(f.String(), rel+":"))
		}
		return usageErrorf("the request would not be valid; fix the flags above")
	}
	for _, f := range res.Findings {
		fmt.Fprintln(e.stderr, f.String())
	}
	if o.stdout {
		_, err := e.stdout.Write(data)
		return err
	}
	if err := vetNewRecord(o.repo, o.typ, o.id); err != nil {
		return err
	}
	full := filepath.Join(o.repo, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists: exctl new never overwrites a record", rel)
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, rel)
	fmt.Fprintf(e.stderr, "wrote %s (expires %s); commit it and open a pull request\n", rel, expiry)
	return nil
}

// vetNewRecord refuses to write a record where the folders on its way are
// links (the record would land outside the repository), and an id that a
// record of another type already has (validate would then fail both).
func vetNewRecord(repo string, typ exception.Type, id string) error {
	src := load.NewDirSource(repo)
	if _, err := src.Lstat(path.Join(load.Dir, string(typ), id+".yaml")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, t := range exception.Types {
		for _, ext := range []string{".yaml", ".yml"} {
			other := path.Join(load.Dir, string(t), id+ext)
			if t == typ && ext == ".yaml" {
				continue // exists: refused by the exclusive create below
			}
			if _, err := src.Lstat(other); err == nil {
				return fmt.Errorf("id %s is taken: %s exists; exception ids are unique across types", id, other)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// node builds the record in the field order people read it in.
func (o *newOptions) node(now time.Time, expiry exception.Date) (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) { m.Content = append(m.Content, str(k), v) }
	add("exception_id", str(o.id))
	add("type", str(string(o.typ)))
	add("status", str("pending"))
	add("justification", str(o.justification))
	add("requested_by", str(o.requestedBy))
	if len(o.owners) > 0 {
		add("owners", strs(o.owners))
	}
	if o.intent != "" {
		add("deployment_intent_id", str(o.intent))
	}
	if len(o.apps)+len(o.envs) > 0 {
		s := &yaml.Node{Kind: yaml.MappingNode}
		if len(o.apps) > 0 {
			s.Content = append(s.Content, str("applications"), strs(o.apps))
		}
		if len(o.envs) > 0 {
			s.Content = append(s.Content, str("environments"), strs(o.envs))
		}
		add("scope", s)
	}
	switch o.typ {
	case exception.VulnerabilityScan:
		if len(o.vulns) == 0 {
			return nil, usageErrorf("vulnerability_scan needs at least one --vuln CVE,SEVERITY,COMPONENT[,PURL]")
		}
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, v := range o.vulns {
			parts := strings.SplitN(v, ",", 4)
			if len(parts) < 3 {
				return nil, usageErrorf("--vuln %q: want CVE,SEVERITY,COMPONENT[,PURL]", v)
			}
			item := mapping("cve", parts[0], "severity", parts[1], "component", parts[2])
			if len(parts) == 4 {
				item.Content = append(item.Content, str("purl"), str(parts[3]))
			}
			list.Content = append(list.Content, item)
		}
		add("vulnerabilities", list)
	case exception.UnsignedPackage:
		if len(o.packages) == 0 {
			return nil, usageErrorf("unsigned_package needs at least one --package NAME,VERSION,SHA256")
		}
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, p := range o.packages {
			parts := strings.Split(p, ",")
			if len(parts) != 3 {
				return nil, usageErrorf("--package %q: want NAME,VERSION,SHA256", p)
			}
			list.Content = append(list.Content, mapping("name", parts[0], "version", parts[1], "sha256", parts[2]))
		}
		add("packages", list)
	case exception.CrossBoundary:
		add("boundary", mapping("source", o.source, "target", o.target))
		br := mapping("summary", o.blastSummary)
		br.Content = append(br.Content, str("affected_systems"), strs(o.affected), str("rollback_plan"), str(o.rollback))
		add("blast_radius", br)
	case exception.GateOverride:
		add("gate", mapping("name", o.gateName, "threshold", o.threshold, "actual", o.actual))
	}
	controls := &yaml.Node{Kind: yaml.SequenceNode}
	for _, c := range o.controls {
		if parts := strings.Split(c, "|"); len(parts) == 4 {
			controls.Content = append(controls.Content, mapping("id", parts[0], "specific", parts[1], "measurable", parts[2], "enforceable", parts[3]))
		} else {
			controls.Content = append(controls.Content, str(c))
		}
	}
	add("compensating_controls", controls)
	if o.exposure != "" || o.privileged {
		r := &yaml.Node{Kind: yaml.MappingNode}
		if o.exposure != "" {
			r.Content = append(r.Content, str("exposure"), str(o.exposure))
		}
		if o.privileged {
			r.Content = append(r.Content, str("privileged"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		add("risk", r)
	}
	add("expiry_date", str(expiry.String()))
	add("created_at", str(now.UTC().Format(time.RFC3339)))
	return m, nil
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func strs(ss []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range ss {
		n.Content = append(n.Content, str(s))
	}
	return n
}

func mapping(kv ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, str(kv[i]), str(kv[i+1]))
	}
	return n
}

// SchemaModeline is the first line of every record exctl writes, so editors
// validate the record as people type.
const SchemaModeline = "# yaml-language-server: $schema=../../schemas/exception.schema.json\n"

func encodeRecord(root *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(SchemaModeline)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return buf.Bytes(), nil
}

// gitEmail reads user.email from the repository's git config, falling back
// to the global config.
func gitEmail(dir string) (string, error) {
	if r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true}); err == nil {
		if c, err := r.ConfigScoped(config.SystemScope); err == nil && c.User.Email != "" {
			return c.User.Email, nil
		}
	}
	c, err := config.LoadConfig(config.GlobalScope)
	if err != nil {
		return "", err
	}
	if c.User.Email == "" {
		return "", errors.New("user.email is not set")
	}
	return c.User.Email, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
