package githubapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// ListIssueComments returns every comment on issue or pull request number, oldest first.
func (c *Client) ListIssueComments(ctx context.Context, owner, repo string, number int) ([]Comment, error) {
	comments, err := list(ctx, func(ctx context.Context, opts github.ListOptions) ([]*github.IssueComment, *github.Response, error) {
		return c.gh.Issues.ListComments(ctx, owner, repo, number, &github.IssueListCommentsOptions{ListOptions: opts})
	})
	if err != nil {
		return nil, wrap(err, "list comments of %s/%s#%d", owner, repo, number)
	}
	out := make([]Comment, 0, len(comments))
	for _, ic := range comments {
		out = append(out, toComment(ic))
	}
	return out, nil
}

// CreateIssueComment posts a comment on issue or pull request number. It is
// not retried after a 5xx, which may come after the comment was posted.
func (c *Client) CreateIssueComment(ctx context.Context, owner, repo string, number int, body string) (Comment, error) {
	ic, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return Comment{}, wrap(err, "create comment on %s/%s#%d", owner, repo, number)
	}
	return toComment(ic), nil
}

// EditIssueComment replaces the body of comment id.
func (c *Client) EditIssueComment(ctx context.Context, owner, repo string, id int64, body string) (Comment, error) {
	ic, _, err := c.gh.Issues.EditComment(ctx, owner, repo, id, &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return Comment{}, wrap(err, "edit comment %d in %s/%s", id, owner, repo)
	}
	return toComment(ic), nil
}

// UpsertStickyComment keeps exactly one comment carrying marker (see Marker)
// on issue or pull request number: it edits the oldest comment whose body
// contains marker, or creates one when there is none. body gets marker
// prepended if it does not contain it. An unchanged body is not re-sent.
func (c *Client) UpsertStickyComment(ctx context.Context, owner, repo string, number int, marker, body string) (Comment, error) {
	if !strings.HasPrefix(marker, "<!--") || !strings.HasSuffix(marker, "-->") || len(marker) < len("<!---->")+1 {
		// An empty or visible marker would match, and overwrite, other comments.
		return Comment{}, fmt.Errorf("upsert sticky comment on %s/%s#%d: marker %q is not a non-empty HTML comment", owner, repo, number, marker)
	}
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	if cm, found, err := c.updateSticky(ctx, owner, repo, number, marker, body); found || err != nil {
		return cm, err
	}
	cm, err := c.CreateIssueComment(ctx, owner, repo, number, body)
	if !errors.Is(err, ErrUnavailable) {
		return cm, err
	}
	// A 5xx on create may come after the comment was made. Look before
	// posting again, so that there is never a second one.
	existing, found, lerr := c.updateSticky(ctx, owner, repo, number, marker, body)
	switch {
	case lerr != nil:
		return Comment{}, err // the failed create is what the caller needs to hear about
	case found:
		return existing, nil
	}
	return c.CreateIssueComment(ctx, owner, repo, number, body)
}

// updateSticky edits the comment carrying marker, if there is one.
func (c *Client) updateSticky(ctx context.Context, owner, repo string, number int, marker, body string) (Comment, bool, error) {
	comments, err := c.ListIssueComments(ctx, owner, repo, number)
	if err != nil {
		return Comment{}, false, err
	}
	for _, cm := range comments {
		if !strings.Contains(cm.Body, marker) {
			continue
		}
		if cm.Body == body {
			return cm, true, nil
		}
		edited, err := c.EditIssueComment(ctx, owner, repo, cm.ID, body)
		return edited, true, err
	}
	return Comment{}, false, nil
}

func toComment(ic *github.IssueComment) Comment {
	return Comment{
		ID:        ic.GetID(),
		User:      ic.GetUser().GetLogin(),
		Body:      ic.GetBody(),
		HTMLURL:   ic.GetHTMLURL(),
		CreatedAt: ic.GetCreatedAt().Time,
		UpdatedAt: ic.GetUpdatedAt().Time,
	}
}
