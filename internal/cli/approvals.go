package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/exctl/exctl/internal/approval"
	"github.com/exctl/exctl/internal/edit"
	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/gitrepo"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/report"
	"github.com/exctl/exctl/internal/validate"
)

// StatusContext is the commit status branch protection requires.
const StatusContext = "exctl/approvals"

var stickyMarker = githubapi.Marker("approvals")

type approvalsOptions struct {
	dir    string
	slug   string
	pr     int
	now    string
	format string
	post   bool
	record bool
	// baseBranches are the branches whose pull requests are judged.
	baseBranches multi
}

func runApprovals(e *env, args []string) error {
	var o approvalsOptions
	fs := e.flagSet("approvals", "[--repo OWNER/NAME --pr N] [--post] [--record] [--format text|json|markdown]",
		`Checks that every exception record a pull request adds or changes is
approved by the people the policy requires, as GitHub reviews that count:

  the latest review of each reviewer; from an active member of the group's
  team; not by the PR author, a committer on the PR or the requester; one
  seat per person; for the record's content as it is at the head (controller
  fields aside); a CHANGES_REQUESTED review from a required group blocks, and
  one whose body starts with /deny denies.

The policy and CODEOWNERS are read from the pull request's base commit, and a
change to either needs the policy owners' approval.

In GitHub Actions it reads GITHUB_REPOSITORY, GITHUB_EVENT_NAME and
GITHUB_EVENT_PATH (pull_request or pull_request_review); elsewhere give
--repo and --pr. GITHUB_TOKEN authenticates (a GitHub App installation token
works too); GITHUB_API_URL points at GitHub Enterprise. The local checkout
(--dir) must contain the base and head commits (fetch-depth: 0).

--post sets the commit status exctl/approvals on the head and keeps one
sticky comment on the pull request up to date. --record, once every changed
pending record is approved (or denied), commits the decision into the
records with Exception-* trailers and pushes it to the pull request branch.

Exit 0 approved, 1 not (yet) approved or denied, 2 could not decide.`)
	fs.StringVar(&o.dir, "dir", ".", "local checkout of the repository")
	fs.StringVar(&o.slug, "repo", "", "GitHub repository `owner/name` (default: from the Actions environment)")
	fs.IntVar(&o.pr, "pr", 0, "pull request `number` (default: from the event payload)")
	fs.StringVar(&o.now, "now", "", "record decisions at this RFC 3339 `time` (or EXCTL_NOW)")
	fs.StringVar(&o.format, "format", "text", "output `format`: text|json|markdown")
	fs.BoolVar(&o.post, "post", false, "set the exctl/approvals commit status and the sticky PR comment")
	fs.BoolVar(&o.record, "record", false, "commit and push verified decisions into the records")
	fs.Var(&o.baseBranches, "base-branch", "judge only pull requests into this `branch` (repeatable; default: the repository's default branch, from the event)")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if !contains([]string{"text", "json", "markdown"}, o.format) {
		return usageErrorf("unknown --format %q (want text|json|markdown)", o.format)
	}
	c := common{now: o.now}
	now, err := c.clock(e)
	if err != nil {
		return err
	}
	target, err := o.resolve(e)
	if err != nil {
		return err
	}
	token := e.getenv("GITHUB_TOKEN")
	if token == "" {
		return usageErrorf("GITHUB_TOKEN is not set: the check reads reviews and team memberships from GitHub")
	}
	client, err := e.githubClient(token)
	if err != nil {
		return err
	}
	return o.run(e, client, target, token, now)
}

type prTarget struct {
	owner, repo string
	number      int
	event       *githubapi.Event
}

func (o *approvalsOptions) resolve(e *env) (prTarget, error) {
	if o.slug != "" || o.pr != 0 {
		owner, repo, ok := strings.Cut(o.slug, "/")
		if !ok || owner == "" || repo == "" || o.pr <= 0 {
			return prTarget{}, usageErrorf("give both --repo OWNER/NAME and --pr N")
		}
		return prTarget{owner: owner, repo: repo, number: o.pr}, nil
	}
	p := e.getenv("GITHUB_EVENT_PATH")
	if p == "" {
		return prTarget{}, usageErrorf("not in GitHub Actions (no GITHUB_EVENT_PATH): give --repo OWNER/NAME and --pr N")
	}
	f, err := os.Open(p)
	if err != nil {
		return prTarget{}, fmt.Errorf("read the event payload: %w", err)
	}
	defer f.Close()
	ev, err := githubapi.ReadEvent(e.getenv("GITHUB_EVENT_NAME"), f)
	if err != nil {
		return prTarget{}, err
	}
	// The run's repository and the payload's must agree: a decision on
	// another repository's pull request is no answer for this one.
	if want := e.getenv("GITHUB_REPOSITORY"); want != "" && !strings.EqualFold(want, ev.Owner+"/"+ev.Repo) {
		return prTarget{}, fmt.Errorf("the event payload is for %s/%s, but GITHUB_REPOSITORY is %s", ev.Owner, ev.Repo, want)
	}
	return prTarget{owner: ev.Owner, repo: ev.Repo, number: ev.PR, event: ev}, nil
}

// members answers team membership from GitHub: a 404 is "not a member",
// a pending invitation is not active, anything else that fails is an error.
type members struct{ c *githubapi.Client }

func (m members) IsActiveMember(ctx context.Context, org, team, login string) (bool, error) {
	ms, err := m.c.TeamMembership(ctx, org, team, login)
	if errors.Is(err, githubapi.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return ms.State == githubapi.MembershipActive, nil
}

// gathered is what one evaluation reads from GitHub and git.
type gathered struct {
	pr       githubapi.PR
	repo     *gitrepo.Repo
	input    approval.Input
	heads    map[string]*exception.Exception // path → head record
	contents map[string][]byte               // path → head bytes
	invalid  []approval.RecordVerdict
}

func (o *approvalsOptions) run(e *env, client *githubapi.Client, t prTarget, token string, now time.Time) error {
	ctx := e.ctx
	// The pull request's records are read one by one, as many as it
	// changes: the runtime's own collector settings suit that.
	e.heap.stop()
	g, err := o.gather(ctx, client, t, now)
	if err != nil {
		if o.post {
			o.postError(ctx, client, t, err)
		}
		return err
	}
	v := approval.Evaluate(ctx, members{client}, g.input)
	if len(g.invalid) > 0 {
		v.Records = append(v.Records, g.invalid...)
		if v.State == approval.StateApproved || v.State == approval.StateError {
			v.State = approval.StatePending
		}
	}
	if err := o.render(e, v); err != nil {
		return err
	}
	head := g.pr.HeadSHA
	if o.record {
		newHead, err := o.recordDecisions(ctx, e, g, v, t, token, now)
		if err != nil {
			if o.post {
				o.postError(ctx, client, t, err)
			}
			return err
		}
		if newHead != "" {
			head = newHead
			v.HeadSHA = newHead
		}
	}
	if o.post {
		if err := o.postVerdict(ctx, client, t, head, v); err != nil {
			return err
		}
	}
	switch v.State {
	case approval.StateApproved:
		return nil
	case approval.StateError:
		return errors.New("could not decide: see the problems above")
	default:
		return fmt.Errorf("pull request #%d is %s: %w", t.number, v.State, ErrNo)
	}
}

// checkBase refuses a pull request into a branch that is not protected. Its
// policy and CODEOWNERS are whatever that branch holds, which anyone who can
// push may write; and a commit status is per commit, so a success posted
// there would count for every pull request with the same head.
func (o *approvalsOptions) checkBase(t prTarget, pr githubapi.PR) error {
	allowed := []string(o.baseBranches)
	if len(allowed) == 0 && pr.DefaultBranch != "" {
		allowed = []string{pr.DefaultBranch}
	}
	switch {
	case len(allowed) == 0:
		return usageErrorf("give --base-branch: the branches whose pull requests may be judged (GitHub named no default branch)")
	case len(allowed) > 0 && !contains(allowed, pr.BaseRef):
		return fmt.Errorf("pull request #%d is into %q, which is not a branch approvals are judged for (%s): its policy could be anyone's",
			t.number, validate.Printable(pr.BaseRef), strings.Join(allowed, ", "))
	}
	return nil
}

func (o *approvalsOptions) render(e *env, v approval.Verdict) error {
	switch o.format {
	case "json":
		return report.ApprovalsJSON(e.stdout, v)
	case "markdown":
		return report.ApprovalsMarkdown(e.stdout, v, "")
	}
	return report.ApprovalsText(e.stdout, v)
}

func isCodeowners(p string) bool {
	return p == ".github/CODEOWNERS" || p == "CODEOWNERS" || p == "docs/CODEOWNERS"
}

func (o *approvalsOptions) gather(ctx context.Context, client *githubapi.Client, t prTarget, now time.Time) (*gathered, error) {
	pr, err := client.PullRequest(ctx, t.owner, t.repo, t.number)
	if err != nil {
		return nil, err
	}
	if err := o.checkBase(t, pr); err != nil {
		return nil, err
	}
	files, err := client.PullRequestFiles(ctx, t.owner, t.repo, t.number)
	if err != nil {
		return nil, err
	}
	commits, err := client.PullRequestCommits(ctx, t.owner, t.repo, t.number)
	if err != nil {
		return nil, err
	}
	// GitHub lists at most 3,000 files and 250 commits of a pull request:
	// a record or a committer it leaves out would go unchecked.
	if len(files) < pr.ChangedFiles {
		return nil, fmt.Errorf("GitHub lists %d of the %d files pull request #%d changes (it lists at most 3,000): too large to verify; split it", len(files), pr.ChangedFiles, t.number)
	}
	if len(commits) < pr.Commits {
		return nil, fmt.Errorf("GitHub lists %d of the %d commits of pull request #%d (it lists at most 250): too large to verify; split it or squash it", len(commits), pr.Commits, t.number)
	}
	reviews, err := client.Reviews(ctx, t.owner, t.repo, t.number)
	if err != nil {
		return nil, err
	}
	repo, err := gitrepo.Open(o.dir)
	if err != nil {
		return nil, err
	}
	for _, sha := range []string{pr.BaseSHA, pr.HeadSHA} {
		if _, err := repo.Tree(sha); err != nil {
			return nil, fmt.Errorf("commit %s of pull request #%d is not in the local repository %s: check out with fetch-depth: 0 and fetch the pull request head", short(sha), t.number, repo.Root)
		}
	}
	// The rules come from the base: a pull request never picks its own
	// approvers.
	baseSrc, err := load.NewTreeSource(repo, pr.BaseSHA)
	if err != nil {
		return nil, err
	}
	schemas, err := validate.CompileSchemas()
	if err != nil {
		return nil, err
	}
	pol, pf, err := loadPolicy(schemas, baseSrc)
	if err != nil {
		return nil, err
	}
	if pol == nil {
		return nil, &findingsError{head: fmt.Sprintf("the base's %s is invalid, so nobody can approve under it", load.PolicyPath), fs: pf}
	}
	checker := &validate.Checker{Schemas: schemas, Policy: pol, Now: now, Dir: load.Dir}
	g := &gathered{pr: pr, repo: repo, heads: map[string]*exception.Exception{}, contents: map[string][]byte{}}
	in := approval.Input{
		PR:     approval.PR{Number: pr.Number, Author: pr.Author, HeadSHA: pr.HeadSHA},
		Policy: pol,
	}
	for _, c := range commits {
		in.PR.Commits = append(in.PR.Commits, approval.Commit{SHA: c.SHA, AuthorLogin: c.AuthorLogin, AuthorEmail: c.AuthorEmail, CommitterLogin: c.CommitterLogin, CommitterEmail: c.CommitterEmail})
	}
	for _, r := range reviews {
		in.Reviews = append(in.Reviews, approval.Review{ID: r.ID, User: r.User, State: r.State, Body: r.Body, CommitID: r.CommitID, SubmittedAt: r.SubmittedAt})
	}
	contentAt := func(p string) func(string) ([]byte, bool, error) {
		return func(sha string) ([]byte, bool, error) { return repo.FileAt(sha, p) }
	}
	judged := map[string]bool{} // a path listed and also named as renamed from is judged once
	for _, f := range files {
		paths := []string{f.Filename}
		if f.PreviousFilename != "" && f.PreviousFilename != f.Filename {
			paths = append(paths, f.PreviousFilename)
		}
		for _, p := range paths {
			switch {
			case p == load.PolicyPath:
				in.PolicyChanged = true
			case isCodeowners(p):
				in.CodeownersChanged = true
			}
			if p == load.PolicyPath || isCodeowners(p) {
				data, _, err := repo.FileAt(pr.HeadSHA, p)
				if err != nil {
					return nil, err
				}
				in.PolicyFiles = append(in.PolicyFiles, approval.FileChange{Path: p, HeadContent: data, ContentAt: contentAt(p)})
			}
		}
		// A renamed record is the old one removed and a new one added:
		// both are judged, so a move cannot drop the base's approvers or
		// delete a record unseen. A copy leaves its source as it was.
		if f.Status != "renamed" {
			paths = paths[:1]
		}
		for _, p := range paths {
			isRecord, _ := load.Classify(p)
			if !strings.HasPrefix(p, load.Dir+"/") || !isRecord || judged[p] {
				continue
			}
			judged[p] = true
			rc := approval.RecordChange{Path: p, ContentAt: contentAt(p)}
			if base, ok, err := repo.FileAt(pr.BaseSHA, p); err != nil {
				return nil, err
			} else if ok {
				if doc, err := load.Parse(p, base); err == nil {
					rc.Base, _ = exception.FromNode(doc.Root)
				}
			}
			data, ok, err := repo.FileAt(pr.HeadSHA, p)
			if err != nil {
				return nil, err
			}
			if ok {
				res := checker.File(p, data)
				// A record that does not even parse cannot be approved;
				// other findings are the validate check's to report.
				if res.Exception == nil {
					g.invalid = append(g.invalid, approval.RecordVerdict{Kind: approval.KindRecord, Path: p, State: approval.StatePending,
						Seats: []approval.SeatVerdict{}, Problems: []approval.Problem{{Code: approval.CodeInvalidRecord, Text: "the record is invalid at the head: run exctl validate"}}})
					continue
				}
				rc.Exception, rc.HeadContent = res.Exception, data
				g.heads[p], g.contents[p] = res.Exception, data
			}
			in.Records = append(in.Records, rc)
		}
	}
	g.input = in
	return g, nil
}

func (o *approvalsOptions) postVerdict(ctx context.Context, client *githubapi.Client, t prTarget, head string, v approval.Verdict) error {
	state, desc := githubapi.StatusFailure, "not approved yet"
	switch v.State {
	case approval.StateApproved:
		state, desc = githubapi.StatusSuccess, "approved by the required groups"
	case approval.StateDenied:
		desc = "denied"
	case approval.StateError:
		state, desc = githubapi.StatusError, "could not decide; see the exctl comment"
	default:
		var missing []string
		for _, r := range subjectsOf(v) {
			for _, s := range r.Seats {
				if s.Missing > 0 {
					missing = append(missing, s.Name)
				}
			}
		}
		if len(missing) > 0 {
			desc = "waiting for " + strings.Join(dedupe(missing), ", ")
		}
	}
	var body bytes.Buffer
	if err := report.ApprovalsMarkdown(&body, v, stickyMarker); err != nil {
		return err
	}
	if _, err := client.UpsertStickyComment(ctx, t.owner, t.repo, t.number, stickyMarker, body.String()); err != nil {
		return err
	}
	return client.CreateStatus(ctx, t.owner, t.repo, head, githubapi.Status{State: state, Context: StatusContext, Description: desc})
}

// postError reports a check that could not decide; a failure to post it is
// secondary to the error being returned.
func (o *approvalsOptions) postError(ctx context.Context, client *githubapi.Client, t prTarget, cause error) {
	pr, err := client.PullRequest(ctx, t.owner, t.repo, t.number)
	if err != nil || pr.HeadSHA == "" {
		return
	}
	msg := cause.Error()
	_ = client.CreateStatus(ctx, t.owner, t.repo, pr.HeadSHA, githubapi.Status{State: githubapi.StatusError, Context: StatusContext, Description: "could not decide: " + msg})
}

func subjectsOf(v approval.Verdict) []approval.RecordVerdict {
	out := append([]approval.RecordVerdict(nil), v.Records...)
	if v.Policy != nil {
		out = append(out, *v.Policy)
	}
	return out
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// recordDecisions commits status: approved (or denied) with the verified
// approvers into every pending record the verdict decides, and pushes the
// commit to the pull request branch. It returns the new head, or "" when
// there was nothing to record.
func (o *approvalsOptions) recordDecisions(ctx context.Context, e *env, g *gathered, v approval.Verdict, t prTarget, token string, now time.Time) (string, error) {
	if v.State != approval.StateApproved && v.State != approval.StateDenied {
		return "", nil
	}
	if t.event != nil && t.event.FromFork() {
		return "", fmt.Errorf("pull request #%d comes from the fork %s: its branch cannot be pushed to; record the decision from a branch of this repository", t.number, t.event.HeadRepo)
	}
	local, err := g.repo.Head()
	if err != nil {
		return "", err
	}
	if local.String() != g.pr.HeadSHA {
		return "", fmt.Errorf("the local checkout is at %s, not at the pull request head %s: check out the head branch before --record", short(local.String()), short(g.pr.HeadSHA))
	}
	files := map[string][]byte{}
	var trailers []gitrepo.Trailer
	var ids []string
	event := "EXCEPTION_APPROVED"
	if v.State == approval.StateDenied {
		event = "EXCEPTION_DENIED"
	}
	stamp := now.UTC().Format(time.RFC3339)
	date := exception.DateOf(now, g.input.Policy.Location).String()
	for _, r := range v.Records {
		x := g.heads[r.Path]
		if x == nil || x.Status != exception.Pending {
			continue
		}
		var fields []edit.Field
		switch {
		case v.State == approval.StateApproved && r.State == approval.StateApproved:
			sec, cab := r.Approvers()
			fields = []edit.Field{{Key: "status", Value: "approved"}, {Key: "approved_by", Value: sec}}
			if len(cab) > 0 {
				fields = append(fields, edit.Field{Key: "cab_approved_by", Value: cab})
			}
			fields = append(fields, edit.Field{Key: "approval_date", Value: date}, edit.Field{Key: "updated_at", Value: stamp})
			for _, s := range r.Seats {
				for _, a := range s.FilledBy {
					trailers = append(trailers, gitrepo.Trailer{Key: "Approved-by", Value: fmt.Sprintf("%s (%s)", a.Login, s.Group)})
				}
			}
		case r.State == approval.StateDenied:
			ds := r.Denials()
			var who, why []string
			for _, d := range ds {
				who = append(who, d.User)
				if d.Reason != "" {
					why = append(why, d.Reason)
				}
				trailers = append(trailers, gitrepo.Trailer{Key: "Denied-by", Value: fmt.Sprintf("%s (%s)", d.User, d.Group)})
			}
			fields = []edit.Field{{Key: "status", Value: "denied"}, {Key: "denied_by", Value: who}}
			if len(why) > 0 {
				fields = append(fields, edit.Field{Key: "denial_reason", Value: strings.Join(why, "; ")})
			}
			fields = append(fields, edit.Field{Key: "updated_at", Value: stamp})
		default:
			continue
		}
		out, err := edit.Set(g.contents[r.Path], fields)
		if err != nil {
			return "", fmt.Errorf("%s: %w", r.Path, err)
		}
		files[r.Path] = out
		ids = append(ids, x.ID)
	}
	if len(files) == 0 {
		return "", nil
	}
	var head []gitrepo.Trailer
	for _, id := range ids {
		head = append(head, gitrepo.Trailer{Key: "Exception-Id", Value: id})
	}
	head = append(head, gitrepo.Trailer{Key: "Exception-Event", Value: event})
	trailers = append(head, append(trailers, gitrepo.Trailer{Key: "Pull-Request", Value: "#" + strconv.Itoa(t.number)})...)
	verb := map[string]string{"EXCEPTION_APPROVED": "approve", "EXCEPTION_DENIED": "deny"}[event]
	subject := fmt.Sprintf("exctl: %s exception %s", verb, strings.Join(ids, ", "))
	if len(ids) > 1 {
		subject = fmt.Sprintf("exctl: %s %d exceptions", verb, len(ids))
	}
	body := fmt.Sprintf("Recorded from the verified reviews of pull request #%d at %s.", t.number, short(g.pr.HeadSHA))
	msg := gitrepo.Message(subject, body, trailers)
	author := object.Signature{Name: "exctl", Email: "exctl@users.noreply.github.com", When: now}
	commit, err := g.repo.CommitFiles(files, msg, author)
	if err != nil {
		return "", err
	}
	if err := g.repo.Push(ctx, "origin", g.pr.HeadRef, commit, token); err != nil {
		return "", err
	}
	var paths []string
	for p := range files {
		paths = append(paths, path.Base(p))
	}
	fmt.Fprintf(e.stderr, "recorded %s in %s and pushed %s to %s\n", strings.ToLower(strings.TrimPrefix(event, "EXCEPTION_")), strings.Join(paths, ", "), short(commit.String()), g.pr.HeadRef)
	return commit.String(), nil
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func (e *env) githubClient(token string) (*githubapi.Client, error) {
	if e.github != nil {
		return e.github(token)
	}
	return githubapi.New(githubapi.Options{BaseURL: e.getenv("GITHUB_API_URL"), Token: token, UserAgent: "exctl/" + Version})
}
