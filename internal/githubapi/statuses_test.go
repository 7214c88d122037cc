package githubapi_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

func TestCreateStatus(t *testing.T) {
	long := strings.Repeat("é", 200)
	tests := []struct {
		name   string
		status githubapi.Status
		want   githubapi.Status
	}{
		{
			name:   "success with a link",
			status: githubapi.Status{State: githubapi.StatusSuccess, Context: "exctl/approvals", Description: "2 of 2 approvals", TargetURL: "https://github.com/acme/exceptions/pull/1#issuecomment-1"},
			want:   githubapi.Status{State: githubapi.StatusSuccess, Context: "exctl/approvals", Description: "2 of 2 approvals", TargetURL: "https://github.com/acme/exceptions/pull/1#issuecomment-1"},
		},
		{
			name:   "failure without a link",
			status: githubapi.Status{State: githubapi.StatusFailure, Context: "exctl/approvals", Description: "missing CAB"},
			want:   githubapi.Status{State: githubapi.StatusFailure, Context: "exctl/approvals", Description: "missing CAB"},
		},
		{
			name:   "a description GitHub would refuse is shortened",
			status: githubapi.Status{State: githubapi.StatusError, Context: "exctl/approvals", Description: long},
			want:   githubapi.Status{State: githubapi.StatusError, Context: "exctl/approvals", Description: strings.Repeat("é", 139) + "…"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubapitest.NewServer(t)
			repo := srv.Repo("acme", "exceptions")
			c := srv.Client()

			require.NoError(t, c.CreateStatus(context.Background(), "acme", "exceptions", headSHA, tt.status))
			assert.Equal(t, []githubapi.Status{tt.want}, repo.Statuses(headSHA))
			assert.LessOrEqual(t, utf8.RuneCountInString(repo.Statuses(headSHA)[0].Description), 140)
			assert.Equal(t, 1, c.Requests())
		})
	}
}

func TestCreateStatusLatestWins(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	c := srv.Client()
	ctx := context.Background()

	require.NoError(t, c.CreateStatus(ctx, "acme", "exceptions", headSHA, githubapi.Status{State: githubapi.StatusPending, Context: "exctl/approvals"}))
	require.NoError(t, c.CreateStatus(ctx, "acme", "exceptions", headSHA, githubapi.Status{State: githubapi.StatusFailure, Context: "exctl/approvals"}))
	got, ok := repo.Status(headSHA, "exctl/approvals")
	require.True(t, ok)
	assert.Equal(t, githubapi.StatusFailure, got.State)
	assert.Len(t, repo.Statuses(headSHA), 2)
}

func TestCreateStatusInvalidStateIsRefused(t *testing.T) {
	srv := githubapitest.NewServer(t)
	srv.Repo("acme", "exceptions")

	err := srv.Client().CreateStatus(context.Background(), "acme", "exceptions", headSHA, githubapi.Status{State: "approved", Context: "exctl/approvals"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, githubapi.ErrUnavailable)
	assert.Contains(t, err.Error(), "422")
}

// API down for good: the status is not set at all, least of all to success.
func TestCreateStatusWhenDown(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	srv.Down()

	err := srv.Client().CreateStatus(context.Background(), "acme", "exceptions", headSHA, githubapi.Status{State: githubapi.StatusSuccess, Context: "exctl/approvals"})
	assert.ErrorIs(t, err, githubapi.ErrUnavailable)
	assert.Empty(t, repo.Statuses(headSHA))
}
