package githubapi

import (
	"context"

	"github.com/google/go-github/v60/github"
)

// maxDescription is GitHub's limit on a status description; a longer one is
// refused with 422, which would turn a verdict into "could not post".
const maxDescription = 140

// CreateStatus sets a commit status on sha. A description longer than GitHub
// accepts is shortened.
func (c *Client) CreateStatus(ctx context.Context, owner, repo, sha string, s Status) error {
	rs := &github.RepoStatus{
		State:       github.String(s.State),
		Context:     github.String(s.Context),
		Description: github.String(truncate(s.Description, maxDescription)),
	}
	if s.TargetURL != "" {
		rs.TargetURL = github.String(s.TargetURL)
	}
	// Posting the same status twice leaves the same latest status per context,
	// so a 5xx may be retried.
	if _, _, err := c.gh.Repositories.CreateStatus(retrySafe(ctx), owner, repo, sha, rs); err != nil {
		return wrap(err, "create status %s on %s/%s@%s", s.Context, owner, repo, sha)
	}
	return nil
}

// truncate shortens s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
