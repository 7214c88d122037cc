package githubapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

func TestTeamMembership(t *testing.T) {
	const path = "GET /orgs/acme/teams/security/memberships/bob"
	tests := []struct {
		name         string
		setup        func(srv *githubapitest.Server)
		want         githubapi.Membership
		wantErr      error // nil: no error; errAny: an error matching no sentinel
		wantRequests int
	}{
		{
			name: "active member",
			setup: func(srv *githubapitest.Server) {
				srv.SetMembership("acme", "security", "bob", githubapi.MembershipActive)
			},
			want:         githubapi.Membership{State: githubapi.MembershipActive, Role: "member"},
			wantRequests: 1,
		},
		{
			name: "maintainer",
			setup: func(srv *githubapitest.Server) {
				srv.SetMembershipRole("acme", "security", "bob", githubapi.Membership{State: githubapi.MembershipActive, Role: "maintainer"})
			},
			want:         githubapi.Membership{State: githubapi.MembershipActive, Role: "maintainer"},
			wantRequests: 1,
		},
		{
			name: "pending invitation",
			setup: func(srv *githubapitest.Server) {
				srv.SetMembership("acme", "security", "bob", githubapi.MembershipPending)
			},
			want:         githubapi.Membership{State: githubapi.MembershipPending, Role: "member"},
			wantRequests: 1,
		},
		{
			name:         "not a member: 404",
			setup:        func(*githubapitest.Server) {},
			wantErr:      githubapi.ErrNotFound,
			wantRequests: 1,
		},
		{
			name: "a member who has since left the team",
			setup: func(srv *githubapitest.Server) {
				srv.SetMembership("acme", "security", "bob", githubapi.MembershipActive)
				srv.RemoveMembership("acme", "security", "bob")
			},
			wantErr:      githubapi.ErrNotFound,
			wantRequests: 1,
		},
		{
			name: "500 once, then the answer",
			setup: func(srv *githubapitest.Server) {
				srv.SetMembership("acme", "security", "bob", githubapi.MembershipActive)
				srv.FailNext(path, http.StatusInternalServerError, 1)
			},
			want:         githubapi.Membership{State: githubapi.MembershipActive, Role: "member"},
			wantRequests: 2,
		},
		{
			name: "500 for good is unavailable, never not-found",
			setup: func(srv *githubapitest.Server) {
				srv.SetMembership("acme", "security", "bob", githubapi.MembershipActive)
				srv.FailNext(path, http.StatusInternalServerError, -1)
			},
			wantErr:      githubapi.ErrUnavailable,
			wantRequests: 5,
		},
		{
			name:         "403 (token lacks read:org) is an error, never not-found",
			setup:        func(srv *githubapitest.Server) { srv.FailNext(path, http.StatusForbidden, 1) },
			wantErr:      errAny,
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubapitest.NewServer(t)
			tt.setup(srv)
			c := srv.Client()

			got, err := c.TeamMembership(context.Background(), "acme", "security", "bob")
			assert.Equal(t, tt.want, got)
			switch tt.wantErr {
			case nil:
				assert.NoError(t, err)
			case errAny:
				require.Error(t, err)
				assert.NotErrorIs(t, err, githubapi.ErrNotFound)
			default:
				assert.ErrorIs(t, err, tt.wantErr)
			}
			if tt.wantErr != githubapi.ErrNotFound {
				assert.NotErrorIs(t, err, githubapi.ErrNotFound)
			}
			assert.Equal(t, tt.wantRequests, c.Requests())
		})
	}
}

func TestTeamMembershipLoginsAreCaseInsensitive(t *testing.T) {
	srv := githubapitest.NewServer(t)
	srv.SetMembership("acme", "security", "Bob", githubapi.MembershipActive)

	got, err := srv.Client().TeamMembership(context.Background(), "acme", "security", "bob")
	require.NoError(t, err)
	assert.Equal(t, githubapi.MembershipActive, got.State)
}
