// An external test package: validate reads exception entries through the
// gate, so the gate's own tests cannot import validate.
package gate_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/gate"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/validate"
)

// FuzzIntent checks that a deployment intent the schema accepts always
// decodes, and that deciding over it never panics: the intent comes from
// the pipeline that asks for the deployment.
func FuzzIntent(f *testing.F) {
	demo, err := os.ReadFile("testdata/demo/intent.yaml")
	require.NoError(f, err)
	f.Add(demo)
	f.Add([]byte("id: x\napplication: a\nenvironment: production\n"))
	f.Add([]byte("id: x\napplication: a\nenvironment: production\nboundary: {source: a, target: b}\n" +
		"artifacts: [{name: n, digest: 'sha256:0123', signed: false}]\ngates: [{name: g, threshold: 80, actual: 79.5, passed: false}]\nexceptions: []\n"))
	s, err := validate.CompileSchemas()
	require.NoError(f, err)
	pol := policy.Default()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := load.Parse("intent.yaml", data)
		if err != nil || len(validate.Check(s.DeploymentIntent, doc)) > 0 {
			return
		}
		in, err := gate.IntentFromValue(doc.Value())
		if err != nil {
			t.Fatalf("schema-valid intent does not decode: %v\n%s", err, data)
		}
		d := gate.Decide(gate.Input{Intent: in, Policy: pol, Now: now, Window: time.Hour})
		if d == nil {
			t.Fatal("no decision")
		}
	})
}
