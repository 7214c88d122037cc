package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/cli"
)

func bundledPolicy(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "exceptions", "policy.yaml"))
	require.NoError(t, err)
	return data
}

func generate(t testing.TB, n int, seed uint64) *Corpus {
	t.Helper()
	c, err := Generate(t.TempDir(), GenOptions{N: n, Seed: seed, InvalidRate: 0.02, Policy: bundledPolicy(t)})
	require.NoError(t, err)
	return c
}

// TestGenerateFailsExactlyThePlanted runs the real validate command over a
// corpus: the planted records, and only they, have errors.
func TestGenerateFailsExactlyThePlanted(t *testing.T) {
	n := 1000 // 20 planted: every kind at least three times
	if testing.Short() {
		n = 600
	}
	c := generate(t, n, 7)
	require.Len(t, c.Records, n)
	require.Len(t, c.Invalid, int(float64(n)*0.02+0.5))
	kinds := map[Kind]int{}
	for _, p := range c.Invalid {
		kinds[p.Kind]++
	}
	for _, k := range Kinds {
		assert.NotZero(t, kinds[k], "no record planted with %s", k)
	}

	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), []string{"validate", "--repo", c.Dir, "--format", "json", "--now", Now.Format("2006-01-02T15:04:05Z07:00")}, &stdout, &stderr)
	require.Equal(t, cli.ExitNo, code, stderr.String())
	got, err := ExctlInvalid(stdout.Bytes())
	require.NoError(t, err)
	for p, planted := range c.Invalid {
		assert.Contains(t, got, p, "planted %s (%s) not reported", planted.Kind, planted.Detail)
	}
	var report struct {
		Findings []struct {
			File, Level, Rule, Message string
		}
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &report))
	for _, f := range report.Findings {
		if _, planted := c.Invalid[f.File]; !planted && f.Level == "error" {
			t.Errorf("unplanted error: %s: %s: %s", f.File, f.Rule, f.Message)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	digest := func(c *Corpus) [32]byte {
		h := sha256.New()
		for _, p := range c.Records {
			data, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(p)))
			require.NoError(t, err)
			h.Write([]byte(p))
			h.Write(data)
		}
		return [32]byte(h.Sum(nil))
	}
	a, b := generate(t, 200, 42), generate(t, 200, 42)
	assert.Equal(t, digest(a), digest(b))
	assert.Equal(t, a.Invalid, b.Invalid)
	assert.NotEqual(t, digest(a), digest(generate(t, 200, 43)))
}

func TestGenerateRefusesAFullDirectory(t *testing.T) {
	c := generate(t, 10, 1)
	_, err := Generate(c.Dir, GenOptions{N: 10, Seed: 1, Policy: bundledPolicy(t)})
	assert.Error(t, err)
}
