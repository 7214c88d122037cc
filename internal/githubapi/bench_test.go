package githubapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

// BenchmarkReviews250 reads 250 reviews from the fake and reports the API
// requests each read takes (3: 100 a page).
func BenchmarkReviews250(b *testing.B) {
	srv := githubapitest.NewServer(b)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	for i := range 250 {
		repo.AddReview(n, githubapi.Review{User: fmt.Sprintf("r%d", i), State: githubapi.ReviewApproved})
	}
	c := srv.Client()
	ctx := context.Background()
	reads := 0
	for b.Loop() {
		if _, err := c.Reviews(ctx, "acme", "exceptions", n); err != nil {
			b.Fatal(err)
		}
		reads++
	}
	b.ReportMetric(float64(c.Requests())/float64(reads), "requests/op")
}
