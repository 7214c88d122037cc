package githubapitest

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/exctl/exctl/internal/githubapi"
)

type repoState struct {
	owner, name string
	prs         map[int]*prState
	comments    map[int][]*githubapi.Comment // by issue number
	labels      map[int][]string
	statuses    map[string][]status // by commit SHA, oldest first
	branches    map[string]string   // name → SHA
	// defaultBranch is the repository's default branch, "main" unless a
	// test sets another.
	defaultBranch string
}

// status is a commit status as the fake stores it.
type status struct {
	githubapi.Status
	id      int64
	creator string
	at      time.Time
}

type prState struct {
	pr        githubapi.PR
	files     []githubapi.File
	commits   []githubapi.Commit
	reviews   []githubapi.Review
	createdAt time.Time
	updatedAt time.Time
}

func (r *repoState) fullName() string { return r.owner + "/" + r.name }

// nextNumber is the next issue number: pull requests and issues share them.
func (r *repoState) nextNumber() int {
	n := 0
	for k := range r.prs {
		n = max(n, k)
	}
	for k := range r.comments {
		n = max(n, k)
	}
	return n + 1
}

// Repo is a handle on one repository of the fake, created on first use.
type Repo struct {
	s           *Server
	owner, name string
}

// Repo returns the repository owner/name.
func (s *Server) Repo(owner, name string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(owner, name)
	return &Repo{s: s, owner: owner, name: name}
}

// repo returns the state of owner/name, creating it. s.mu must be held.
func (s *Server) repo(owner, name string) *repoState {
	key := strings.ToLower(owner + "/" + name)
	r := s.repos[key]
	if r == nil {
		r = &repoState{
			owner:    owner,
			name:     name,
			prs:      map[int]*prState{},
			comments: map[int][]*githubapi.Comment{},
			labels:   map[int][]string{},
			statuses: map[string][]status{},
			branches: map[string]string{},

			defaultBranch: "main",
		}
		s.repos[key] = r
	}
	return r
}

// lookup returns owner/name if it was created. s.mu must be held.
func (s *Server) lookup(owner, name string) *repoState {
	return s.repos[strings.ToLower(owner+"/"+name)]
}

func (r *Repo) state() *repoState { return r.s.repo(r.owner, r.name) }

// AddPR adds a pull request and returns its number. Zero fields get defaults:
// the next free number, state "open", author "octocat", head ref
// "feature-<n>", base ref "main", head repository this one, and made-up SHAs.
func (r *Repo) AddPR(pr githubapi.PR) int {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	st := r.state()
	if pr.Number == 0 {
		pr.Number = st.nextNumber()
	}
	if pr.State == "" {
		pr.State = "open"
	}
	if pr.Author == "" {
		pr.Author = "octocat"
	}
	if pr.HeadRef == "" {
		pr.HeadRef = "feature-" + itoa(pr.Number)
	}
	if pr.BaseRef == "" {
		pr.BaseRef = "main"
	}
	if pr.HeadRepoFullName == "" {
		pr.HeadRepoFullName = st.fullName()
	}
	if pr.HeadSHA == "" {
		pr.HeadSHA = fakeSHA("head", st.fullName(), itoa(pr.Number))
	}
	if pr.BaseSHA == "" {
		pr.BaseSHA = fakeSHA("base", st.fullName(), itoa(pr.Number))
	}
	if pr.Title == "" {
		pr.Title = "Pull request " + itoa(pr.Number)
	}
	pr.HTMLURL = "https://github.com/" + st.fullName() + "/pull/" + itoa(pr.Number)
	st.prs[pr.Number] = &prState{pr: pr, createdAt: r.s.now, updatedAt: r.s.now}
	return pr.Number
}

// SetPR replaces pull request pr.Number, e.g. to move its head after a push.
func (r *Repo) SetPR(pr githubapi.PR) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	p := r.mustPR(pr.Number)
	pr.HTMLURL = p.pr.HTMLURL
	p.pr = pr
	p.updatedAt = r.s.now
}

// PR returns pull request n as the fake holds it.
func (r *Repo) PR(n int) githubapi.PR {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.mustPR(n).pr
}

// PullRequests returns every pull request, by number.
func (r *Repo) PullRequests() []githubapi.PR {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []githubapi.PR
	for _, p := range r.state().prs {
		out = append(out, p.pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// AddFiles appends files to pull request n. A zero SHA gets a made-up one.
func (r *Repo) AddFiles(n int, files ...githubapi.File) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	p := r.mustPR(n)
	for _, f := range files {
		if f.Status == "" {
			f.Status = "modified"
		}
		if f.SHA == "" {
			f.SHA = fakeSHA("blob", f.Filename, p.pr.HeadSHA)
		}
		p.files = append(p.files, f)
	}
}

// SetFiles replaces the files of pull request n.
func (r *Repo) SetFiles(n int, files ...githubapi.File) {
	r.s.mu.Lock()
	r.mustPR(n).files = nil
	r.s.mu.Unlock()
	r.AddFiles(n, files...)
}

// AddCommits appends commits to pull request n. A zero SHA gets a made-up one.
func (r *Repo) AddCommits(n int, commits ...githubapi.Commit) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	p := r.mustPR(n)
	for _, c := range commits {
		if c.SHA == "" {
			c.SHA = fakeSHA("commit", itoa(n), itoa(len(p.commits)))
		}
		p.commits = append(p.commits, c)
	}
}

// AddReview appends a review to pull request n and returns its ID. Zero
// fields get defaults: a fresh ID, the PR's head SHA as CommitID, and the
// fake clock as SubmittedAt (except for PENDING reviews, which GitHub never
// reports as submitted).
func (r *Repo) AddReview(n int, rv githubapi.Review) int64 {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	p := r.mustPR(n)
	if rv.ID == 0 {
		rv.ID = r.s.id()
	}
	if rv.CommitID == "" {
		rv.CommitID = p.pr.HeadSHA
	}
	if rv.SubmittedAt.IsZero() && rv.State != githubapi.ReviewPending {
		rv.SubmittedAt = r.s.now
	}
	p.reviews = append(p.reviews, rv)
	return rv.ID
}

// DismissReview sets review id of pull request n to DISMISSED, as GitHub does
// when a review is dismissed.
func (r *Repo) DismissReview(n int, id int64) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	p := r.mustPR(n)
	for i := range p.reviews {
		if p.reviews[i].ID == id {
			p.reviews[i].State = githubapi.ReviewDismissed
			return
		}
	}
	r.s.t.Fatalf("githubapitest: %s/%s#%d has no review %d", r.owner, r.name, n, id)
}

// AddComment adds a comment by user to issue or pull request n and returns its ID.
func (r *Repo) AddComment(n int, user, body string) int64 {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.s.addComment(r.state(), n, user, body).ID
}

func (s *Server) addComment(st *repoState, n int, user, body string) *githubapi.Comment {
	c := &githubapi.Comment{
		ID:        s.id(),
		User:      user,
		Body:      body,
		CreatedAt: s.now,
		UpdatedAt: s.now,
	}
	c.HTMLURL = "https://github.com/" + st.fullName() + "/pull/" + itoa(n) + "#issuecomment-" + itoa64(c.ID)
	st.comments[n] = append(st.comments[n], c)
	return c
}

// Comments returns the comments on issue or pull request n, oldest first.
func (r *Repo) Comments(n int) []githubapi.Comment {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []githubapi.Comment
	for _, c := range r.state().comments[n] {
		out = append(out, *c)
	}
	return out
}

// Statuses returns the commit statuses set on sha, oldest first.
func (r *Repo) Statuses(sha string) []githubapi.Status {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []githubapi.Status
	for _, st := range r.state().statuses[sha] {
		out = append(out, st.Status)
	}
	return out
}

// Status returns the latest status with context on sha, as GitHub's combined
// status shows it.
func (r *Repo) Status(sha, context string) (githubapi.Status, bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	ss := r.state().statuses[sha]
	for i := len(ss) - 1; i >= 0; i-- {
		if ss[i].Context == context {
			return ss[i].Status, true
		}
	}
	return githubapi.Status{}, false
}

// Labels returns the labels on issue or pull request n.
func (r *Repo) Labels(n int) []string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return slices.Clone(r.state().labels[n])
}

// SetDefaultBranch sets the branch the repository's responses name as its
// default.
func (r *Repo) SetDefaultBranch(name string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.state().defaultBranch = name
}

// AddBranch creates or moves branch name to sha. Creating a pull request
// through the API needs its head and base branches to exist, as on GitHub.
func (r *Repo) AddBranch(name, sha string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.state().branches[name] = sha
}

// mustPR returns pull request n or fails the test. s.mu must be held.
func (r *Repo) mustPR(n int) *prState {
	p := r.state().prs[n]
	if p == nil {
		r.s.t.Fatalf("githubapitest: %s/%s has no pull request #%d", r.owner, r.name, n)
	}
	return p
}

// id hands out IDs for reviews, comments, statuses and users. s.mu must be held.
func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// userID is a stable ID per login (GitHub logins are case-insensitive).
// s.mu must be held.
func (s *Server) userID(login string) int64 { return s.stableID("user:" + strings.ToLower(login)) }

// stableID hands out one ID per key. s.mu must be held.
func (s *Server) stableID(key string) int64 {
	if id, ok := s.ids[key]; ok {
		return id
	}
	id := s.id()
	s.ids[key] = id
	return id
}
