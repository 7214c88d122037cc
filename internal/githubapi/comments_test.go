package githubapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

const bot = "github-actions[bot]"

func TestMarker(t *testing.T) {
	assert.Equal(t, "<!-- exctl:approvals -->", githubapi.Marker("approvals"))
}

func TestUpsertStickyCommentCreatesThenUpdates(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	repo.AddComment(n, "alice", "please review")
	c := srv.Client()
	ctx := context.Background()
	marker := githubapi.Marker("approvals")

	first, err := c.UpsertStickyComment(ctx, "acme", "exceptions", n, marker, "missing: CAB")
	require.NoError(t, err)
	assert.Equal(t, marker+"\nmissing: CAB", first.Body, "the marker is prepended")
	assert.Equal(t, bot, first.User)

	second, err := c.UpsertStickyComment(ctx, "acme", "exceptions", n, marker, "approved")
	require.NoError(t, err)
	assert.Equal(t, first.ID, second.ID, "the same comment is edited")
	assert.Equal(t, marker+"\napproved", second.Body)

	comments := repo.Comments(n)
	require.Len(t, comments, 2, "alice's comment and exactly one sticky comment")
	assert.Equal(t, "please review", comments[0].Body)
	assert.Equal(t, marker+"\napproved", comments[1].Body)

	assert.Equal(t, 1, srv.Count("POST /repos/acme/exceptions/issues/*/comments"))
	assert.Equal(t, 1, srv.Count("PATCH /repos/acme/exceptions/issues/comments/*"))
}

func TestUpsertStickyCommentUnchangedBodyIsNotResent(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	marker := githubapi.Marker("approvals")
	id := repo.AddComment(n, bot, "approved\n"+marker)
	c := srv.Client()

	got, err := c.UpsertStickyComment(context.Background(), "acme", "exceptions", n, marker, "approved\n"+marker)
	require.NoError(t, err)
	assert.Equal(t, id, got.ID)
	assert.Equal(t, 1, c.Requests(), "one list, no edit")
}

func TestUpsertStickyCommentKeepsMarkersApart(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	expiry := repo.AddComment(n, bot, githubapi.Marker("expiry")+"\nexpires soon")
	c := srv.Client()

	_, err := c.UpsertStickyComment(context.Background(), "acme", "exceptions", n, githubapi.Marker("approvals"), "approved")
	require.NoError(t, err)
	comments := repo.Comments(n)
	require.Len(t, comments, 2)
	assert.Equal(t, expiry, comments[0].ID)
	assert.Equal(t, githubapi.Marker("expiry")+"\nexpires soon", comments[0].Body)
}

func TestUpsertStickyCommentFindsItOnALaterPage(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	for i := range 150 {
		repo.AddComment(n, "alice", fmt.Sprintf("comment %d", i))
	}
	marker := githubapi.Marker("approvals")
	id := repo.AddComment(n, bot, marker+"\nold")
	c := srv.Client()

	got, err := c.UpsertStickyComment(context.Background(), "acme", "exceptions", n, marker, "new")
	require.NoError(t, err)
	assert.Equal(t, id, got.ID)
	assert.Len(t, repo.Comments(n), 151)
}

func TestUpsertStickyCommentAfterA5xxOnCreate(t *testing.T) {
	tests := []struct {
		name string
		// landed: the create took effect although the client saw a 502.
		landed bool
	}{
		{name: "the comment was posted anyway: it is not posted again", landed: true},
		{name: "the comment was not posted: it is posted once", landed: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubapitest.NewServer(t)
			repo := srv.Repo("acme", "exceptions")
			n := repo.AddPR(githubapi.PR{})
			srv.Inject("POST /repos/acme/exceptions/issues/*/comments", 1, githubapitest.Fault{Status: http.StatusBadGateway, AfterEffect: tt.landed})
			marker := githubapi.Marker("approvals")

			got, err := srv.Client().UpsertStickyComment(context.Background(), "acme", "exceptions", n, marker, "approved")
			require.NoError(t, err)
			comments := repo.Comments(n)
			require.Len(t, comments, 1)
			assert.Equal(t, comments[0].ID, got.ID)
			assert.Equal(t, marker+"\napproved", comments[0].Body)
		})
	}
}

func TestUpsertStickyCommentRejectsUnsafeMarkers(t *testing.T) {
	srv := githubapitest.NewServer(t)
	n := srv.Repo("acme", "exceptions").AddPR(githubapi.PR{})
	c := srv.Client()

	for _, marker := range []string{"", "exctl", "<!---->", "<!-- open"} {
		t.Run(marker, func(t *testing.T) {
			_, err := c.UpsertStickyComment(context.Background(), "acme", "exceptions", n, marker, "body")
			assert.Error(t, err)
		})
	}
	assert.Equal(t, 0, c.Requests())
}

func TestUpsertStickyCommentWhenDown(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	srv.Down()

	_, err := srv.Client().UpsertStickyComment(context.Background(), "acme", "exceptions", n, githubapi.Marker("approvals"), "x")
	assert.ErrorIs(t, err, githubapi.ErrUnavailable)
	assert.Empty(t, repo.Comments(n))
}

func TestIssueComments(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	c := srv.Client()
	ctx := context.Background()

	created, err := c.CreateIssueComment(ctx, "acme", "exceptions", n, "hello")
	require.NoError(t, err)
	assert.Equal(t, "hello", created.Body)
	assert.Equal(t, bot, created.User)
	assert.Equal(t, srv.Now(), created.CreatedAt.UTC())

	edited, err := c.EditIssueComment(ctx, "acme", "exceptions", created.ID, "hello again")
	require.NoError(t, err)
	assert.Equal(t, created.ID, edited.ID)

	all, err := c.ListIssueComments(ctx, "acme", "exceptions", n)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "hello again", all[0].Body)
	assert.Equal(t, created.HTMLURL, all[0].HTMLURL)

	_, err = c.EditIssueComment(ctx, "acme", "exceptions", 999999, "nope")
	assert.ErrorIs(t, err, githubapi.ErrNotFound)
}
