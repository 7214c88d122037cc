package validate

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runPatterns are patterns classRuns must read, and others it must leave
// to regexp.
var runPatterns = map[string]bool{
	`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`:                                   true,
	`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`: true,
	`^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`:                            true,
	`^[a-z0-9][a-z0-9._-]{0,63}$`:                                    true,
	`^pkg:[a-z]+$`:                                                   true,
	`^\d\d?$`:                                                        true,
	`^\d?\d$`:                                                        false, // a variable run before the last
	`^[a-z][a-z0-9_-]{0,63}$`:                                        true,
	`^(sha256:)?[0-9a-fA-F]{64}$`:                                    false,
	`^pkg:`:                                                          false,
	`^([0-9]+(\.[0-9]+)?(h|m|s))+$`:                                  false,
	`^@?[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`:                                       false,
	`^(?:@[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+)$`: false,
	`^$`:                       true,
	`^x*$`:                     true,
	`^[a-c]{2,}$`:              true,
	`^(sha256:)?[0-9a-f]{64}$`: false,
	`^(CVE-[0-9]{4}-[0-9]{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$`: false,
	`^pkg:[A-Za-z.+-][A-Za-z0-9.+-]*/`:                               false, // not anchored at the end
	`[0-9]+$`:                                                        false, // not anchored at the start
	`^[^@\s]+$`:                                                      false, // not ASCII
	`^(?i)abc$`:                                                      false,
	`^é$`:                                                            false,
	`^a.c$`:                                                          false,
	`^(?:@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?|[^@\s]+@[^@\s]+\.[^@\s]+)$`: false,
}

// classRuns answers as regexp does, on strings made of what the patterns
// are made of and of what they must refuse.
func TestClassRunsAgreeWithRegexp(t *testing.T) {
	alphabet := []string{"0", "9", "a", "f", "g", "z", "A", "Z", "-", ".", "_", "/", ":", "@", " ", "\n", "é", "\xff", "p", "k", "x", "c"}
	rng := rand.New(rand.NewPCG(3, 4))
	for pattern, runs := range runPatterns {
		re := regexp.MustCompile(pattern)
		rs, ok := compileRuns(re)
		require.Equal(t, runs, ok, pattern)
		if !ok {
			continue
		}
		for range 20000 {
			var s []byte
			for range rng.IntN(70) {
				s = append(s, alphabet[rng.IntN(len(alphabet))]...)
			}
			assert.Equal(t, re.MatchString(string(s)), rs.match(string(s)), "%s on %q", pattern, s)
		}
		// Strings the pattern accepts, and each with one byte changed.
		for range 2000 {
			s := sample(rng, rs)
			require.True(t, re.MatchString(s), "%s: sample %q", pattern, s)
			require.True(t, rs.match(s), "%s: sample %q", pattern, s)
			if len(s) > 0 {
				b := []byte(s)
				b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))][0]
				assert.Equal(t, re.MatchString(string(b)), rs.match(string(b)), "%s on %q", pattern, b)
			}
		}
	}
}

// sample writes a string the runs accept.
func sample(rng *rand.Rand, rs classRuns) string {
	var s []byte
	for _, r := range rs {
		n := r.min
		if r.max != r.min {
			hi := r.max
			if hi == -1 {
				hi = r.min + 5
			}
			n = r.min + rng.IntN(hi-r.min+1)
		}
		var members []byte
		for c := range byte(128) {
			if r.has(c) {
				members = append(members, c)
			}
		}
		for range n {
			s = append(s, members[rng.IntN(len(members))])
		}
	}
	return string(s)
}

// Every pattern of the schemas that reads as runs is checked above; a new
// one is added to runPatterns.
func TestSchemaPatternsAreKnown(t *testing.T) {
	s, err := CompileSchemas()
	require.NoError(t, err)
	for _, root := range []*jsonschema.Schema{s.Exception, s.Policy, s.DeploymentIntent} {
		for _, sch := range reachable(newPlan(root, map[*jsonschema.Schema]*plan{}), map[*plan]bool{}) {
			if sch.s.Pattern == nil {
				continue
			}
			_, ok := compileRuns(sch.s.Pattern)
			want, known := runPatterns[sch.s.Pattern.String()]
			if assert.True(t, known, "pattern %s is not in runPatterns", sch.s.Pattern) {
				assert.Equal(t, want, ok, sch.s.Pattern.String())
			}
		}
	}
}

// FuzzClassRuns holds classRuns to regexp's answer for any pattern it
// reads and any string.
func FuzzClassRuns(f *testing.F) {
	for pattern := range runPatterns {
		f.Add(pattern, "2026-01-02")
		f.Add(pattern, "payments-api")
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		rs, ok := compileRuns(re)
		if !ok {
			return
		}
		if got, want := rs.match(s), re.MatchString(s); got != want {
			t.Fatalf("%s on %q: runs say %v, regexp %v", pattern, s, got, want)
		}
	})
}

// reachable lists p and every plan reachable from it, once each.
func reachable(p *plan, seen map[*plan]bool) []*plan {
	if p == nil || seen[p] {
		return nil
	}
	seen[p] = true
	out := []*plan{p}
	next := []*plan{p.additionalPlan, p.items, p.ref, p.ifP, p.thenP, p.elseP}
	next = append(next, p.allOf...)
	next = append(next, p.anyOf...)
	next = append(next, p.oneOf...)
	for _, np := range p.propList {
		next = append(next, np.plan)
	}
	for _, n := range next {
		out = append(out, reachable(n, seen)...)
	}
	return out
}
