package edit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const record = `# yaml-language-server: $schema=../../schemas/exception.schema.json
exception_id: 3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21
type: vulnerability_scan
status: pending   # set by exctl
justification: >
  Long text
  over lines.
requested_by: alice@example.com
vulnerabilities:
  - {cve: CVE-2024-1234, severity: High, component: library-v1.2.3}

# Controls agreed with the platform team.
compensating_controls:
  - Network isolation
expiry_date: 2026-04-06
created_at: 2026-01-06T00:00:00Z
`

func TestSetRecordsApproval(t *testing.T) {
	got, err := Set([]byte(record), []Field{
		{Key: "status", Value: "approved"},
		{Key: "approved_by", Value: []string{"@sec-bob"}},
		{Key: "cab_approved_by", Value: []string{"@cab-erin"}},
		{Key: "approval_date", Value: "2026-01-07"},
		{Key: "updated_at", Value: "2026-01-07T10:00:00Z"},
	})
	require.NoError(t, err)
	want := `# yaml-language-server: $schema=../../schemas/exception.schema.json
exception_id: 3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21
type: vulnerability_scan
status: approved # set by exctl
justification: >
  Long text
  over lines.
requested_by: alice@example.com
vulnerabilities:
  - {cve: CVE-2024-1234, severity: High, component: library-v1.2.3}

# Controls agreed with the platform team.
compensating_controls:
  - Network isolation
expiry_date: 2026-04-06
created_at: 2026-01-06T00:00:00Z
approved_by: ['@sec-bob']
cab_approved_by: ['@cab-erin']
approval_date: "2026-01-07"
updated_at: "2026-01-07T10:00:00Z"
`
	assert.Equal(t, want, string(got))
}

func TestSetReplacesAndRemoves(t *testing.T) {
	approved, err := Set([]byte(record), []Field{{Key: "status", Value: "approved"}, {Key: "approved_by", Value: []string{"a", "b"}}, {Key: "updated_at", Value: "x"}})
	require.NoError(t, err)
	// Setting again replaces; nil removes.
	got, err := Set(approved, []Field{{Key: "status", Value: "pending"}, {Key: "approved_by", Value: nil}, {Key: "updated_at", Value: "y"}})
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, yaml.Unmarshal(got, &v))
	assert.Equal(t, "pending", v["status"])
	assert.NotContains(t, v, "approved_by")
	assert.Equal(t, "y", v["updated_at"])
	assert.Contains(t, string(got), "status: pending # set by exctl\n")
}

func TestSetMultiLineValueInTheMiddle(t *testing.T) {
	in := "a: 1\napproved_by:\n  - x\n  - y\n# about b\nb: 2\n"
	got, err := Set([]byte(in), []Field{{Key: "approved_by", Value: []string{"z"}}})
	require.NoError(t, err)
	assert.Equal(t, "a: 1\n# about b\nb: 2\napproved_by: [z]\n", string(got))
}

func TestSetKeepsCRLFAndAddsNewline(t *testing.T) {
	got, err := Set([]byte("a: 1\r\nstatus: pending\r\nb: 2"), []Field{{Key: "status", Value: "denied"}, {Key: "denied_by", Value: []string{"@x"}}})
	require.NoError(t, err)
	assert.Equal(t, "a: 1\r\nstatus: denied\r\nb: 2\ndenied_by: ['@x']\n", string(got))
}

func TestSetRejects(t *testing.T) {
	for _, in := range []string{"", "{a: 1}", "- a\n", "a: [\n"} {
		_, err := Set([]byte(in), []Field{{Key: "status", Value: "approved"}})
		assert.Error(t, err, "%q", in)
	}
}
