package approval

import (
	"context"
	"errors"
	"strings"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

// memberCache remembers every membership answer of one evaluation, errors
// included: a team that failed once is not asked again for the same person
// while the same verdict is being built.
type memberCache struct {
	members Members
	calls   int
	results map[memberKey]memberResult
}

type memberKey struct{ org, team, login string }

type memberResult struct {
	member bool
	err    error
}

func keyOf(g policy.Group, login string) memberKey {
	return memberKey{strings.ToLower(g.Org), strings.ToLower(g.Team), exception.NormalizeIdentity(login)}
}

// lookup asks whether login is an active member of g's team. An error is
// never a yes.
func (c *memberCache) lookup(ctx context.Context, g policy.Group, login string) (bool, error) {
	k := keyOf(g, login)
	if r, ok := c.results[k]; ok {
		return r.member, r.err
	}
	var r memberResult
	switch {
	case c.members == nil:
		r.err = errors.New("no membership source")
	case ctx.Err() != nil:
		r.err = ctx.Err()
	default:
		c.calls++
		r.member, r.err = c.members.IsActiveMember(ctx, g.Org, g.Team, login)
		if r.err != nil {
			r.member = false
		}
	}
	c.results[k] = r
	return r.member, r.err
}

// peek returns a cached answer without asking.
func (c *memberCache) peek(g policy.Group, login string) (memberResult, bool) {
	r, ok := c.results[keyOf(g, login)]
	return r, ok
}
