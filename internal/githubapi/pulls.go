package githubapi

import (
	"context"
	"strings"

	"github.com/google/go-github/v60/github"
)

// PullRequest returns pull request number of owner/repo.
func (c *Client) PullRequest(ctx context.Context, owner, repo string, number int) (PR, error) {
	pr, _, err := c.gh.PullRequests.Get(ctx, owner, repo, number)
	if err != nil {
		return PR{}, wrap(err, "get pull request %s/%s#%d", owner, repo, number)
	}
	return toPR(pr), nil
}

// PullRequestFiles returns every file the pull request changes.
func (c *Client) PullRequestFiles(ctx context.Context, owner, repo string, number int) ([]File, error) {
	files, err := list(ctx, func(ctx context.Context, opts github.ListOptions) ([]*github.CommitFile, *github.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, owner, repo, number, &opts)
	})
	if err != nil {
		return nil, wrap(err, "list files of pull request %s/%s#%d", owner, repo, number)
	}
	out := make([]File, 0, len(files))
	for _, f := range files {
		out = append(out, File{
			Filename:         f.GetFilename(),
			Status:           f.GetStatus(),
			PreviousFilename: f.GetPreviousFilename(),
			SHA:              f.GetSHA(),
		})
	}
	return out, nil
}

// PullRequestCommits returns the pull request's commits, oldest first.
func (c *Client) PullRequestCommits(ctx context.Context, owner, repo string, number int) ([]Commit, error) {
	commits, err := list(ctx, func(ctx context.Context, opts github.ListOptions) ([]*github.RepositoryCommit, *github.Response, error) {
		return c.gh.PullRequests.ListCommits(ctx, owner, repo, number, &opts)
	})
	if err != nil {
		return nil, wrap(err, "list commits of pull request %s/%s#%d", owner, repo, number)
	}
	out := make([]Commit, 0, len(commits))
	for _, rc := range commits {
		out = append(out, Commit{
			SHA:            rc.GetSHA(),
			AuthorLogin:    rc.GetAuthor().GetLogin(),
			AuthorEmail:    rc.GetCommit().GetAuthor().GetEmail(),
			CommitterLogin: rc.GetCommitter().GetLogin(),
			CommitterEmail: rc.GetCommit().GetCommitter().GetEmail(),
		})
	}
	return out, nil
}

// Reviews returns every review of the pull request in the order GitHub
// lists them (chronological).
func (c *Client) Reviews(ctx context.Context, owner, repo string, number int) ([]Review, error) {
	reviews, err := list(ctx, func(ctx context.Context, opts github.ListOptions) ([]*github.PullRequestReview, *github.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, owner, repo, number, &opts)
	})
	if err != nil {
		return nil, wrap(err, "list reviews of pull request %s/%s#%d", owner, repo, number)
	}
	out := make([]Review, 0, len(reviews))
	for _, r := range reviews {
		out = append(out, Review{
			ID:          r.GetID(),
			User:        r.GetUser().GetLogin(),
			State:       r.GetState(),
			Body:        r.GetBody(),
			CommitID:    r.GetCommitID(),
			SubmittedAt: r.GetSubmittedAt().Time,
		})
	}
	return out, nil
}

// ListPullRequests returns the pull requests of owner/repo whose head is head
// ("branch", taken to be in owner/repo, or "user:branch") in state ("open",
// "closed" or "all"; empty means open). An empty head lists them all.
func (c *Client) ListPullRequests(ctx context.Context, owner, repo, head, state string) ([]PR, error) {
	if head != "" && !strings.Contains(head, ":") {
		// GitHub ignores a head filter without the "user:" prefix and lists everything.
		head = owner + ":" + head
	}
	prs, err := list(ctx, func(ctx context.Context, opts github.ListOptions) ([]*github.PullRequest, *github.Response, error) {
		return c.gh.PullRequests.List(ctx, owner, repo, &github.PullRequestListOptions{
			State:       state,
			Head:        head,
			ListOptions: opts,
		})
	})
	if err != nil {
		return nil, wrap(err, "list pull requests of %s/%s", owner, repo)
	}
	out := make([]PR, 0, len(prs))
	for _, pr := range prs {
		out = append(out, toPR(pr))
	}
	return out, nil
}

// CreatePullRequest opens a pull request and returns its number. It is not
// retried after a 5xx, which may come after the pull request was opened:
// callers look for it with ListPullRequests before trying again.
func (c *Client) CreatePullRequest(ctx context.Context, owner, repo string, pr NewPR) (int, error) {
	created, _, err := c.gh.PullRequests.Create(ctx, owner, repo, &github.NewPullRequest{
		Title: github.String(pr.Title),
		Body:  github.String(pr.Body),
		Head:  github.String(pr.Head),
		Base:  github.String(pr.Base),
		Draft: github.Bool(pr.Draft),
	})
	if err != nil {
		return 0, wrap(err, "create pull request %s into %s in %s/%s", pr.Head, pr.Base, owner, repo)
	}
	return created.GetNumber(), nil
}

// EditPullRequest replaces the body (description) of a pull request.
func (c *Client) EditPullRequest(ctx context.Context, owner, repo string, number int, body string) error {
	_, _, err := c.gh.PullRequests.Edit(ctx, owner, repo, number, &github.PullRequest{Body: github.String(body)})
	if err != nil {
		return wrap(err, "edit pull request %s/%s#%d", owner, repo, number)
	}
	return nil
}

// AddLabels adds labels to an issue or pull request; labels it already has are kept.
func (c *Client) AddLabels(ctx context.Context, owner, repo string, number int, labels ...string) error {
	if len(labels) == 0 {
		return nil
	}
	// Adding a label twice changes nothing, so a 5xx may be retried.
	_, _, err := c.gh.Issues.AddLabelsToIssue(retrySafe(ctx), owner, repo, number, labels)
	if err != nil {
		return wrap(err, "add labels to %s/%s#%d", owner, repo, number)
	}
	return nil
}

func toPR(pr *github.PullRequest) PR {
	return PR{
		Number:           pr.GetNumber(),
		Title:            pr.GetTitle(),
		Body:             pr.GetBody(),
		State:            pr.GetState(),
		Author:           pr.GetUser().GetLogin(),
		HeadSHA:          pr.GetHead().GetSHA(),
		HeadRef:          pr.GetHead().GetRef(),
		HeadRepoFullName: pr.GetHead().GetRepo().GetFullName(),
		BaseSHA:          pr.GetBase().GetSHA(),
		BaseRef:          pr.GetBase().GetRef(),
		DefaultBranch:    pr.GetBase().GetRepo().GetDefaultBranch(),
		Draft:            pr.GetDraft(),
		// The list endpoint has no "merged" field; merged_at is on both.
		Merged:       pr.GetMerged() || pr.MergedAt != nil,
		HTMLURL:      pr.GetHTMLURL(),
		ChangedFiles: pr.GetChangedFiles(),
		Commits:      pr.GetCommits(),
	}
}
