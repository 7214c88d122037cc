package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// scoreValue is a CVSS score that tools write either as a string ("8.8", as
// GitHub specifies for security-severity) or as a number.
type scoreValue struct {
	set  bool
	text string
	seen bool // the key was present, so a second value is refused
}

func (v *scoreValue) UnmarshalJSON(b []byte) error {
	if v.seen {
		return repeated(stringType)
	}
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*v = scoreValue{seen: true}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &valueError{"bad score string"}
		}
		*v = scoreValue{set: strings.TrimSpace(s) != "", text: strings.TrimSpace(s), seen: true}
	case len(b) > 0 && (b[0] == '-' || ('0' <= b[0] && b[0] <= '9')):
		*v = scoreValue{set: true, text: string(b), seen: true}
	default:
		return &valueError{"score is neither a string nor a number"}
	}
	return nil
}

// severity rates the score: ok is false for a score of 0, which callers
// treat as no score. A text that is no number but a severity name ("high")
// is accepted, since some SARIF producers write that.
func (v scoreValue) severity() (sev Severity, ok bool, err error) {
	f, perr := strconv.ParseFloat(v.text, 64)
	if perr != nil {
		if s, err := ParseSeverity(v.text); err == nil {
			return s, true, nil
		}
		return Unknown, false, fmt.Errorf("%q is neither a CVSS score nor a severity", v.text)
	}
	if math.IsNaN(f) || f < 0 || f > 10 {
		return Unknown, false, fmt.Errorf("CVSS score %s is outside 0 to 10", v.text)
	}
	if f == 0 {
		return Unknown, false, nil
	}
	return SeverityFromScore(f), true, nil
}

type sarifProperties struct {
	SecuritySeverity scoreValue `json:"security-severity"`
}

type sarifRule struct {
	ID                   text `json:"id"`
	DefaultConfiguration one[*struct {
		Level text `json:"level"`
	}] `json:"defaultConfiguration"`
	Properties one[sarifProperties] `json:"properties"`
}

// sarifComponent is the driver or an extension of a run's tool.
type sarifComponent struct {
	name  string
	rules []sarifRule
	byID  map[string]int // built on first lookup
}

func (c *sarifComponent) rule(index *int, id string) *sarifRule {
	if index != nil && *index >= 0 && *index < len(c.rules) {
		if r := &c.rules[*index]; id == "" || r.ID.s == id {
			return r
		}
	}
	if id == "" {
		return nil
	}
	if c.byID == nil {
		c.byID = make(map[string]int, len(c.rules))
		for i := len(c.rules) - 1; i >= 0; i-- {
			c.byID[c.rules[i].ID.s] = i
		}
	}
	if i, ok := c.byID[id]; ok {
		return &c.rules[i]
	}
	return nil
}

type sarifResult struct {
	RuleID    text      `json:"ruleId"`
	RuleIndex one[*int] `json:"ruleIndex"`
	Rule      one[*struct {
		ID            text      `json:"id"`
		Index         one[*int] `json:"index"`
		ToolComponent one[*struct {
			Index one[*int] `json:"index"`
			Name  text      `json:"name"`
		}] `json:"toolComponent"`
	}] `json:"rule"`
	Kind    text `json:"kind"`
	Level   text `json:"level"`
	Message one[struct {
		Text text `json:"text"`
	}] `json:"message"`
	Locations one[[]struct {
		PhysicalLocation one[struct {
			ArtifactLocation one[struct {
				URI text `json:"uri"`
			}] `json:"artifactLocation"`
		}] `json:"physicalLocation"`
	}] `json:"locations"`
	Properties   one[sarifProperties] `json:"properties"`
	Suppressions one[[]struct {
		Status text `json:"status"`
	}] `json:"suppressions"`
}

// sarifPending is a result whose rule may not have been read yet: SARIF
// does not order "tool" before "results" within a run.
type sarifPending struct {
	path       string
	res        sarifResult
	suppressed bool
	pkg, ver   string
}

type sarifRun struct {
	driver     sarifComponent
	extensions []sarifComponent
	pending    []sarifPending
}

func (p *parser) sarifRuns() error {
	ok, err := p.w.enter("runs", '[')
	if !ok {
		return err
	}
	return p.w.eachElem("runs", p.sarifRun)
}

func (p *parser) sarifRun(i int) error {
	path := fmt.Sprintf("runs[%d]", i)
	ok, err := p.w.enter(path, '{')
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s: null", ErrInvalid, path)
	}
	var run sarifRun
	sawTool := false
	err = p.w.eachKey(path, []string{"tool", "results"}, func(key string) error {
		switch key {
		case "tool":
			sawTool = true
			return p.sarifTool(path+".tool", &run)
		case "results":
			return p.sarifResults(path+".results", &run)
		}
		return p.w.skip(path + "." + key)
	})
	if err != nil {
		return err
	}
	if !sawTool {
		return fmt.Errorf("%w: %s has no tool", ErrInvalid, path)
	}
	for _, pr := range run.pending {
		f, err := run.finding(pr)
		if err != nil {
			return err
		}
		if pr.suppressed {
			p.rep.Suppressed = append(p.rep.Suppressed, f)
		} else {
			p.rep.Findings = append(p.rep.Findings, f)
		}
	}
	return nil
}

func (p *parser) sarifTool(path string, run *sarifRun) error {
	ok, err := p.w.enter(path, '{')
	if !ok {
		return err
	}
	return p.w.eachKey(path, []string{"driver", "extensions"}, func(key string) error {
		switch key {
		case "driver":
			return p.sarifComponent(path+".driver", &run.driver)
		case "extensions":
			ok, err := p.w.enter(path+".extensions", '[')
			if !ok {
				return err
			}
			return p.w.eachElem(path+".extensions", func(k int) error {
				var c sarifComponent
				if err := p.sarifComponent(fmt.Sprintf("%s.extensions[%d]", path, k), &c); err != nil {
					return err
				}
				run.extensions = append(run.extensions, c)
				return nil
			})
		}
		return p.w.skip(path + "." + key)
	})
}

func (p *parser) sarifComponent(path string, c *sarifComponent) error {
	ok, err := p.w.enter(path, '{')
	if !ok {
		return err
	}
	return p.w.eachKey(path, []string{"name", "rules"}, func(key string) error {
		switch key {
		case "name":
			return p.w.decode(path+".name", &c.name)
		case "rules":
			ok, err := p.w.enter(path+".rules", '[')
			if !ok {
				return err
			}
			return p.w.eachElem(path+".rules", func(k int) error {
				var r sarifRule
				if err := p.w.decode(fmt.Sprintf("%s.rules[%d]", path, k), &r); err != nil {
					return err
				}
				c.rules = append(c.rules, r)
				return nil
			})
		}
		return p.w.skip(path + "." + key)
	})
}

func (p *parser) sarifResults(path string, run *sarifRun) error {
	ok, err := p.w.enter(path, '[')
	if !ok {
		return err
	}
	return p.w.eachElem(path, func(j int) error {
		elem := fmt.Sprintf("%s[%d]", path, j)
		var r sarifResult
		if err := p.w.decode(elem, &r); err != nil {
			return err
		}
		switch r.Kind.s {
		case "", "fail", "open", "review":
		case "pass", "notApplicable", "informational":
			return nil // not a problem the tool found
		default:
			return fmt.Errorf("%w: %s: unknown kind %q", ErrInvalid, elem, r.Kind.s)
		}
		pr := sarifPending{path: elem, res: r}
		// SARIF §3.27.23: suppressed when a suppression is accepted (or
		// has no status) and none is under review or rejected.
		inEffect, contested := false, false
		for k, s := range r.Suppressions.v {
			switch s.Status.s {
			case "", "accepted":
				inEffect = true
			case "underReview", "rejected":
				contested = true
			default:
				return fmt.Errorf("%w: %s.suppressions[%d]: unknown status %q", ErrInvalid, elem, k, s.Status.s)
			}
		}
		pr.suppressed = inEffect && !contested
		// Trivy writes the package only into the message text.
		pr.pkg, pr.ver = trivyMessagePackage(r.Message.v.Text.s)
		pr.res.Message.v.Text.s = ""
		run.pending = append(run.pending, pr)
		return nil
	})
}

// trivyMessagePackage reads "Package: X" and "Installed Version: Y" lines,
// the form of Trivy's SARIF result messages.
func trivyMessagePackage(text string) (pkg, version string) {
	if !strings.HasPrefix(text, "Package: ") {
		return "", ""
	}
	for line := range strings.SplitSeq(text, "\n") {
		if v, ok := strings.CutPrefix(line, "Package: "); ok && pkg == "" {
			pkg = strings.TrimSpace(v)
		} else if v, ok := strings.CutPrefix(line, "Installed Version: "); ok && version == "" {
			version = strings.TrimSpace(v)
		}
	}
	return pkg, version
}

// rule finds the rule a result refers to: by index in the component that
// rule.toolComponent names (the driver when none), else by id.
func (run *sarifRun) rule(res *sarifResult) (*sarifRule, error) {
	id := res.RuleID.s
	index := res.RuleIndex.v
	comp := &run.driver
	if rr := res.Rule.v; rr != nil {
		if id == "" {
			id = rr.ID.s
		}
		if rr.Index.v != nil {
			index = rr.Index.v
		}
		if tc := rr.ToolComponent.v; tc != nil {
			switch tci := tc.Index.v; {
			case tci != nil && *tci >= 0 && *tci < len(run.extensions):
				comp = &run.extensions[*tci]
			case tci == nil && tc.Name.s != "":
				comp = nil
				for k := range run.extensions {
					if run.extensions[k].name == tc.Name.s {
						comp = &run.extensions[k]
						break
					}
				}
				if comp == nil && tc.Name.s == run.driver.name {
					comp = &run.driver
				}
			default:
				comp = nil
			}
			if comp == nil {
				return nil, fmt.Errorf("refers to a tool component that the run does not have")
			}
		}
	}
	if r := comp.rule(index, id); r != nil {
		return r, nil
	}
	// Some producers put rules into extensions without saying so.
	if res.Rule.v == nil || res.Rule.v.ToolComponent.v == nil {
		for k := range run.extensions {
			if r := run.extensions[k].rule(nil, id); r != nil {
				return r, nil
			}
		}
	}
	return nil, nil
}

var sarifLevels = map[string]Severity{
	"error":   High,
	"warning": Medium,
	"note":    Low,
	"none":    Negligible,
}

func (run *sarifRun) finding(pr sarifPending) (Finding, error) {
	res := &pr.res
	rule, err := run.rule(res)
	if err != nil {
		return Finding{}, fmt.Errorf("%w: %s: %v", ErrInvalid, pr.path, err)
	}
	id := res.RuleID.s
	if id == "" && res.Rule.v != nil {
		id = res.Rule.v.ID.s
	}
	if id == "" && rule != nil {
		id = rule.ID.s
	}
	if id == "" {
		return Finding{}, fmt.Errorf("%w: %s: no ruleId", ErrInvalid, pr.path)
	}

	sev, rated := Unknown, false
	score := res.Properties.v.SecuritySeverity
	if !score.set && rule != nil {
		score = rule.Properties.v.SecuritySeverity
	}
	if score.set {
		if sev, rated, err = score.severity(); err != nil {
			return Finding{}, fmt.Errorf("%w: %s (%s): security-severity %v", ErrInvalid, pr.path, id, err)
		}
	}
	if !rated {
		level := res.Level.s
		if level == "" && rule != nil && rule.DefaultConfiguration.v != nil {
			level = rule.DefaultConfiguration.v.Level.s
		}
		if level == "" {
			level = "warning"
		}
		var ok bool
		if sev, ok = sarifLevels[level]; !ok {
			return Finding{}, fmt.Errorf("%w: %s (%s): unknown level %q", ErrInvalid, pr.path, id, level)
		}
	}

	f := Finding{ID: id, Severity: sev, Package: pr.pkg, Version: pr.ver, Source: FormatSARIF}
	if locs := res.Locations.v; len(locs) > 0 {
		f.Target = locs[0].PhysicalLocation.v.ArtifactLocation.v.URI.s
	}
	return f, nil
}
