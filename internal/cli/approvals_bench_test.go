package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/exctl/exctl/internal/githubapi"
)

// BenchmarkApprovalsOneRecordThreeReviews measures the API requests one
// evaluation costs: the issue allows at most 6 for one record and three
// reviews.
func BenchmarkApprovalsOneRecordThreeReviews(b *testing.B) {
	f := newPRFixture(b)
	f.approve("sec-bob", f.head)
	f.repo.AddReview(7, githubapi.Review{User: "carol", State: githubapi.ReviewCommented, CommitID: f.head, SubmittedAt: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)})
	f.repo.AddReview(7, githubapi.Review{User: "cab-erin", State: githubapi.ReviewApproved, CommitID: f.head, SubmittedAt: time.Date(2026, 11, 21, 9, 40, 0, 0, time.UTC)})
	b.ResetTimer()
	for range b.N {
		f.srv.ResetRequests()
		if code, out, errOut := f.run(b); code != ExitOK {
			b.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	}
	b.ReportMetric(float64(f.srv.RequestCount()), "requests/op")
}

// BenchmarkApprovals200Records evaluates a pull request that adds 200
// records, each reviewed by Security, against the fake GitHub and a real
// repository; the issue asks for under a second.
func BenchmarkApprovals200Records(b *testing.B) {
	f := newPRFixture(b)
	var files []githubapi.File
	for i := range 200 {
		id := fmt.Sprintf("aaaaaaaa-bbbb-4ccc-8ddd-%012d", i)
		p := "exceptions/vulnerability_scan/" + id + ".yaml"
		f.g.Write(p, strings.Replace(newRecord, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", id, 1))
		files = append(files, githubapi.File{Filename: p, Status: "added"})
	}
	head := f.g.Commit("200 requests").String()
	pr := f.repo.PR(7)
	pr.HeadSHA = head
	f.repo.SetPR(pr)
	f.repo.AddFiles(7, files...)
	f.repo.AddCommits(7, githubapi.Commit{SHA: head, AuthorLogin: "alice", AuthorEmail: "alice@example.com"})
	f.approve("sec-bob", head)
	b.ResetTimer()
	for range b.N {
		f.srv.ResetRequests()
		if code, out, errOut := f.run(b); code != ExitOK {
			b.Fatalf("exit %d\n%s\n%s", code, out[:min(len(out), 2000)], errOut)
		}
	}
	b.ReportMetric(float64(f.srv.RequestCount()), "requests/op")
}
