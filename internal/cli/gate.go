package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/exctl/exctl/internal/gate"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/report"
	"github.com/exctl/exctl/internal/scan"
	"github.com/exctl/exctl/internal/validate"
)

type gateOptions struct {
	common
	intent   string
	scans    multi
	controls string
	window   string
	rev      string
	noScan   bool
}

func runGate(e *env, args []string) error {
	var o gateOptions
	fs := e.flagSet("gate", "--intent FILE [--scan REPORT…] [--controls FILE] [--window 2h] [--format text|json|markdown|sarif]",
		`Decides whether a deployment may proceed. Its needs — scanner findings at or
above the policy's blocking severities, unsigned artifacts, a boundary
crossing, failed promotion gates — must each be covered by an approved
exception that is unexpired at --now (valid through the end of its expiry
date in the policy time zone), in scope for the intent's application and
environment, and linked to the intent where it says so.

Scanner reports (Trivy JSON, Grype JSON, SARIF 2.1.0, OSV-Scanner JSON) come
from --scan and from the intent's scans list; the format is detected from the
content. With --window, an exception that would expire before the deployment
finishes blocks. With gate.require_active_controls in the policy, every
control of every exception used must be reported active in --controls (a
JSON or YAML map of control id to {active, verified_at}).

Exit 0 allow, 1 block, 2 could not decide (an unreadable report, an invalid
intent, invalid records or policy).`)
	o.register(fs, "text", "json", "markdown", "sarif")
	fs.StringVar(&o.intent, "intent", "", "deployment intent `file` (YAML or JSON; schemas/deployment-intent.schema.json)")
	fs.Var(&o.scans, "scan", "scanner report `file` (repeatable)")
	fs.StringVar(&o.controls, "controls", "", "monitoring export of compensating controls (`file`)")
	fs.StringVar(&o.window, "window", "", "deployment `duration`: exceptions must stay valid this long (e.g. 2h)")
	fs.StringVar(&o.rev, "rev", "", "read exceptions at this git `rev`ision instead of the work tree")
	fs.BoolVar(&o.noScan, "no-scan", false, "allow a decision without any scanner report (vulnerabilities are then not checked)")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.checkFormat("text", "json", "markdown", "sarif"); err != nil {
		return err
	}
	if o.intent == "" {
		return usageErrorf("--intent is required")
	}
	wp, err := periodFlag("window", o.window)
	if err != nil {
		return err
	}
	var window time.Duration
	if wp != nil {
		window = wp.d
	}
	now, err := o.clock(e)
	if err != nil {
		return err
	}
	schemas, err := e.schemas()()
	if err != nil {
		return err
	}
	intent, err := readIntent(schemas, o.intent)
	if err != nil {
		return err
	}
	src, err := openSource(o.repo, o.rev)
	if err != nil {
		return err
	}
	l, err := e.loadAll(src, now)
	if err != nil {
		return err
	}
	exceptions, err := validExceptions(e, l)
	if err != nil {
		return err
	}
	paths := append([]string(nil), o.scans...)
	for _, s := range intent.Scans {
		if !filepath.IsAbs(s) {
			s = filepath.Join(filepath.Dir(o.intent), s)
		}
		paths = append(paths, s)
	}
	if len(paths) == 0 && !o.noScan {
		return usageErrorf("no scanner report: give --scan or list scans in the intent (or --no-scan to decide without one)")
	}
	var findings, suppressed []scan.Finding
	for _, p := range paths {
		rep, err := scan.ReadFile(p)
		if err != nil {
			return err
		}
		if rep.Image.Container && len(rep.Image.Digests) == 0 {
			return fmt.Errorf("%s is a scan of a container image that records no digest: it cannot be tied to an artifact of this deployment", p)
		}
		if !intent.Deploys(rep.Image.Digests) {
			return otherImageError(p, rep.Image, intent)
		}
		findings = append(findings, rep.Findings...)
		suppressed = append(suppressed, rep.Suppressed...)
	}
	var controls map[string]gate.ControlStatus
	if o.controls != "" {
		if controls, err = readControls(o.controls); err != nil {
			return err
		}
	}
	d := gate.Decide(gate.Input{Intent: intent, Findings: findings, Suppressed: suppressed, Exceptions: exceptions, Policy: l.policy, Now: now, Window: window, Controls: controls})
	switch o.format {
	case "json":
		err = report.GateJSON(e.stdout, d)
	case "markdown":
		err = report.GateMarkdown(e.stdout, d)
	case "sarif":
		err = report.GateSARIF(e.stdout, d, filepath.ToSlash(o.intent), Version)
	default:
		err = report.GateText(e.stdout, d)
	}
	if err != nil {
		return err
	}
	if !d.Allowed {
		return fmt.Errorf("deployment %s blocked: %w", d.Intent, ErrNo)
	}
	return nil
}

// otherImageError says that a report is of an image the intent does not
// deploy: a clean scan of another image (a stale tag, the wrong build) must
// not let this deployment through.
func otherImageError(path string, im scan.Image, in *gate.Intent) error {
	scanned := make([]string, len(im.Digests))
	for i, d := range im.Digests {
		scanned[i] = displayDigest(d)
	}
	name := im.Name
	if name == "" {
		name = "an image"
	}
	deployed := make([]string, 0, len(in.Artifacts))
	for _, a := range in.Artifacts {
		deployed = append(deployed, a.Name+" "+displayDigest(a.Digest))
	}
	what := "no artifact"
	if len(deployed) > 0 {
		what = strings.Join(deployed, ", ")
	}
	return fmt.Errorf("%s is a scan of %s (%s), but the intent deploys %s: give the report of the image being deployed, "+
		"or the digest the scanner records for it (image ID, manifest or repository digest) in artifacts",
		path, validate.Printable(name), validate.Printable(strings.Join(scanned, ", ")), validate.Printable(what))
}

func displayDigest(d string) string {
	if strings.Contains(d, ":") {
		return d
	}
	return "sha256:" + d
}

// readIntent reads and checks a deployment intent. Every problem is an
// error (exit 2): the gate cannot decide on an intent it cannot read.
func readIntent(s *validate.Schemas, path string) (*gate.Intent, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	doc, err := load.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("deployment intent: %w", err)
	}
	if fs := validate.Check(s.DeploymentIntent, doc); len(fs) > 0 {
		return nil, &findingsError{head: "deployment intent is invalid", fs: fs}
	}
	return gate.IntentFromValue(doc.Value())
}

// findingsError lists findings a line each. Its line breaks are the only
// ones exit prints as such: each finding's text is escaped already.
type findingsError struct {
	head string
	fs   []validate.Finding
}

func (e *findingsError) Error() string { return e.head + ":\n" + joinFindings(e.fs) }

func joinFindings(fs []validate.Finding) string {
	var out string
	for i, f := range fs {
		if i > 0 {
			out += "\n"
		}
		out += f.String()
	}
	return out
}

func readLimited(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > load.MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes; the limit is %d", path, fi.Size(), load.MaxFileSize)
	}
	return os.ReadFile(path)
}

// readControls reads a monitoring export: control id → {active, verified_at}.
func readControls(path string) (map[string]gate.ControlStatus, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	doc, err := load.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}
	m, _ := doc.Value().(map[string]any)
	out := make(map[string]gate.ControlStatus, len(m))
	for id, v := range m {
		line, col := doc.KeyPos("", id)
		entry, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s:%d:%d: control %s: want {active: bool, verified_at: time}", path, line, col, id)
		}
		active, ok := entry["active"].(bool)
		if !ok {
			return nil, fmt.Errorf("%s:%d:%d: control %s: active must be true or false", path, line, col, id)
		}
		st := gate.ControlStatus{Active: active}
		if s, ok := entry["verified_at"].(string); ok {
			if st.VerifiedAt, err = time.Parse(time.RFC3339, s); err != nil || !rfc3339Offset(s) {
				return nil, fmt.Errorf("%s:%d:%d: control %s: verified_at %q is not an RFC 3339 time", path, line, col, id, s)
			}
		} else {
			return nil, fmt.Errorf("%s:%d:%d: control %s: verified_at is required", path, line, col, id)
		}
		out[id] = st
	}
	return out, nil
}
