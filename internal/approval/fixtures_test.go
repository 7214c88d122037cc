package approval

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

const (
	firstSHA = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // the first push
	headSHA  = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" // the head of the PR
	fixSHA   = "3333333ccccccccccccccccccccccccccccccccc" // a fix pushed by a reviewer

	securityTeam = "acme/security-reviewers"
	cabTeam      = "acme/cab"
	platformTeam = "acme/platform-owners"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testPolicy is the default policy with teams, as exceptions/policy.yaml
// names them.
func testPolicy() *policy.Policy {
	p := policy.Default()
	p.Groups = map[string]policy.Group{
		"security": {Key: "security", Name: "Security Reviewers", Org: "acme", Team: "security-reviewers"},
		"cab":      {Key: "cab", Name: "Change Advisory Board", Org: "acme", Team: "cab"},
		"platform": {Key: "platform", Name: "Platform Owners", Org: "acme", Team: "platform-owners"},
	}
	p.PolicyOwners = []string{"security", "platform"}
	return p
}

// vulnRecord is a low-risk vulnerability_scan record: Security alone
// approves it.
func vulnRecord(id, requester, justification, extra string) []byte {
	return fmt.Appendf(nil, `# Accepted risk for libfoo until the vendor ships a fix.
exception_id: %s
type: vulnerability_scan
status: pending
justification: %s
requested_by: %s
vulnerabilities:
  - {cve: CVE-2024-1234, severity: Low, component: libfoo-1.2.3}
compensating_controls:
  - Network isolation of the service
risk: {exposure: internal, privileged: false}
scope:
  environments: [staging]
expiry_date: "2026-04-06"
created_at: "2026-01-06T00:00:00Z"
%s`, id, justification, requester, extra)
}

// crossRecord is a cross_boundary record: Security and the CAB approve it.
func crossRecord(id, requester, extra string) []byte {
	return fmt.Appendf(nil, `exception_id: %s
type: cross_boundary
status: pending
justification: Initech billing must read the ledger until the migration completes.
requested_by: %s
boundary: {source: initech-prod, target: acme-prod}
blast_radius:
  summary: Read-only access to the ledger replica
  affected_systems: [ledger-replica]
  rollback_plan: Remove the AuthorizationPolicy.
risk:
  exposure: partner
expiry_date: "2026-02-05"
created_at: "2026-01-06T00:00:00Z"
%s`, id, requester, extra)
}

func parseRecord(t testing.TB, data []byte) *exception.Exception {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))
	require.Len(t, doc.Content, 1)
	e, err := exception.FromNode(doc.Content[0])
	require.NoError(t, err)
	return e
}

// change is a record the PR adds, with its content at the given commits
// (the head's content is added for headSHA).
func change(t testing.TB, path string, head []byte, at map[string][]byte) RecordChange {
	t.Helper()
	m := map[string][]byte{headSHA: head}
	for k, v := range at {
		m[k] = v
	}
	return RecordChange{Path: path, Exception: parseRecord(t, head), HeadContent: head, ContentAt: ContentMap(m)}
}

const vulnID = "0d6b8a4c-2e1f-4f3a-b5c7-9e8d1a2b3c4d"
const crossID = "c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e"

func vulnChange(t testing.TB) RecordChange {
	data := vulnRecord(vulnID, "alice@example.com", "The vendor has not released a fix yet.", "")
	return change(t, "exceptions/vulnerability_scan/"+vulnID+".yaml", data, map[string][]byte{firstSHA: data})
}

func crossChange(t testing.TB) RecordChange {
	data := crossRecord(crossID, "alice@example.com", "")
	return change(t, "exceptions/cross_boundary/"+crossID+".yaml", data, map[string][]byte{firstSHA: data})
}

func approve(id int64, user, commit string) Review {
	return Review{ID: id, User: user, State: ReviewApproved, CommitID: commit, SubmittedAt: t0.Add(time.Duration(id) * time.Minute)}
}

func reviewOf(id int64, user, state, body string) Review {
	return Review{ID: id, User: user, State: state, Body: body, CommitID: headSHA, SubmittedAt: t0.Add(time.Duration(id) * time.Minute)}
}

// defaultPR is opened by the requester, alice, who pushed two commits.
func defaultPR() PR {
	return PR{Number: 42, Author: "alice", HeadSHA: headSHA, Commits: []Commit{
		{SHA: firstSHA, AuthorLogin: "alice", AuthorEmail: "alice@example.com", CommitterLogin: "alice", CommitterEmail: "alice@example.com"},
		{SHA: headSHA, AuthorLogin: "alice", AuthorEmail: "alice@example.com", CommitterLogin: "web-flow", CommitterEmail: "noreply@github.com"},
	}}
}

// fakeMembers answers from team lists and counts what it is asked.
type fakeMembers struct {
	teams map[string][]string // "org/team" → active members
	fail  map[string]error    // "org/team" or "org/team/login" → error
	calls int
	asked map[string]int
}

func newMembers() *fakeMembers {
	return &fakeMembers{
		teams: map[string][]string{
			// pat sits in both Security and the CAB.
			securityTeam: {"bob", "carol", "frank", "pat", "alice", "sam"},
			cabTeam:      {"erin", "pat"},
			platformTeam: {"plato"},
		},
		fail:  map[string]error{},
		asked: map[string]int{},
	}
}

func (f *fakeMembers) IsActiveMember(ctx context.Context, org, team, login string) (bool, error) {
	f.calls++
	key := org + "/" + team
	f.asked[key+"/"+login]++
	if err := f.fail[key]; err != nil {
		return false, err
	}
	if err := f.fail[key+"/"+login]; err != nil {
		return false, err
	}
	return slices.Contains(f.teams[key], login), nil
}

// ignoredCodes lists "user:code" (or "user:code@group") for a record.
func ignoredCodes(ig []Ignored) []string {
	out := make([]string, 0, len(ig))
	for _, i := range ig {
		s := i.User + ":" + string(i.Code)
		if i.Group != "" {
			s += "@" + i.Group
		}
		out = append(out, s)
	}
	return out
}

func ignoredText(ig []Ignored, user string, code Code) string {
	for _, i := range ig {
		if i.User == user && i.Code == code {
			return i.Text
		}
	}
	return ""
}

func problemCodes(ps []Problem) []Code {
	out := make([]Code, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func filled(rv RecordVerdict) map[string][]string {
	out := map[string][]string{}
	for _, s := range rv.Seats {
		out[s.Group] = []string{}
		for _, a := range s.FilledBy {
			out[s.Group] = append(out[s.Group], a.Login)
		}
	}
	return out
}

func withExtra(data []byte, extra string) []byte {
	return []byte(strings.TrimRight(string(data), "\n") + "\n" + extra)
}

func stringsReplace(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("fixture lacks " + old)
	}
	return strings.Replace(s, old, new, 1)
}
