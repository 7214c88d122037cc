package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

// GitHub lists at most 3,000 files of a pull request. A record listed past
// them would never be checked, and a pull request with nothing to approve
// is approved: the check refuses to decide instead.
func TestApprovalsRefusesAFileListGitHubCut(t *testing.T) {
	f := newPRFixture(t)
	var filler []githubapi.File
	for i := range githubapitest.MaxListedFiles {
		filler = append(filler, githubapi.File{Filename: fmt.Sprintf("a/%04d.txt", i), Status: "added"})
	}
	// The record the fixture adds comes last, past what GitHub lists.
	f.repo.SetFiles(7, append(filler, githubapi.File{Filename: f.record, Status: "added"})...)
	code, _, errOut := f.run(t)
	assert.Equal(t, ExitError, code, errOut)
	assert.Contains(t, errOut, "lists 3000 of the 3001 files")
}

// Likewise GitHub lists at most 250 commits; a reviewer's commit past them
// would not count against the reviewer.
func TestApprovalsRefusesACommitListGitHubCut(t *testing.T) {
	f := newPRFixture(t)
	for range githubapitest.MaxListedCommits {
		f.repo.AddCommits(7, githubapi.Commit{AuthorLogin: "alice", AuthorEmail: "alice@example.com"})
	}
	f.approve("sec-bob", f.head)
	code, _, errOut := f.run(t)
	assert.Equal(t, ExitError, code, errOut)
	assert.Contains(t, errOut, "lists 250 of the 251 commits")
}

// A record moved to a new path is the old one deleted and a new one added:
// GitHub's "renamed" must not hide the deletion of an approved record.
func TestApprovalsJudgesBothSidesOfARename(t *testing.T) {
	f := newPRFixture(t)
	moved := strings.Replace(exampleVuln, "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", "99999999-8888-4777-8666-555555555555", 1)
	content := strings.Replace(mustRead(t, "../../"+exampleVuln), "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", "99999999-8888-4777-8666-555555555555", 1)
	f.g.Remove(exampleVuln)
	f.g.Write(moved, content)
	f.head = f.g.Commit("move the record").String()
	pr := f.repo.PR(7)
	pr.HeadSHA = f.head
	f.repo.SetPR(pr)
	f.repo.SetFiles(7, githubapi.File{Filename: f.record, Status: "added"}, githubapi.File{Filename: moved, Status: "renamed", PreviousFilename: exampleVuln})
	f.repo.AddCommits(7, githubapi.Commit{SHA: f.head, AuthorLogin: "alice", AuthorEmail: "alice@example.com"})
	f.approve("sec-bob", f.head)
	f.approve("cab-erin", f.head)
	code, out, errOut := f.run(t)
	require.Equal(t, ExitNo, code, "%s%s", out, errOut)
	assert.Contains(t, out, "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21 — pending")
	assert.Contains(t, out, "the pull request deletes the record")
}

// A copy leaves its source as it was: the source is not judged again, and
// a path listed and also named as renamed from is judged once.
func TestApprovalsCopiesAndRepeatedPaths(t *testing.T) {
	f := newPRFixture(t)
	f.repo.SetFiles(7, githubapi.File{Filename: f.record, Status: "copied", PreviousFilename: exampleVuln})
	f.approve("sec-bob", f.head)
	code, out, errOut := f.run(t)
	assert.Equal(t, ExitOK, code, "%s%s", out, errOut)
	assert.NotContains(t, out, "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21")

	f.repo.SetFiles(7, githubapi.File{Filename: f.record, Status: "added"}, githubapi.File{Filename: "x/y.txt", Status: "renamed", PreviousFilename: f.record})
	code, out, errOut = f.run(t)
	assert.Equal(t, ExitOK, code, "%s%s", out, errOut)
	assert.Equal(t, 1, strings.Count(out, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"), out)
}
