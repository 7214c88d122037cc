package approval

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/risk"
)

// Evaluate decides every record the pull request changes, and the policy or
// CODEOWNERS change if there is one. It never returns "approved" when in
// doubt: a failed lookup or an unreadable version makes the answer
// StateError unless the answer is "no" whatever the lookup would have said.
// A pull request with nothing to approve is approved.
func Evaluate(ctx context.Context, members Members, in Input) Verdict {
	v := Verdict{PR: in.PR.Number, HeadSHA: in.PR.HeadSHA, Records: []RecordVerdict{}}
	if in.Policy == nil {
		v.State = StateError
		v.Problems = []Problem{{Code: CodeNoPolicy, Text: "no policy to decide with: read exceptions/policy.yaml from the base revision"}}
		return v
	}
	ev := newEvaluation(ctx, members, in)
	v.Ignored = ev.ignored
	states := make([]State, 0, len(in.Records)+1)
	for _, rc := range in.Records {
		rv := ev.record(rc)
		v.Records = append(v.Records, rv)
		states = append(states, rv.State)
	}
	if in.PolicyChanged || in.CodeownersChanged {
		pv := ev.policyChange()
		v.Policy = &pv
		states = append(states, pv.State)
	}
	// A definite "no" anywhere is the pull request's answer even when
	// another subject could not be decided: no lookup could turn it into a
	// "yes".
	switch {
	case slices.Contains(states, StateDenied):
		v.State = StateDenied
	case slices.Contains(states, StatePending):
		v.State = StatePending
	case slices.Contains(states, StateError):
		v.State = StateError
	default:
		v.State = StateApproved
	}
	v.MembershipLookups = ev.members.calls
	return v
}

// decision is what a reviewer's latest state-changing review says.
type decision int

const (
	decideApprove decision = iota + 1
	decideChanges
	decideDeny
)

// reviewer is one person and the review of theirs that counts.
type reviewer struct {
	login    string
	key      string // normalized login
	review   Review
	decision decision
	reason   string // after /deny
}

type evaluation struct {
	ctx       context.Context
	in        Input
	members   *memberCache
	reviewers []*reviewer   // ordered by their latest review, earliest first
	order     map[int64]int // review ID → position in reviewers
	ignored   []Ignored
	// committed maps a login to a commit it authored or committed.
	committed map[string]string
	// emails maps a login to the e-mails on the commits it authored or
	// committed: how a login is linked to an e-mail requested_by.
	emails map[string]map[string]bool
}

func newEvaluation(ctx context.Context, members Members, in Input) *evaluation {
	ev := &evaluation{
		ctx:       ctx,
		in:        in,
		members:   &memberCache{members: members, results: map[memberKey]memberResult{}},
		committed: map[string]string{},
		emails:    map[string]map[string]bool{},
	}
	for _, c := range in.PR.Commits {
		for _, who := range [][2]string{{c.AuthorLogin, c.AuthorEmail}, {c.CommitterLogin, c.CommitterEmail}} {
			login := exception.NormalizeIdentity(who[0])
			if login == "" {
				continue
			}
			if _, ok := ev.committed[login]; !ok {
				ev.committed[login] = short(c.SHA)
			}
			if email := exception.NormalizeIdentity(who[1]); email != "" {
				if ev.emails[login] == nil {
					ev.emails[login] = map[string]bool{}
				}
				ev.emails[login][email] = true
			}
		}
	}
	ev.reviewers, ev.ignored = latestReviews(in.Reviews)
	ev.order = make(map[int64]int, len(ev.reviewers))
	for i, r := range ev.reviewers {
		ev.order[r.review.ID] = i
	}
	return ev
}

// latestReviews keeps each reviewer's latest state-changing review. Comments
// change nothing; a dismissal leaves the reviewer with no review at all
// rather than reviving the one before it.
func latestReviews(reviews []Review) ([]*reviewer, []Ignored) {
	sorted := slices.Clone(reviews)
	slices.SortStableFunc(sorted, func(a, b Review) int {
		if c := a.SubmittedAt.Compare(b.SubmittedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	type note struct {
		at int
		Ignored
	}
	var notes []note
	ignore := func(at int, code Code, text string) {
		r := sorted[at]
		notes = append(notes, note{at, Ignored{ReviewID: r.ID, User: r.User, State: r.State, CommitID: r.CommitID, Code: code, Text: text}})
	}
	latest := map[string]int{}
	var order []string
	for i, r := range sorted {
		key := exception.NormalizeIdentity(r.User)
		state := strings.ToUpper(strings.TrimSpace(r.State))
		_, denies := denial(r.Body)
		switch {
		case key == "":
			ignore(i, CodeNoUser, "the review has no author (a deleted account?)")
			continue
		case state == ReviewPending:
			ignore(i, CodeNotSubmitted, "not submitted yet")
			continue
		case state == ReviewCommented && !denies:
			ignore(i, CodeComment, "a comment: it neither approves nor changes an earlier review")
			continue
		case state != ReviewApproved && state != ReviewChangesRequested && state != ReviewDismissed && state != ReviewCommented:
			ignore(i, CodeUnknownState, fmt.Sprintf("unknown review state %q", r.State))
			continue
		}
		if prev, ok := latest[key]; ok {
			ignore(prev, CodeSuperseded, fmt.Sprintf("superseded by a later review (%d)", r.ID))
		} else {
			order = append(order, key)
		}
		latest[key] = i
	}
	var reviewers []*reviewer
	for _, key := range order {
		i := latest[key]
		r := sorted[i]
		rv := &reviewer{login: r.User, key: key, review: r}
		reason, denies := denial(r.Body)
		switch state := strings.ToUpper(strings.TrimSpace(r.State)); {
		case state == ReviewDismissed:
			ignore(i, CodeDismissed, "dismissed")
			continue
		case denies:
			rv.decision, rv.reason = decideDeny, reason
		case state == ReviewApproved:
			rv.decision = decideApprove
		default:
			rv.decision = decideChanges
		}
		reviewers = append(reviewers, rv)
	}
	slices.SortFunc(reviewers, func(a, b *reviewer) int { return cmp.Compare(latest[a.key], latest[b.key]) })
	slices.SortStableFunc(notes, func(a, b note) int { return cmp.Compare(a.at, b.at) })
	ignored := make([]Ignored, len(notes))
	for i, n := range notes {
		ignored[i] = n.Ignored
	}
	return reviewers, ignored
}

// denial reports whether a review body is a /deny command, and its reason.
func denial(body string) (reason string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeftFunc(body, unicode.IsSpace), "/deny")
	if !ok {
		return "", false
	}
	if r, _ := utf8.DecodeRuneInString(rest); rest != "" && !unicode.IsSpace(r) {
		return "", false // "/denylist" is not a denial
	}
	return strings.TrimSpace(rest), true
}

// subject is one thing to approve: a record or the policy change.
type subject struct {
	rv         *RecordVerdict
	groups     []*seatGroup
	requesters []string
	content    func(commitID string) contentCheck
	cands      []*candidate

	denied         bool // a verified denial
	blocked        bool // a verified request for changes
	no             bool // cannot be approved whatever the reviews say
	failed         bool // cannot be evaluated at all
	undecided      bool // a block or a claim depends on a failed lookup
	undecidedSeats bool // the seats could all be filled if failed lookups said yes
}

type seatGroup struct {
	group  policy.Group
	count  int
	usable bool
	seat   int // index in rv.Seats
}

type candidate struct {
	r            *reviewer
	contentKnown bool
	slot         int
}

type contentCheck struct {
	same         bool
	incomparable bool
	err          error
	text         string
}

func (ev *evaluation) newSubject(rv *RecordVerdict, seats []policy.Seat) *subject {
	p := ev.in.Policy
	s := &subject{rv: rv}
	for _, st := range seats {
		g, ok := p.Groups[st.Group]
		count := max(st.Count, 1) // a group the policy names never needs zero approvals
		sv := SeatVerdict{Group: st.Group, Name: g.Name, CAB: st.Group == p.CAB.Group, Count: count, Missing: count, FilledBy: []Approver{}}
		sg := &seatGroup{group: g, count: count, seat: len(rv.Seats)}
		switch {
		case !ok:
			sv.Name = st.Group
			s.problem(CodeUnknownGroup, fmt.Sprintf("the policy requires group %q, which it does not define", st.Group))
		case g.Org == "" || g.Team == "":
			s.problem(CodeNoTeam, fmt.Sprintf("group %s (%s) names no GitHub team in the policy, so nobody can fill its seat", st.Group, g.Name))
		default:
			sg.usable = true
			sv.Team = team(g)
		}
		if sv.Name == "" {
			sv.Name = st.Group
		}
		rv.Seats = append(rv.Seats, sv)
		s.groups = append(s.groups, sg)
	}
	return s
}

func (s *subject) problem(code Code, text string) {
	s.rv.Problems = append(s.rv.Problems, Problem{Code: code, Text: text})
	if code != CodeInvalidRecord && code != CodeLookupFailed {
		s.no = true
	}
}

func (s *subject) ignore(r *reviewer, group string, code Code, text string) {
	s.rv.Ignored = append(s.rv.Ignored, Ignored{ReviewID: r.review.ID, User: r.login, State: r.review.State, CommitID: r.review.CommitID, Group: group, Code: code, Text: text})
}

func (s *subject) state() State {
	missing := len(s.rv.Seats) == 0
	for _, sv := range s.rv.Seats {
		missing = missing || sv.Missing > 0
	}
	switch {
	case s.denied:
		return StateDenied
	case s.no || s.blocked:
		return StatePending
	case s.failed:
		return StateError
	case missing && !s.undecidedSeats:
		return StatePending
	case missing || s.undecided:
		return StateError
	}
	return StateApproved
}

func (ev *evaluation) record(rc RecordChange) RecordVerdict {
	p := ev.in.Policy
	rv := RecordVerdict{Kind: KindRecord, Path: rc.Path, State: StatePending, Seats: []SeatVerdict{}}
	e := rc.Exception
	if e == nil {
		if rc.Base != nil {
			rv.ExceptionID, rv.Type, rv.RequestedBy = rc.Base.ID, rc.Base.Type, rc.Base.RequestedBy
		}
		rv.Problems = append(rv.Problems, Problem{Code: CodeDeleted, Text: "the pull request deletes the record; records are the audit trail, so a deletion cannot be approved: let it expire or be denied"})
		return rv
	}
	rv.ExceptionID, rv.Type, rv.RequestedBy = e.ID, e.Type, e.RequestedBy
	score := risk.Compute(e, p.Risk)
	rv.RiskScore = score.Total
	seats, ok := p.RequiredSeats(e.Type, score.Total, e.Risk.Privileged)
	if !ok {
		rv.Problems = append(rv.Problems, Problem{Code: CodeNotCovered, Text: fmt.Sprintf("the policy names no approvers for type %q, so no review can approve it", e.Type)})
		return rv
	}
	if b := rc.Base; b != nil {
		// A change never needs fewer approvals than the version it changes:
		// lowering the risk inputs must not drop the CAB.
		if more, ok := p.RequiredSeats(b.Type, risk.Compute(b, p.Risk).Total, b.Risk.Privileged); ok {
			seats = mergeSeats(seats, more)
		}
	}
	s := ev.newSubject(&rv, seats)
	if len(rc.HeadContent) == 0 {
		s.problem(CodeInvalidRecord, "the record's content at the head is missing")
		s.failed = true
		rv.State = s.state()
		return rv
	}
	s.requesters = []string{e.RequestedBy}
	if rc.Base != nil {
		s.requesters = append(s.requesters, rc.Base.RequestedBy)
	}
	// The head is stripped only when a review of another commit needs it.
	var head []byte
	var headErr error
	stripped := false
	s.content = cached(func(commit string) contentCheck {
		return ev.compareRecord(rc, commit, func() ([]byte, error) {
			if !stripped {
				head, headErr = StripControllerFields(rc.HeadContent)
				stripped = true
			}
			return head, headErr
		})
	})
	ev.decide(s)
	ev.checkClaims(s, e, rc.Base)
	rv.State = s.state()
	return rv
}

func mergeSeats(a, b []policy.Seat) []policy.Seat {
	out := slices.Clone(a)
	for _, s := range b {
		i := slices.IndexFunc(out, func(x policy.Seat) bool { return x.Group == s.Group })
		if i < 0 {
			out = append(out, s)
		} else {
			out[i].Count = max(out[i].Count, s.Count)
		}
	}
	return out
}

func cached(f func(string) contentCheck) func(string) contentCheck {
	memo := map[string]contentCheck{}
	return func(commit string) contentCheck {
		if c, ok := memo[commit]; ok {
			return c
		}
		c := f(commit)
		memo[commit] = c
		return c
	}
}

// compareRecord decides whether the review of commit approved the head's
// content: the record with controller fields set aside, byte for byte.
func (ev *evaluation) compareRecord(rc RecordChange, commit string, strippedHead func() ([]byte, error)) contentCheck {
	switch {
	case commit == "":
		return contentCheck{text: "the review names no commit, so what it approved is unknown"}
	case commit == ev.in.PR.HeadSHA:
		return contentCheck{same: true}
	case rc.ContentAt == nil:
		err := errors.New("no way to read earlier versions")
		return contentCheck{err: err, text: fmt.Sprintf("could not read the record at commit %s: %v", short(commit), err)}
	}
	data, ok, err := rc.ContentAt(commit)
	if err != nil {
		return contentCheck{err: err, text: fmt.Sprintf("could not read the record at commit %s: %v", short(commit), err)}
	}
	if !ok {
		return contentCheck{text: fmt.Sprintf("approved commit %s, where the record did not exist yet", short(commit))}
	}
	if bytes.Equal(data, rc.HeadContent) {
		return contentCheck{same: true} // the common case: later pushes touched other files
	}
	head, err := strippedHead()
	if err != nil {
		// A property of the content, not a passing failure: only an
		// approval of the head itself can count.
		return contentCheck{incomparable: true, text: fmt.Sprintf("approved commit %s, but the record at the head cannot be compared with earlier versions (%v): approve the head", short(commit), err)}
	}
	// A version that cannot be stripped differs from a head that can.
	if old, err := StripControllerFields(data); err != nil || !bytes.Equal(old, head) {
		return contentCheck{text: fmt.Sprintf("approved an earlier version of the record (commit %s) and the record changed since", short(commit))}
	}
	return contentCheck{same: true}
}

func (ev *evaluation) policyChange() RecordVerdict {
	p := ev.in.Policy
	var paths []string
	for _, f := range ev.in.PolicyFiles {
		paths = append(paths, f.Path)
	}
	if len(paths) == 0 {
		if ev.in.PolicyChanged {
			paths = append(paths, "exceptions/policy.yaml")
		}
		if ev.in.CodeownersChanged {
			paths = append(paths, "CODEOWNERS")
		}
	}
	rv := RecordVerdict{Kind: KindPolicy, Path: strings.Join(paths, ", "), State: StatePending, Seats: []SeatVerdict{}}
	owners := p.OwnerGroups()
	if len(owners) == 0 {
		rv.Problems = append(rv.Problems, Problem{Code: CodeNotCovered, Text: "the policy names no policy owners, so nobody can approve a change to it"})
		return rv
	}
	seats := make([]policy.Seat, 0, len(owners))
	for _, g := range owners {
		seats = append(seats, policy.Seat{Group: g, Count: 1})
	}
	s := ev.newSubject(&rv, seats)
	s.content = cached(ev.comparePolicy)
	ev.decide(s)
	rv.State = s.state()
	return rv
}

// comparePolicy decides whether the review of commit approved the policy
// files as they are at the head, byte for byte: they have no controller
// fields to set aside.
func (ev *evaluation) comparePolicy(commit string) contentCheck {
	switch {
	case commit == "":
		return contentCheck{text: "the review names no commit, so what it approved is unknown"}
	case commit == ev.in.PR.HeadSHA:
		return contentCheck{same: true}
	case len(ev.in.PolicyFiles) == 0:
		return contentCheck{text: fmt.Sprintf("approved commit %s, not the head, and the policy files were not given to compare", short(commit))}
	}
	for _, f := range ev.in.PolicyFiles {
		if f.ContentAt == nil {
			err := errors.New("no way to read earlier versions")
			return contentCheck{err: err, text: fmt.Sprintf("could not read %s at commit %s: %v", f.Path, short(commit), err)}
		}
		data, ok, err := f.ContentAt(commit)
		if err != nil {
			return contentCheck{err: err, text: fmt.Sprintf("could not read %s at commit %s: %v", f.Path, short(commit), err)}
		}
		if ok != (f.HeadContent != nil) || !bytes.Equal(data, f.HeadContent) {
			return contentCheck{text: fmt.Sprintf("approved an earlier version of %s (commit %s) and it changed since", f.Path, short(commit))}
		}
	}
	return contentCheck{same: true}
}

// decide sorts the reviewers into blocks, ignored reviews and candidates,
// then fills the seats.
func (ev *evaluation) decide(s *subject) {
	for _, r := range ev.reviewers {
		if r.decision == decideChanges {
			// Any member's request for changes blocks, independent or not:
			// blocking is the safe direction.
			ev.block(s, r, BlockChangesRequested, "requested changes")
			continue
		}
		if code, text := ev.dependent(s, r.login); code != "" {
			s.ignore(r, "", code, text)
			continue
		}
		c := s.content(r.review.CommitID)
		switch {
		case r.decision == decideDeny && c.same:
			ev.block(s, r, BlockDenied, denialText(r.reason))
		case r.decision == decideDeny:
			// Still a "no", but not one to record as a denial of content
			// the reviewer did not see.
			ev.block(s, r, BlockChangesRequested, "denied, but "+c.text)
		case c.same:
			s.cands = append(s.cands, &candidate{r: r, contentKnown: true, slot: -1})
		case c.err != nil:
			s.ignore(r, "", CodeContentUnreadable, c.text)
			s.cands = append(s.cands, &candidate{r: r, slot: -1})
		case c.incomparable:
			s.ignore(r, "", CodeIncomparable, c.text)
		default:
			s.ignore(r, "", CodeContentChanged, c.text)
		}
	}
	ev.seat(s)
	// Explanations were written rule by rule; readers want them review by
	// review.
	slices.SortStableFunc(s.rv.Ignored, func(a, b Ignored) int { return cmp.Compare(ev.order[a.ReviewID], ev.order[b.ReviewID]) })
}

func denialText(reason string) string {
	if reason == "" {
		return "denied (no reason given)"
	}
	return "denied: " + reason
}

// dependent says why login may not decide on the subject, if it may not.
func (ev *evaluation) dependent(s *subject, login string) (Code, string) {
	norm := exception.NormalizeIdentity(login)
	if exception.SameIdentity(login, ev.in.PR.Author) {
		return CodePRAuthor, "author of the PR"
	}
	for _, req := range s.requesters {
		if exception.SameIdentity(req, login) {
			return CodeRequester, "requested this exception"
		}
		if isEmail(req) && ev.emails[norm][exception.NormalizeIdentity(req)] {
			return CodeRequester, fmt.Sprintf("requested this exception (their commits on the PR carry %s)", req)
		}
	}
	if sha, ok := ev.committed[norm]; ok {
		return CodeCommitter, fmt.Sprintf("committer on the PR (commit %s)", sha)
	}
	return "", ""
}

func isEmail(identity string) bool {
	return strings.Contains(strings.TrimPrefix(strings.TrimSpace(identity), "@"), "@")
}

// block records r's request for changes or denial when r is an active
// member of a required group, and says why it does not block otherwise.
func (ev *evaluation) block(s *subject, r *reviewer, kind BlockKind, text string) {
	var failed []*seatGroup
	var errs []error
	var teams []string
	for _, g := range s.groups {
		if !g.usable {
			continue
		}
		teams = append(teams, team(g.group))
		ok, err := ev.members.lookup(ev.ctx, g.group, r.login)
		switch {
		case err != nil:
			failed, errs = append(failed, g), append(errs, err)
		case ok:
			s.rv.Blocks = append(s.rv.Blocks, Block{ReviewID: r.review.ID, User: r.login, Group: g.group.Key, Kind: kind, Reason: r.reason, Text: text})
			if kind == BlockDenied {
				s.denied = true
			} else {
				s.blocked = true
			}
			return
		}
	}
	for i, g := range failed {
		s.ignore(r, g.group.Key, CodeLookupFailed, fmt.Sprintf("membership lookup failed: %v (%s may block)", errs[i], text))
		s.undecided = true
	}
	if len(failed) == 0 {
		s.ignore(r, "", CodeNotMember, fmt.Sprintf("%s, but is not an active member of %s, so it does not block", text, orList(teams)))
	}
}

// seat assigns candidates to seats so that as many seats as possible are
// filled, one seat per person, and explains every candidate left out.
func (ev *evaluation) seat(s *subject) {
	var slots []int // the group of each seat
	for gi, g := range s.groups {
		if g.usable {
			for range g.count {
				slots = append(slots, gi)
			}
		}
	}
	var known []*candidate
	for _, c := range s.cands {
		if c.contentKnown {
			known = append(known, c)
		}
	}
	member := func(c *candidate, gi int) memberResult {
		ok, err := ev.members.lookup(ev.ctx, s.groups[gi].group, c.r.login)
		return memberResult{member: ok, err: err}
	}
	candOf, _ := match(slots, len(known), func(c, gi int) bool { return member(known[c], gi).member })
	for si, ci := range candOf {
		if ci < 0 {
			continue
		}
		c := known[ci]
		c.slot = si
		sv := &s.rv.Seats[s.groups[slots[si]].seat]
		sv.FilledBy = append(sv.FilledBy, Approver{Login: c.r.login, ReviewID: c.r.review.ID, CommitID: c.r.review.CommitID, SubmittedAt: c.r.review.SubmittedAt})
		sv.Missing--
	}

	missing := func(gi int) bool { return s.rv.Seats[s.groups[gi].seat].Missing > 0 }
	if slices.ContainsFunc(slots, missing) {
		// Would the seats all be filled if every failed lookup and every
		// unreadable version had said yes? Then the answer is undecided
		// rather than "no".
		opt, _ := match(slots, len(s.cands), func(c, gi int) bool {
			r := member(s.cands[c], gi)
			return r.member || r.err != nil
		})
		s.undecidedSeats = !slices.Contains(opt, -1)
		for gi := range s.groups {
			if s.groups[gi].usable && missing(gi) {
				s.rv.Seats[s.groups[gi].seat].Undecided = s.undecidedSeats
			}
		}
	}

	for _, c := range known {
		if c.slot >= 0 {
			seated := s.groups[slots[c.slot]]
			for gi, g := range s.groups {
				if g == seated || !g.usable || !missing(gi) {
					continue
				}
				switch r := member(c, gi); {
				case r.err != nil:
					s.ignore(c.r, g.group.Key, CodeLookupFailed, fmt.Sprintf("membership lookup failed: %v", r.err))
				case r.member:
					s.ignore(c.r, g.group.Key, CodeAlreadySeated, fmt.Sprintf("already fills the %s seat", s.rv.Seats[seated.seat].Name))
				}
			}
			continue
		}
		for gi, g := range s.groups {
			if !g.usable {
				continue
			}
			sv := s.rv.Seats[g.seat]
			r, looked := ev.members.peek(g.group, c.r.login)
			if missing(gi) {
				r, looked = member(c, gi), true
			}
			switch {
			case looked && r.err != nil:
				s.ignore(c.r, g.group.Key, CodeLookupFailed, fmt.Sprintf("membership lookup failed: %v", r.err))
			case looked && !r.member:
				s.ignore(c.r, g.group.Key, CodeNotMember, "not an active member of "+sv.Team)
			default:
				s.ignore(c.r, g.group.Key, CodeSeatFilled, fmt.Sprintf("the %s seat is already filled by %s", sv.Name, logins(sv.FilledBy)))
			}
		}
	}
}

// match is a maximum bipartite matching of seats to candidates (Kuhn's
// augmenting paths), trying candidates in order so that earlier approvals
// take seats first. adj is asked lazily, so membership is looked up only
// where a seat needs it. It returns the candidate of each seat, -1 if none,
// and the seat of each candidate.
func match(slots []int, n int, adj func(cand, group int) bool) (candOf, slotOf []int) {
	candOf = make([]int, len(slots))
	slotOf = make([]int, n)
	for i := range candOf {
		candOf[i] = -1
	}
	for i := range slotOf {
		slotOf[i] = -1
	}
	var augment func(s int, visited []bool) bool
	augment = func(s int, visited []bool) bool {
		for c := range n {
			if visited[c] || !adj(c, slots[s]) {
				continue
			}
			visited[c] = true
			if slotOf[c] < 0 || augment(slotOf[c], visited) {
				slotOf[c], candOf[s] = s, c
				return true
			}
		}
		return false
	}
	for s := range slots {
		augment(s, make([]bool, n))
	}
	return candOf, slotOf
}

// checkClaims fails a record whose approved_by or cab_approved_by names
// someone this pull request gives no counting approval: someone typed it.
// Names the base version already carried were verified when exctl recorded
// them and are left alone, so that expiring an approved record is possible.
func (ev *evaluation) checkClaims(s *subject, head, base *exception.Exception) {
	p := ev.in.Policy
	var nonCAB, cab []policy.Group
	for _, g := range s.groups {
		if g.usable && g.group.Key != p.CAB.Group {
			nonCAB = append(nonCAB, g.group)
		}
	}
	if g, ok := p.Groups[p.CAB.Group]; ok && g.Org != "" && g.Team != "" {
		cab = []policy.Group{g}
	}
	var baseApproved, baseCAB []string
	if base != nil {
		baseApproved, baseCAB = base.ApprovedBy, base.CABApprovedBy
	}
	check := func(field string, names, inherited []string, groups []policy.Group) {
		for _, name := range names {
			if containsIdentity(inherited, name) {
				continue
			}
			switch ev.verified(s, name, groups) {
			case verifiedNo:
				s.problem(CodeUnverifiedApprover, fmt.Sprintf("%s lists %s who has no counting approval", field, name))
			case verifiedUnknown:
				s.problem(CodeLookupFailed, fmt.Sprintf("%s lists %s, whose approval cannot be verified: a lookup failed", field, name))
				s.undecided = true
			}
		}
	}
	check("approved_by", head.ApprovedBy, baseApproved, nonCAB)
	check("cab_approved_by", head.CABApprovedBy, baseCAB, cab)
	for _, name := range head.ApprovedBy {
		if containsIdentity(head.CABApprovedBy, name) && !(containsIdentity(baseApproved, name) && containsIdentity(baseCAB, name)) {
			s.problem(CodeUnverifiedApprover, fmt.Sprintf("approved_by and cab_approved_by both list %s: one person fills one seat", name))
		}
	}
}

type verification int

const (
	verifiedNo verification = iota
	verifiedYes
	verifiedUnknown
)

func (ev *evaluation) verified(s *subject, name string, groups []policy.Group) verification {
	i := slices.IndexFunc(s.cands, func(c *candidate) bool { return exception.SameIdentity(c.r.login, name) })
	if i < 0 {
		return verifiedNo
	}
	c := s.cands[i]
	result := verifiedNo
	for _, g := range groups {
		ok, err := ev.members.lookup(ev.ctx, g, c.r.login)
		switch {
		case err != nil:
			result = verifiedUnknown
		case ok && c.contentKnown:
			return verifiedYes
		case ok:
			result = verifiedUnknown
		}
	}
	return result
}

func containsIdentity(list []string, name string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return exception.SameIdentity(x, name) })
}

func team(g policy.Group) string { return g.Org + "/" + g.Team }

func orList(items []string) string {
	switch len(items) {
	case 0:
		return "any required group with a team"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func logins(as []Approver) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Login
	}
	return strings.Join(names, ", ")
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
