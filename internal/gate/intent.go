package gate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Intent is what a pipeline is about to deploy
// (schemas/deployment-intent.schema.json).
type Intent struct {
	ID          string
	Application string
	Version     string
	Environment string
	Ring        string
	Boundary    *Boundary
	Artifacts   []Artifact
	Gates       []GateResult
	Scans       []string
	// Exceptions, when set, are the only exception ids that may cover this
	// deployment's needs.
	Exceptions []string
}

// Boundary is the pair of boundaries a deployment crosses.
type Boundary struct{ Source, Target string }

// Artifact is one deployed artifact.
type Artifact struct {
	Name    string
	Version string
	Digest  string // lowercase hex, without the sha256: prefix
	PURL    string
	Signed  bool
}

// GateResult is a promotion gate's outcome.
type GateResult struct {
	Name      string
	Threshold string
	Actual    string
	Passed    bool
}

// IntentFromValue builds an Intent from its schema-valid JSON value.
func IntentFromValue(v any) (*Intent, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("deployment intent is %T, want a mapping", v)
	}
	str := func(m map[string]any, k string) string {
		switch x := m[k].(type) {
		case string:
			return x
		case int64:
			return strconv.FormatInt(x, 10)
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return ""
	}
	in := &Intent{ID: str(m, "intent_id"), Application: str(m, "application"), Version: str(m, "version"), Environment: str(m, "environment"), Ring: str(m, "ring")}
	if b, ok := m["boundary"].(map[string]any); ok {
		in.Boundary = &Boundary{Source: str(b, "source"), Target: str(b, "target")}
	}
	for _, a := range list(m["artifacts"]) {
		signed, _ := a["signed"].(bool)
		in.Artifacts = append(in.Artifacts, Artifact{Name: str(a, "name"), Version: str(a, "version"), Digest: NormalizeDigest(str(a, "digest")), PURL: str(a, "purl"), Signed: signed})
	}
	for _, g := range list(m["promotion_gates"]) {
		passed, _ := g["passed"].(bool)
		in.Gates = append(in.Gates, GateResult{Name: str(g, "name"), Threshold: str(g, "threshold"), Actual: str(g, "actual"), Passed: passed})
	}
	if _, ok := m["exceptions"]; ok {
		// An explicit empty list links no exception: nothing may be used.
		in.Exceptions = []string{}
	}
	for _, key := range []string{"scans", "exceptions"} {
		raw, _ := m[key].([]any)
		for _, s := range raw {
			if s, ok := s.(string); ok {
				if key == "scans" {
					in.Scans = append(in.Scans, s)
				} else {
					in.Exceptions = append(in.Exceptions, strings.ToLower(s))
				}
			}
		}
	}
	return in, nil
}

func list(v any) []map[string]any {
	raw, _ := v.([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// NormalizeDigest lowercases a sha256 digest and drops its sha256: prefix.
func NormalizeDigest(d string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "sha256:"))
}

// Deploys reports whether an image with these digests (normalized as
// NormalizeDigest does) is one of the intent's artifacts. A report that names
// no digest (a file system or repository scan, SARIF, OSV-Scanner) cannot be
// tied to an artifact and is not refused here.
func (in *Intent) Deploys(digests []string) bool {
	if len(digests) == 0 {
		return true
	}
	for _, a := range in.Artifacts {
		if a.Digest != "" && slices.Contains(digests, a.Digest) {
			return true
		}
	}
	return false
}
