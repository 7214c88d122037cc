package approval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStripControllerFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "nothing to strip",
			in:   "# header\nexception_id: x\n\ntype: vulnerability_scan # inline\n",
			want: "# header\nexception_id: x\n\ntype: vulnerability_scan # inline\n",
		},
		{
			name: "block style controller fields at the end",
			in: "exception_id: x\n" +
				"expiry_date: \"2026-04-06\"\n" +
				"approved_by:\n" +
				"  - \"@sec-bob\"\n" +
				"  - \"@sec-sam\"\n" +
				"cab_approved_by:\n" +
				"  - \"@cab-erin\"\n" +
				"approval_date: \"2026-03-02\"\n" +
				"updated_at: \"2026-03-02T10:00:00Z\"\n",
			want: "exception_id: x\nexpiry_date: \"2026-04-06\"\n",
		},
		{
			name: "flow style controller fields",
			in:   "exception_id: x\napproved_by: [\"@sec-bob\", \"@sec-sam\"]\ncab_approved_by: {first: erin}\ntype: t\n",
			want: "exception_id: x\ntype: t\n",
		},
		{
			name: "controller key in the middle keeps comments and blank lines around other fields",
			in: "# yaml-language-server: $schema=x\n" +
				"exception_id: x\n" +
				"\n" +
				"# The state, written by exctl.\n" +
				"status: approved # set by exctl\n" +
				"\n" +
				"# Why we need it.\n" +
				"justification: >\n" +
				"  folded text\n" +
				"\n" +
				"  # not a comment: part of the folded text\n" +
				"requested_by: a@example.com\n",
			want: "# yaml-language-server: $schema=x\n" +
				"exception_id: x\n" +
				"\n" +
				"# Why we need it.\n" +
				"justification: >\n" +
				"  folded text\n" +
				"\n" +
				"  # not a comment: part of the folded text\n" +
				"requested_by: a@example.com\n",
		},
		{
			name: "a comment separated by a blank line stays with the field above",
			in:   "a: 1\n# about a\n\nstatus: pending\nb: 2\n",
			want: "a: 1\n# about a\n\nb: 2\n",
		},
		{
			name: "multi-line controller value with an indented comment",
			in:   "a: 1\ndenial_reason: |\n  too broad\n  # still text\ndenied_by:\n  # who\n  - bob\nb: 2\n",
			want: "a: 1\nb: 2\n",
		},
		{
			name: "nested keys with controller names are content",
			in:   "risk:\n  status: high\n  approved_by: nobody\nstatus: pending\n",
			want: "risk:\n  status: high\n  approved_by: nobody\n",
		},
		{
			name: "quoted controller key",
			in:   "\"status\": pending\n'updated_at': x\na: 1\n",
			want: "a: 1\n",
		},
		{
			name: "CRLF line endings",
			in:   "a: 1\r\nstatus: pending\r\nb: 2\r\n",
			want: "a: 1\r\nb: 2\r\n",
		},
		{
			name: "no final newline",
			in:   "a: 1\nstatus: pending",
			want: "a: 1\n",
		},
		{
			name: "only controller fields",
			in:   "status: pending\nupdated_at: x\n",
			want: "",
		},
		{
			name: "keep chomping keeps its blank line",
			in:   "a: |+\n  x\n\nstatus: pending\n",
			want: "a: |+\n  x\n\n",
		},
		{
			name: "a quoted continuation line above a real comment",
			in:   "a: \"foo\n#bar\"\n# real comment\nstatus: x\nb: 2\n",
			want: "a: \"foo\n#bar\"\nb: 2\n",
		},
		{
			name: "a quoted continuation line that looks like a comment is not one",
			in:   "a: \"foo\n#bar\"\nstatus: x\nb: 2\n",
			want: "a: \"foo\n#bar\"\nb: 2\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StripControllerFields([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestStripControllerFieldsErrors(t *testing.T) {
	tests := []struct {
		name, in, msg string
	}{
		{"empty", "", "empty record"},
		{"not a mapping", "- a\n- b\n", "not a mapping"},
		{"flow mapping", "{a: 1, status: pending}\n", "flow mapping"},
		{"several documents", "a: 1\n---\nb: 2\n", "several YAML documents"},
		{"invalid YAML", "a: [\n", "strip controller fields"},
		{"explicit key", "? status\n: pending\nb: 2\n", "does not start its own line"},
		{"anchor used by another field", "status: &s pending\nb: *s\n", "strip controller fields"},
		{"controller key through an alias", "a: &k status\n*k : pending\n", "controller field survives"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := StripControllerFields([]byte(tt.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

// TestStripControllerFieldsRecordedVersion is the --record round trip: the
// version a reviewer approved and the version exctl wrote after the
// approval strip to the same bytes.
func TestStripControllerFieldsRecordedVersion(t *testing.T) {
	reviewed := vulnRecord(vulnID, "alice@example.com", "The vendor has not released a fix yet.", "")
	recorded := []byte(stringsReplace(string(reviewed), "status: pending", "status: approved") +
		"approved_by: [\"@bob\"]\napproval_date: \"2026-03-02\"\nupdated_at: \"2026-03-02T10:00:00Z\"\n")
	a, err := StripControllerFields(reviewed)
	require.NoError(t, err)
	b, err := StripControllerFields(recorded)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
	assert.NotContains(t, string(a), "status:")
}

// TestStripControllerFieldsRepositoryRecords strips the records this
// repository ships, which carry every controller field.
func TestStripControllerFieldsRepositoryRecords(t *testing.T) {
	paths, err := filepath.Glob("../../exceptions/*/*.yaml")
	require.NoError(t, err)
	if len(paths) == 0 {
		t.Skip("no records in exceptions/")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			out, err := StripControllerFields(data)
			require.NoError(t, err)
			keys := topLevelKeys(t, out)
			for _, k := range []string{"status", "approved_by", "cab_approved_by", "approval_date", "updated_at"} {
				assert.NotContains(t, keys, k)
			}
			assert.Contains(t, keys, "exception_id")
		})
	}
}
