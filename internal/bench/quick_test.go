package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/validate"
)

// validate.Check answers valid records without the schema library when it
// can. That shortcut must never accept what the library rejects, nor reject
// what it accepts; this test holds Check to the library on the generated
// records and on many random mutations of them, each a small edit of the
// kind people make (a field dropped, a value of another type, a string
// that breaks a pattern or a format, an extra key, a duplicate item).
func TestCheckAgreesWithTheSchemaLibrary(t *testing.T) {
	n, mutations := 250, 16
	if testing.Short() {
		n, mutations = 100, 8
	}
	c := generate(t, n, 11)
	schemas, err := validate.CompileSchemas()
	require.NoError(t, err)
	sch := schemas.Exception
	rng := rand.New(rand.NewPCG(3, 4))

	rejected := 0
	// A mutated value is written out as YAML and parsed again: Check reads
	// the node tree, the library the JSON value built from it.
	agree := func(name string, v any) {
		t.Helper()
		data, err := yaml.Marshal(v)
		require.NoError(t, err)
		doc, err := load.Parse(name, data)
		require.NoError(t, err, "%s", data)
		libOK := sch.Validate(doc.Value()) == nil
		if !libOK {
			rejected++
		}
		checkOK := len(validate.Check(sch, doc)) == 0
		if libOK != checkOK {
			t.Errorf("%s: library valid=%v, Check valid=%v", name, libOK, checkOK)
		}
	}
	bundled, _ := filepath.Glob(filepath.Join("..", "..", "exceptions", "*", "*.yaml"))
	for _, p := range append(bundled, absolute(c)...) {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		doc, err := load.Parse(p, data)
		require.NoError(t, err)
		agree(p, doc.Value())
		for i := range mutations {
			v := clone(doc.Value())
			mutate(rng, v)
			agree(fmt.Sprintf("%s mutation %d", p, i), v)
		}
	}
	t.Logf("%d values, %d of them invalid", len(c.Records)*(mutations+1)+len(bundled), rejected)
}

func absolute(c *Corpus) []string {
	out := make([]string, len(c.Records))
	for i, p := range c.Records {
		out[i] = filepath.Join(c.Dir, filepath.FromSlash(p))
	}
	return out
}

func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = clone(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = clone(x)
		}
		return s
	}
	return v
}

// replacements are values a mutation may put anywhere: every JSON type,
// strings that are and are not dates, times, ids, e-mails and logins.
var replacements = []any{
	nil, true, false, int64(0), int64(90), float64(2.5), float64(3), "", "x", "ok",
	"2026-02-30", "2026-12-01", "2026-12-01T00:00:00Z", "2026-13-01T00:00:00Z",
	"CVE-2024-1234", "CVE-24-1234", "GHSA-jmj5-ghmw-w348", "GHSA-abcd-efgh-ijkl",
	"alice@example.com", "@alice", "not an e-mail", "@acme/payments",
	"0d6b8a4c-2e1f-4f3a-b5c7-9e8d1a2b3c4d", "0D6B8A4C-2E1F-4F3A-B5C7-9E8D1A2B3C4D",
	"pending", "approved", "denied", "expired", "active",
	"vulnerability_scan", "unsigned_package", "cross_boundary", "gate_override",
	"Critical", "Severe", "internet", "public", "net-isolation", "Net Isolation",
	"5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", "pkg:npm/lodash",
	[]any{}, []any{"@alice"}, []any{"@alice", "@alice"}, map[string]any{},
	map[string]any{"id": "x1", "specific": "abc", "measurable": "abc", "enforceable": "abc"},
}

var keys = []string{
	"exception_id", "type", "status", "justification", "requested_by", "owners", "scope",
	"vulnerabilities", "packages", "boundary", "blast_radius", "gate", "compensating_controls",
	"risk", "expiry_date", "approved_by", "cab_approved_by", "approval_date", "denied_by",
	"created_at", "cve", "severity", "component", "purl", "id", "exposure", "privileged", "unknown",
}

// mutate makes one random edit somewhere in v.
func mutate(rng *rand.Rand, v any) {
	for {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 || rng.IntN(4) == 0 {
				editMap(rng, x)
				return
			}
			k := anyKey(rng, x)
			if child, ok := x[k].(map[string]any); ok && rng.IntN(2) == 0 {
				v = child
				continue
			}
			if child, ok := x[k].([]any); ok && len(child) > 0 && rng.IntN(2) == 0 {
				v = child
				continue
			}
			editMap(rng, x)
			return
		case []any:
			i := rng.IntN(len(x))
			switch child := x[i].(type) {
			case map[string]any:
				if rng.IntN(3) > 0 {
					v = child
					continue
				}
			}
			switch rng.IntN(3) {
			case 0:
				x[i] = replacements[rng.IntN(len(replacements))]
			case 1:
				x[(i+1)%len(x)] = clone(x[i]) // a duplicate item
			default:
				x[i] = clone(x[rng.IntN(len(x))])
			}
			return
		default:
			return
		}
	}
}

func editMap(rng *rand.Rand, m map[string]any) {
	switch rng.IntN(3) {
	case 0:
		if len(m) > 0 {
			delete(m, anyKey(rng, m))
			return
		}
		fallthrough
	case 1:
		m[keys[rng.IntN(len(keys))]] = replacements[rng.IntN(len(replacements))]
	default:
		if len(m) > 0 {
			m[anyKey(rng, m)] = replacements[rng.IntN(len(replacements))]
		}
	}
}

// anyKey picks a key of m; sorted first, so a seed always edits the same.
func anyKey(rng *rand.Rand, m map[string]any) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks[rng.IntN(len(ks))]
}

// FuzzCheckAgrees holds Check to the schema library on any YAML document
// the loader accepts.
func FuzzCheckAgrees(f *testing.F) {
	bundled, _ := filepath.Glob(filepath.Join("..", "..", "exceptions", "*", "*.yaml"))
	for _, p := range bundled {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("exception_id: x\ntype: gate_override\nstatus: approved\n"))
	schemas, err := validate.CompileSchemas()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := load.Parse("f.yaml", data)
		if err != nil {
			return
		}
		for _, sch := range []*jsonschema.Schema{schemas.Exception, schemas.Policy} {
			libOK := sch.Validate(doc.Value()) == nil
			checkOK := len(validate.Check(sch, doc)) == 0
			if libOK != checkOK {
				t.Fatalf("library valid=%v, Check valid=%v for\n%s", libOK, checkOK, data)
			}
		}
	})
}
