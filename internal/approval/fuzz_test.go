package approval

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
)

func topLevelKeys(t testing.TB, data []byte) []string {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	var keys []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		keys = append(keys, root.Content[i].Value)
	}
	return keys
}

// FuzzStripControllerFields checks that no input panics and that whatever
// StripControllerFields accepts comes back as the same record without its
// controller fields: no top-level controller key survives, and every other
// field decodes to exactly what it was.
func FuzzStripControllerFields(f *testing.F) {
	f.Add(vulnRecord(vulnID, "alice@example.com", "x", "approved_by: [\"@bob\"]\nupdated_at: \"2026-03-02T10:00:00Z\"\n"))
	f.Add(crossRecord(crossID, "@carol", "cab_approved_by:\n  - erin\n"))
	f.Add([]byte("# c\nstatus: pending # x\n\n# d\na: |\n  #t\nb: \"q\n#r\"\ndenied_by: [a,\n  b]\n"))
	f.Add([]byte("a: &x status\n*x : 1\n<<: {status: 2}\n"))
	f.Add([]byte("{status: 1}\n"))
	f.Add([]byte("? status\n: 1\n"))
	f.Add([]byte("a: 'x\nstatus: y'\nstatus: z\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := StripControllerFields(data)
		if err != nil {
			return
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("stripped record does not parse: %v\n%q", err, out)
		}
		if len(doc.Content) == 1 {
			root := doc.Content[0]
			for i := 0; i+1 < len(root.Content); i += 2 {
				if k := root.Content[i]; k.Kind == yaml.ScalarNode && exception.IsControllerField(k.Value) {
					t.Fatalf("controller key %s survives at line %d:\n%q", k.Value, k.Line, out)
				}
			}
		}
		var before, after any
		if err := yaml.Unmarshal(data, &before); err != nil {
			t.Fatalf("accepted input does not decode: %v", err)
		}
		if err := yaml.Unmarshal(out, &after); err != nil {
			t.Fatalf("stripped record does not decode: %v", err)
		}
		if after == nil {
			after = map[string]any{}
		}
		if !reflect.DeepEqual(withoutControllerKeys(before), after) {
			t.Fatalf("other fields changed:\n%q\n%q", data, out)
		}
		// Stripping is idempotent, except that a record of controller
		// fields only leaves no record at all.
		again, err := StripControllerFields(out)
		if err != nil {
			require.Empty(t, after, "restripping failed: %v", err)
			return
		}
		require.Equal(t, string(out), string(again))
	})
}
