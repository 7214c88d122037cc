package codeowners

import (
	"fmt"
	"strings"
)

// OwnerKind says how GitHub resolves an owner.
type OwnerKind uint8

// The three forms of owner GitHub accepts.
const (
	User  OwnerKind = iota + 1 // @login
	Team                       // @org/team-slug
	Email                      // an address linked to a GitHub account
)

func (k OwnerKind) String() string {
	switch k {
	case User:
		return "user"
	case Team:
		return "team"
	case Email:
		return "email"
	}
	return fmt.Sprintf("OwnerKind(%d)", k)
}

// Owner is one code owner of a rule. Value is the owner exactly as written
// ("@alice", "@acme/security", "alice@example.com"). GitHub compares logins,
// team slugs and e-mail addresses case-insensitively; Owner keeps the case
// as written and leaves the comparison to the caller.
type Owner struct {
	Kind  OwnerKind
	Value string
}

func (o Owner) String() string { return o.Value }

// Login returns the login of a User owner, without the "@".
func (o Owner) Login() (string, bool) {
	if o.Kind != User {
		return "", false
	}
	return strings.TrimPrefix(o.Value, "@"), true
}

// Team returns the organization and team slug of a Team owner.
func (o Owner) Team() (org, slug string, ok bool) {
	if o.Kind != Team {
		return "", "", false
	}
	org, slug, ok = strings.Cut(strings.TrimPrefix(o.Value, "@"), "/")
	return org, slug, ok
}

// ParseOwner classifies s as a user, a team or an e-mail owner. Anything else
// is an error: GitHub reports such an owner as unknown and skips the line.
//
// The checks are on syntax only; whether the account or team exists, and
// whether it has write access, is for GitHub to say.
func ParseOwner(s string) (Owner, error) {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		org, slug, isTeam := strings.Cut(name, "/")
		if !isTeam {
			if validLogin(name) {
				return Owner{Kind: User, Value: s}, nil
			}
		} else if validLogin(org) && validSlug(slug) {
			return Owner{Kind: Team, Value: s}, nil
		}
		return Owner{}, fmt.Errorf("invalid owner %q", s)
	}
	if validEmail(s) {
		return Owner{Kind: Email, Value: s}, nil
	}
	return Owner{}, fmt.Errorf("invalid owner %q", s)
}

// validLogin accepts GitHub logins and organization names: letters, digits
// and "-", plus "_" because Enterprise Managed Users' logins carry an
// "_shortcode" suffix.
func validLogin(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '-' && s[i] != '_' {
			return false
		}
	}
	return true
}

// validSlug accepts team slugs, which GitHub derives from team names.
func validSlug(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.' {
			return false
		}
	}
	return true
}

// validEmail is a deliberately plain check: one "@", a non-empty local part
// of the characters RFC 5322 allows unquoted, and a dotted domain.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	for i := 0; i < len(local); i++ {
		if !isAlnum(local[i]) && !strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", rune(local[i])) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
