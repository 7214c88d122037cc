package validate

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/policy"
)

const validID = "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21"

// baseRecord is a valid pending vulnerability_scan record; cases edit it.
const baseRecord = `exception_id: 3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21
type: vulnerability_scan
status: pending
justification: No fixed package exists yet; the service is internal only.
requested_by: alice@example.com
vulnerabilities:
  - cve: CVE-2024-1234
    severity: High
    component: library-v1.2.3
compensating_controls:
  - id: net-isolation
    specific: Deploy to isolated VLAN 192.168.100.0/24
    measurable: Network monitoring confirms isolation
    enforceable: Firewall rules enforce VLAN boundaries
risk:
  exposure: internal
scope:
  environments: [staging]
expiry_date: 2026-04-06
created_at: 2026-01-06T00:00:00Z
`

var testNow = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)

func testPolicy() *policy.Policy {
	p := policy.Default()
	p.Groups["security"] = policy.Group{Key: "security", Name: "Security Reviewers", Org: "acme", Team: "sec"}
	p.Groups["cab"] = policy.Group{Key: "cab", Name: "CAB", Org: "acme", Team: "cab"}
	return p
}

func testChecker(t *testing.T) *Checker {
	t.Helper()
	s, err := CompileSchemas()
	require.NoError(t, err)
	return &Checker{Schemas: s, Policy: testPolicy(), Now: testNow, Dir: "exceptions"}
}

func recordPath(typ string) string { return "exceptions/" + typ + "/" + validID + ".yaml" }

func edit(s string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			panic("edit: " + pairs[i] + " not in record")
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func approved(extra string) string {
	return edit(baseRecord, "status: pending", "status: approved") + "approval_date: 2026-01-07\n" + extra
}

func TestRecordRules(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		record string
		rule   string // "" = no error findings
		pos    string // line:col of the first finding with rule
		level  Level
		absent string // a rule that must not fire, not even as a warning
	}{
		{name: "valid pending", record: baseRecord},
		{name: "valid approved", record: approved("approved_by: \"@sec-bob\"\n")},
		{name: "seed form single approver string", record: approved("approved_by: security-reviewer@example.com\n")},
		{name: "file name is not the id", path: "exceptions/vulnerability_scan/other.yaml", record: baseRecord, rule: "id-filename", pos: "1:15"},
		{name: "folder is not the type", path: recordPath("gate_override"), record: baseRecord, rule: "type-folder", pos: "2:7"},
		{name: "expiry before created", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2025-12-01"), rule: "date-order", pos: "19:14"},
		{name: "expiry beyond the type's maximum", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-04-07"), rule: "max-expiry", pos: "19:14"},
		{name: "expiry exactly at the maximum", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-04-06")},
		{name: "created in the future", record: edit(baseRecord, "created_at: 2026-01-06T00:00:00Z", "created_at: 2026-03-06T00:00:00Z", "expiry_date: 2026-04-06", "expiry_date: 2026-05-06"), rule: "date-order", pos: "20:13"},
		{name: "approval before created", record: edit(approved("approved_by: \"@sec-bob\"\n"), "approval_date: 2026-01-07", "approval_date: 2026-01-05"), rule: "date-order", pos: "21:16"},
		{name: "approval after expiry", record: edit(approved("approved_by: \"@sec-bob\"\n"), "approval_date: 2026-01-07", "approval_date: 2026-04-07"), rule: "date-order", pos: "21:16"},
		{name: "updated before created", record: baseRecord + "updated_at: 2026-01-05T00:00:00Z\n", rule: "date-order", pos: "21:13"},
		{name: "pending carries approved_by", record: baseRecord + "approved_by: \"@sec-bob\"\n", rule: "controller-field", pos: "21:1"},
		{name: "pending carries denial_reason", record: baseRecord + "denial_reason: nope\n", rule: "controller-field", pos: "21:1"},
		{name: "requester approves own", record: approved("approved_by: [\"@sec-bob\", alice@example.com]\n"), rule: "self-approval", pos: "22:27"},
		{name: "requester by login approves", record: edit(approved("approved_by: \"@Alice\"\n"), "requested_by: alice@example.com", "requested_by: \"@alice\""), rule: "self-approval", pos: "22:14"},
		{name: "one person in both seats", record: approved("approved_by: \"@sec-bob\"\ncab_approved_by: [\"@SEC-BOB\"]\n"), rule: "one-seat", pos: "23:19"},
		{name: "high risk needs CAB", record: edit(approved("approved_by: \"@sec-bob\"\n"), "exposure: internal", "exposure: internet", "environments: [staging]", "environments: [production]"), rule: "approvers", pos: "3:9"},
		{name: "high risk with CAB", record: edit(approved("approved_by: \"@sec-bob\"\ncab_approved_by: \"@cab-erin\"\n"), "exposure: internal", "exposure: internet", "environments: [staging]", "environments: [production]")},
		{name: "privileged needs CAB", record: edit(approved("approved_by: \"@sec-bob\"\n"), "exposure: internal", "exposure: internal\n  privileged: true"), rule: "approvers", pos: "3:9"},
		{name: "approved past expiry is due", record: edit(approved("approved_by: \"@sec-bob\"\n"), "expiry_date: 2026-04-06", "expiry_date: 2026-01-31"), rule: "due-for-expiry", pos: "19:14", level: Warning},
		{name: "a purl beside the component's package", record: edit(baseRecord, "    component: library-v1.2.3\n", "    component: library-v1.2.3\n    purl: pkg:npm/library\n")},
		{name: "a purl naming another package than the component", record: edit(baseRecord, "    component: library-v1.2.3\n", "    component: library-v1.2.3\n    purl: pkg:npm/lodash\n"), rule: "component", pos: "7:5"},
		{name: "a purl pinning another version than the component", record: edit(baseRecord, "    component: library-v1.2.3\n", "    component: library-v1.2.3\n    purl: pkg:npm/library@2.0.0\n"), rule: "component", pos: "7:5"},
		{name: "pending past its expiry date warns", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-01-31"), rule: "request-expired", pos: "19:14", level: Warning},
		{name: "pending on its last day does not warn", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-02-01"), absent: "request-expired"},
		{name: "approved on its last day is not due", record: edit(approved("approved_by: \"@sec-bob\"\n"), "expiry_date: 2026-04-06", "expiry_date: 2026-02-01"), absent: "due-for-expiry"},
		{name: "denied by requester", record: edit(baseRecord, "status: pending", "status: denied") + "denied_by: alice@example.com\n", rule: "self-approval", pos: "21:12"},
		{name: "plain control warns", record: edit(baseRecord, "  - id: net-isolation\n    specific: Deploy to isolated VLAN 192.168.100.0/24\n    measurable: Network monitoring confirms isolation\n    enforceable: Firewall rules enforce VLAN boundaries\n", "  - Network isolation\n"), rule: "plain-control", pos: "11:5", level: Warning},
		{name: "duplicate control ids", record: edit(baseRecord, "risk:", "  - id: net-isolation\n    specific: again\n    measurable: again\n    enforceable: again\nrisk:"), rule: "duplicate-control", pos: "15:9"},
		{name: "duplicate vulnerability", record: edit(baseRecord, "compensating_controls:", "  - {cve: CVE-2024-1234, severity: High, component: library-v1.2.3}\ncompensating_controls:"), rule: "duplicate-vulnerability", pos: "10:5"},
		{name: "extension within 90 days of the original", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-07-05\noriginal_expiry_date: 2026-04-06")},
		{name: "extension beyond 90 days of the original", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-07-06\noriginal_expiry_date: 2026-04-06"), rule: "max-extension", pos: "19:14"},
		{name: "extension that does not extend", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-04-06\noriginal_expiry_date: 2026-04-06"), rule: "extension", pos: "19:14"},
		{name: "schema: unknown field with suggestion", record: baseRecord + "expiry_dat: 2026-04-06\n", rule: "schema", pos: "21:1"},
		{name: "schema: impossible date", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-02-30"), rule: "schema", pos: "19:14"},
		{name: "schema: wrong type", record: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 90"), rule: "schema", pos: "19:14"},
		{name: "schema: bad severity", record: edit(baseRecord, "severity: High", "severity: Severe"), rule: "schema", pos: "8:15"},
		{name: "schema: missing per-type field", record: edit(baseRecord, "type: vulnerability_scan", "type: gate_override"), path: recordPath("gate_override"), rule: "schema", pos: "1:1"},
		{name: "yaml: duplicate key", record: baseRecord + "status: approved\n", rule: "yaml", pos: "21:1"},
	}
	c := testChecker(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.path
			if p == "" {
				p = recordPath("vulnerability_scan")
			}
			res := c.File(p, []byte(tt.record))
			for _, f := range res.Findings {
				assert.NotEqual(t, tt.absent, f.Rule, f.String())
			}
			if tt.rule == "" {
				assert.False(t, HasErrors(res.Findings), "unexpected findings: %v", res.Findings)
				assert.NotNil(t, res.Exception)
				return
			}
			var got *Finding
			for i := range res.Findings {
				if res.Findings[i].Rule == tt.rule {
					got = &res.Findings[i]
					break
				}
			}
			require.NotNil(t, got, "no %s finding in %v", tt.rule, res.Findings)
			assert.Equal(t, tt.pos, posOf(*got), got.String())
			assert.Equal(t, tt.level, got.Level, got.String())
			if tt.level == Error {
				assert.True(t, HasErrors(res.Findings))
			}
		})
	}
}

func posOf(f Finding) string { return fmt.Sprintf("%d:%d", f.Line, f.Col) }

func TestSchemaMessages(t *testing.T) {
	c := testChecker(t)
	res := c.File(recordPath("vulnerability_scan"), []byte(baseRecord+"expiry_dat: 2026-04-06\n"))
	require.Len(t, res.Findings, 1)
	assert.Contains(t, res.Findings[0].Msg, `unknown field "expiry_dat" (did you mean "expiry_date"?)`)

	res = c.File(recordPath("gate_override"), []byte(edit(baseRecord, "type: vulnerability_scan", "type: gate_override")))
	require.NotEmpty(t, res.Findings)
	assert.Contains(t, res.Findings[0].Msg, `"gate"`)

	res = c.File(recordPath("vulnerability_scan"), []byte(edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 90")))
	require.NotEmpty(t, res.Findings)
	assert.Contains(t, res.Findings[0].Msg, "expiry_date")
	assert.Contains(t, res.Findings[0].Msg, "string")

	// A date written with a time fails both the format and the pattern
	// that spells it out for validators that do not assert formats: one
	// finding says it.
	res = c.File(recordPath("vulnerability_scan"), []byte(edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-04-06T00:00:00Z")))
	require.Len(t, res.Findings, 1, "%v", res.Findings)
	assert.Contains(t, res.Findings[0].Msg, "is not valid 'date'")
}

// Several unknown fields get a finding each, at its own key, the same on
// every run: the schema library lists them in map order.
func TestUnknownFieldsEachAtTheirKey(t *testing.T) {
	c := testChecker(t)
	record := baseRecord + "zeta: 1\nexpiry_dat: 2026-04-06\nalpha: x\n\"it's\": 1\n\"a, 'b\": 2\n\"x\\\\\": 3\n"
	var first []string
	for run := range 20 {
		res := c.File(recordPath("vulnerability_scan"), []byte(record))
		var got []string
		for _, f := range res.Findings {
			got = append(got, posOf(f)+" "+f.Msg)
		}
		if run == 0 {
			first = got
			assert.Equal(t, []string{
				`21:1 unknown field "zeta"`,
				`22:1 unknown field "expiry_dat" (did you mean "expiry_date"?)`,
				`23:1 unknown field "alpha"`,
				`24:1 unknown field "it's"`,
				`25:1 unknown field "a, 'b"`,
				`26:1 unknown field "x\\"`,
			}, got)
			continue
		}
		require.Equal(t, first, got, "run %d", run)
	}

	// Inside a list item too, with the item's own fields as suggestions.
	res := c.File(recordPath("vulnerability_scan"), []byte(edit(baseRecord, "    severity: High\n", "    severity: High\n    componnt: x\n    extra: y\n")))
	var got []string
	for _, f := range res.Findings {
		got = append(got, posOf(f)+" "+f.Msg)
	}
	assert.Equal(t, []string{`9:5 unknown field "componnt" (did you mean "component"?)`, `10:5 unknown field "extra"`}, got)
}

func TestDuplicates(t *testing.T) {
	paths := []string{
		"exceptions/vulnerability_scan/" + validID + ".yaml",
		"exceptions/gate_override/" + validID + ".yaml",
		"exceptions/gate_override/5e8f0a2b-4d6c-4b1e-a3f5-7c9d1e2b4a60.yaml",
	}
	fs := Duplicates(paths, nil)
	require.Len(t, fs, 2)
	for _, f := range fs {
		assert.Equal(t, "duplicate-id", f.Rule)
		assert.Contains(t, f.Msg, validID)
	}
	assert.Empty(t, Duplicates(paths[1:], nil))
}

func TestChangeRules(t *testing.T) {
	approvedRec := approved("approved_by: \"@sec-bob\"\n")
	tests := []struct {
		name       string
		base, head string // "" = absent
		rule       string
		msg        string // part of that finding's message
	}{
		{name: "new pending record", head: baseRecord},
		{name: "new record recorded as approved on the PR branch", head: approvedRec},
		{name: "new record cannot start expired", head: edit(approvedRec, "status: approved", "status: expired"), rule: "transition"},
		{name: "deleted record", base: baseRecord, rule: "deleted"},
		{name: "pending edited", base: baseRecord, head: edit(baseRecord, "No fixed package", "No fixed release")},
		{name: "pending approved", base: baseRecord, head: approvedRec},
		{name: "id changed", base: baseRecord, head: edit(baseRecord, "exception_id: 3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", "exception_id: 3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b22"), rule: "immutable-id"},
		{name: "type changed", base: baseRecord, head: edit(baseRecord, "type: vulnerability_scan", "type: unsigned_package\npackages: [{name: a, version: '1', sha256: 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef}]"), rule: "immutable-type"},
		{name: "denied reopened", base: edit(baseRecord, "status: pending", "status: denied") + "denied_by: \"@sec-bob\"\n", head: baseRecord, rule: "transition"},
		{name: "expired revived as approved", base: edit(approvedRec, "status: approved", "status: expired"), head: approvedRec, rule: "transition"},
		{name: "approved record edited", base: approvedRec, head: edit(approvedRec, "severity: High", "severity: Low"), rule: "decided-edit", msg: "an approved record cannot be edited: request an extension"},
		{name: "denied record edited", base: edit(baseRecord, "status: pending", "status: denied") + "denied_by: \"@sec-bob\"\n", head: edit(baseRecord, "status: pending", "status: denied", "severity: High", "severity: Low") + "denied_by: \"@sec-bob\"\n", rule: "decided-edit", msg: "a denied record cannot be edited"},
		{name: "approved record touched only updated_at", base: approvedRec, head: approvedRec + "updated_at: 2026-01-08T00:00:00Z\n"},
		{name: "approved expired", base: approvedRec, head: edit(approvedRec, "status: approved", "status: expired")},
		{name: "expiry edits more than status", base: approvedRec, head: edit(approvedRec, "status: approved", "status: expired", "severity: High", "severity: Low"), rule: "decided-edit"},
		{name: "extension", base: approvedRec, head: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-06-01\noriginal_expiry_date: 2026-04-06")},
		{name: "extension without original date", base: approvedRec, head: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-06-01"), rule: "extension"},
		{name: "extension with a wrong original date", base: approvedRec, head: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-06-01\noriginal_expiry_date: 2026-04-05"), rule: "extension"},
		{name: "extension beyond the limit", base: approvedRec, head: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-07-06\noriginal_expiry_date: 2026-04-06"), rule: "max-extension"},
		{name: "pending changes original date", base: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-06-01\noriginal_expiry_date: 2026-04-06"), head: edit(baseRecord, "expiry_date: 2026-04-06", "expiry_date: 2026-06-01\noriginal_expiry_date: 2026-04-01"), rule: "extension", msg: "set by the first extension"},
	}
	c := testChecker(t)
	p := recordPath("vulnerability_scan")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := Change{Path: p}
			if tt.base != "" {
				doc, err := load.Parse(p, []byte(tt.base))
				require.NoError(t, err)
				ch.BaseValue = doc.Value().(map[string]any)
				ch.Base, err = exception.FromNode(doc.Root)
				require.NoError(t, err)
			}
			if tt.head != "" {
				r := c.File(p, []byte(tt.head))
				require.NotNil(t, r.Exception, "head invalid: %v", r.Findings)
				ch.Head = &r
			}
			fs := c.ChangeRules(ch)
			if tt.rule == "" {
				assert.Empty(t, fs)
				return
			}
			var rules []string
			for _, f := range fs {
				rules = append(rules, f.Rule)
				if f.Rule == tt.rule && tt.msg != "" {
					assert.Contains(t, f.Msg, tt.msg)
				}
				// The messages tell what to do with the commands there are.
				assert.NotContains(t, f.Msg, "exctl extend")
			}
			assert.Contains(t, rules, tt.rule, "%v", fs)
		})
	}
}

// lengthWithin settles by byte length only what counting would settle the
// same way.
func TestLengthWithinAgreesWithCounting(t *testing.T) {
	for _, s := range []string{"", "a", "abcd", "é", "éé", "日本語", "😀😀", "a😀", strings.Repeat("😀", 10), strings.Repeat("a", 10)} {
		for min := -1; min <= 12; min++ {
			for max := -1; max <= 12; max++ {
				n := utf8.RuneCountInString(s)
				want := (min == -1 || n >= min) && (max == -1 || n <= max)
				if got := lengthWithin(s, min, max); got != want {
					t.Errorf("lengthWithin(%q, %d, %d) = %v, want %v", s, min, max, got, want)
				}
			}
		}
	}
}

// quoted reads back the names the schema library lists, escaped as it
// escapes them. (A name ending in a backslash does not survive the
// library's escaping; findings take unknown keys from the record.)
func TestQuotedReadsLibraryNames(t *testing.T) {
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("mem://s.json", strings.NewReader(`{"type": "object", "additionalProperties": false}`)))
	sch, err := c.Compile("mem://s.json")
	require.NoError(t, err)
	for _, names := range [][]string{
		{"plain"},
		{"it's", "a, 'b"},
		{`q"uote`, `back\slash`, "'"},
		{"tab\there", "new\nline", "ünïcödé", "\x00nul", "\xffbad"},
	} {
		v := map[string]any{}
		for _, n := range names {
			v[n] = 1
		}
		err := sch.Validate(v)
		var ve *jsonschema.ValidationError
		require.ErrorAs(t, err, &ve)
		leaves := leafErrors(ve)
		require.Len(t, leaves, 1)
		got := quoted(leaves[0].Message)
		want := slices.Clone(names)
		slices.Sort(want)
		slices.Sort(got)
		assert.Equal(t, want, got, leaves[0].Message)
	}
}

// Findings at one place by one rule are ordered by message, whatever
// order they came in.
func TestSortSettlesTies(t *testing.T) {
	a := Finding{File: "f.yaml", Line: 3, Col: 5, Level: Error, Rule: "schema", Msg: "a: length must be <= 64"}
	b := Finding{File: "f.yaml", Line: 3, Col: 5, Level: Error, Rule: "schema", Msg: "a: does not match pattern"}
	for _, in := range [][]Finding{{a, b}, {b, a}} {
		Sort(in)
		assert.Equal(t, []Finding{b, a}, in)
	}
}

// A mapping of many stray keys costs time in proportion to them, and names
// the first hundred; the rest are counted at the next one.
func TestManyUnknownFields(t *testing.T) {
	c := testChecker(t)
	var b strings.Builder
	b.WriteString(baseRecord)
	const n = 60000 // the loader refuses more than 100,000 values
	for i := range n {
		fmt.Fprintf(&b, "k%d: 1\n", i)
	}
	start := time.Now()
	res := c.File(recordPath("vulnerability_scan"), []byte(b.String()))
	assert.Less(t, time.Since(start), 10*time.Second)
	require.Equal(t, maxUnknownKeys+1, len(res.Findings))
	assert.Equal(t, `21:1 unknown field "k0"`, posOf(res.Findings[0])+" "+res.Findings[0].Msg)
	last := res.Findings[maxUnknownKeys]
	assert.Equal(t, fmt.Sprintf("%d:1 %d more unknown fields in this mapping", 21+maxUnknownKeys, n-maxUnknownKeys), posOf(last)+" "+last.Msg)
}

// The schema library percent-encodes the keys in the path to a value; a
// policy group with a space in its name still has its stray keys named
// and placed, the same on every run.
func TestUnknownFieldsUnderAnEscapedKey(t *testing.T) {
	s, err := CompileSchemas()
	require.NoError(t, err)
	policy := "version: 1\ngroups:\n  \"sec team\":\n    team: acme/sec\n    'a\\': 1\n    b: 2\n"
	var first []string
	for run := range 20 {
		_, fs := PolicyFile(s, "exceptions/policy.yaml", []byte(policy))
		var got []string
		for _, f := range fs {
			if strings.HasPrefix(f.Msg, "unknown field") {
				got = append(got, posOf(f)+" "+f.Msg)
			}
		}
		if run == 0 {
			first = got
			assert.Equal(t, []string{`5:5 unknown field "a\\"`, `6:5 unknown field "b"`}, got, "%v", fs)
			continue
		}
		require.Equal(t, first, got, "run %d", run)
	}
}
