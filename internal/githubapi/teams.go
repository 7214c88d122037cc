package githubapi

import "context"

// TeamMembership returns user's membership of the team org/teamSlug.
//
// GitHub answers 404 both for "not a member" and for an unknown or invisible
// team; the result is then (Membership{}, an error matching ErrNotFound), and
// the caller decides what that means. Any other failure is an error that does
// not match ErrNotFound. Only State MembershipActive is a member: a pending
// invitation is not.
func (c *Client) TeamMembership(ctx context.Context, org, teamSlug, user string) (Membership, error) {
	m, _, err := c.gh.Teams.GetTeamMembershipBySlug(ctx, org, teamSlug, user)
	if err != nil {
		return Membership{}, wrap(err, "get membership of %s in team %s/%s", user, org, teamSlug)
	}
	return Membership{State: m.GetState(), Role: m.GetRole()}, nil
}
