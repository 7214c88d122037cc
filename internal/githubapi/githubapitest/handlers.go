package githubapitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/exctl/exctl/internal/githubapi"
)

// routes registers one handler per REST path that githubapi calls through
// go-github. Anything else reaches unhandled.
func (s *Server) routes() {
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /repos/{owner}/{repo}/pulls":                     s.listPulls,
		"POST /repos/{owner}/{repo}/pulls":                    s.createPull,
		"GET /repos/{owner}/{repo}/pulls/{number}":            s.getPull,
		"PATCH /repos/{owner}/{repo}/pulls/{number}":          s.editPull,
		"GET /repos/{owner}/{repo}/pulls/{number}/files":      s.listFiles,
		"GET /repos/{owner}/{repo}/pulls/{number}/commits":    s.listCommits,
		"GET /repos/{owner}/{repo}/pulls/{number}/reviews":    s.listReviews,
		"GET /orgs/{org}/teams/{slug}/memberships/{user}":     s.getMembership,
		"POST /repos/{owner}/{repo}/statuses/{sha}":           s.createStatus,
		"GET /repos/{owner}/{repo}/commits/{ref}/statuses":    s.listStatuses,
		"GET /repos/{owner}/{repo}/issues/{number}/comments":  s.listComments,
		"POST /repos/{owner}/{repo}/issues/{number}/comments": s.createComment,
		"PATCH /repos/{owner}/{repo}/issues/comments/{id}":    s.editComment,
		"POST /repos/{owner}/{repo}/issues/{number}/labels":   s.addLabels,
		"/": s.unhandled,
	} {
		s.mux.HandleFunc(pattern, h)
	}
}

func (s *Server) unhandled(w http.ResponseWriter, r *http.Request) {
	s.t.Errorf("githubapitest: no handler for %s %s", r.Method, r.URL.Path)
	writeError(w, http.StatusNotFound, "Not Found")
}

// repoOf returns the repository named in the path, or answers 404. s.mu must be held.
func (s *Server) repoOf(w http.ResponseWriter, r *http.Request) *repoState {
	st := s.lookup(r.PathValue("owner"), r.PathValue("repo"))
	if st == nil {
		writeError(w, http.StatusNotFound, "Not Found")
	}
	return st
}

// prOf returns the repository and pull request named in the path, or answers
// 404. s.mu must be held.
func (s *Server) prOf(w http.ResponseWriter, r *http.Request) (*repoState, *prState) {
	st := s.repoOf(w, r)
	if st == nil {
		return nil, nil
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	p := st.prs[n]
	if err != nil || p == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, nil
	}
	return st, p
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, p := s.prOf(w, r); p != nil {
		writeJSON(w, http.StatusOK, s.prJSON("pulls-get.json", st, p))
	}
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repoOf(w, r)
	if st == nil {
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var prs []*prState
	for _, p := range st.prs {
		headOwner, _, _ := strings.Cut(p.pr.HeadRepoFullName, "/")
		switch {
		case state != "all" && p.pr.State != state:
		case q.Get("head") != "" && !strings.EqualFold(q.Get("head"), headOwner+":"+p.pr.HeadRef):
		case q.Get("base") != "" && q.Get("base") != p.pr.BaseRef:
		default:
			prs = append(prs, p)
		}
	}
	// GitHub's default order: newest first.
	sort.Slice(prs, func(i, j int) bool { return prs[i].pr.Number > prs[j].pr.Number })
	s.writePage(w, r, len(prs), func(i int) any { return s.prJSON("pulls-list.json", st, prs[i]) })
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title, Body, Head, Base string
		Draft                   bool
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repoOf(w, r)
	if st == nil {
		return
	}
	headOwner, headRef, fork := strings.Cut(in.Head, ":")
	if !fork {
		headOwner, headRef = st.owner, in.Head
	}
	headRepo := st
	if fork && !strings.EqualFold(headOwner, st.owner) {
		headRepo = s.lookup(headOwner, st.name)
	}
	switch {
	case in.Title == "":
		writeValidation(w, "PullRequest", "title", "missing_field", "")
		return
	case headRepo == nil || headRepo.branches[headRef] == "":
		// The message says what a test forgot; GitHub's says "head invalid".
		writeValidation(w, "PullRequest", "head", "invalid", "head branch "+in.Head+" does not exist (githubapitest: call Repo.AddBranch)")
		return
	case st.branches[in.Base] == "":
		writeValidation(w, "PullRequest", "base", "invalid", "base branch "+in.Base+" does not exist (githubapitest: call Repo.AddBranch)")
		return
	}
	for _, p := range st.prs {
		if p.pr.State == "open" && strings.EqualFold(p.pr.HeadRepoFullName, headRepo.fullName()) &&
			p.pr.HeadRef == headRef && p.pr.BaseRef == in.Base {
			writeValidation(w, "PullRequest", "", "custom", "A pull request already exists for "+headOwner+":"+headRef+".")
			return
		}
	}
	n := st.nextNumber()
	p := &prState{
		pr: githubapi.PR{
			Number:           n,
			Title:            in.Title,
			Body:             in.Body,
			State:            "open",
			Author:           s.viewer,
			HeadSHA:          headRepo.branches[headRef],
			HeadRef:          headRef,
			HeadRepoFullName: headRepo.fullName(),
			BaseSHA:          st.branches[in.Base],
			BaseRef:          in.Base,
			Draft:            in.Draft,
			HTMLURL:          "https://github.com/" + st.fullName() + "/pull/" + itoa(n),
		},
		createdAt: s.now,
		updatedAt: s.now,
	}
	st.prs[n] = p
	writeJSON(w, http.StatusCreated, s.prJSON("pulls-create.json", st, p))
}

func (s *Server) editPull(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title, Body, State, Base *string
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, p := s.prOf(w, r)
	if p == nil {
		return
	}
	if in.State != nil && *in.State != "open" && *in.State != "closed" {
		writeValidation(w, "PullRequest", "state", "invalid", "")
		return
	}
	if in.Title != nil {
		p.pr.Title = *in.Title
	}
	if in.Body != nil {
		p.pr.Body = *in.Body
	}
	if in.State != nil {
		p.pr.State = *in.State
	}
	if in.Base != nil {
		p.pr.BaseRef = *in.Base
	}
	p.updatedAt = s.now
	writeJSON(w, http.StatusOK, s.prJSON("pulls-get.json", st, p))
}

// GitHub lists at most this many files and commits of a pull request,
// whatever the pages asked for; the pull request's changed_files and
// commits still count them all.
const (
	MaxListedFiles   = 3000
	MaxListedCommits = 250
)

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	s.listOfPR(w, r, func(st *repoState, p *prState) (int, func(int) any) {
		return min(len(p.files), MaxListedFiles), func(i int) any { return s.fileJSON(st, p.pr.HeadSHA, p.files[i]) }
	})
}

func (s *Server) listCommits(w http.ResponseWriter, r *http.Request) {
	s.listOfPR(w, r, func(st *repoState, p *prState) (int, func(int) any) {
		return min(len(p.commits), MaxListedCommits), func(i int) any { return s.commitJSON(st, p.commits[i]) }
	})
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) {
	s.listOfPR(w, r, func(st *repoState, p *prState) (int, func(int) any) {
		return len(p.reviews), func(i int) any { return s.reviewJSON(st, p.pr.Number, p.reviews[i]) }
	})
}

// listOfPR serves one page of a list that belongs to the pull request in
// the path; items says how long it is and renders item i.
func (s *Server) listOfPR(w http.ResponseWriter, r *http.Request, items func(*repoState, *prState) (int, func(int) any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, p := s.prOf(w, r)
	if p == nil {
		return
	}
	n, item := items(st, p)
	s.writePage(w, r, n, item)
}

func (s *Server) getMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.PathValue("org") + "/" + r.PathValue("slug")
	user := r.PathValue("user")
	m, ok := s.teams[key][strings.ToLower(user)]
	if !ok {
		// GitHub answers the same 404 for "not a member" and "no such team".
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.membershipJSON(s.stableID("team:"+key), user, m))
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State       string  `json:"state"`
		Context     *string `json:"context"`
		Description string  `json:"description"`
		TargetURL   string  `json:"target_url"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repoOf(w, r)
	if st == nil {
		return
	}
	switch in.State {
	case githubapi.StatusError, githubapi.StatusFailure, githubapi.StatusPending, githubapi.StatusSuccess:
	default:
		writeValidation(w, "Status", "state", "custom", "state is not included in the list")
		return
	}
	if len([]rune(in.Description)) > 140 {
		writeValidation(w, "Status", "description", "custom", "description is too long (maximum is 140 characters)")
		return
	}
	stored := status{
		Status:  githubapi.Status{State: in.State, Context: "default", Description: in.Description, TargetURL: in.TargetURL},
		id:      s.id(),
		creator: s.viewer,
		at:      s.now,
	}
	if in.Context != nil {
		stored.Context = *in.Context
	}
	sha := r.PathValue("sha")
	st.statuses[sha] = append(st.statuses[sha], stored)
	writeJSON(w, http.StatusCreated, s.statusJSON(st, sha, stored))
}

func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repoOf(w, r)
	if st == nil {
		return
	}
	ref := r.PathValue("ref")
	if sha, ok := st.branches[ref]; ok {
		ref = sha
	}
	// GitHub lists the newest first.
	ss := slices.Clone(st.statuses[ref])
	slices.Reverse(ss)
	s.writePage(w, r, len(ss), func(i int) any { return s.statusJSON(st, ref, ss[i]) })
}

// issueOf returns the repository and the issue number in the path when that
// number is a pull request of the fake, or answers 404. s.mu must be held.
func (s *Server) issueOf(w http.ResponseWriter, r *http.Request) (*repoState, int) {
	st, p := s.prOf(w, r)
	if p == nil {
		return nil, 0
	}
	return st, p.pr.Number
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, n := s.issueOf(w, r)
	if st == nil {
		return
	}
	cs := st.comments[n]
	s.writePage(w, r, len(cs), func(i int) any { return s.commentJSON("issues-list-comments.json", st, n, cs[i]) })
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body *string `json:"body"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, n := s.issueOf(w, r)
	if st == nil {
		return
	}
	if in.Body == nil || *in.Body == "" {
		writeValidation(w, "IssueComment", "body", "missing_field", "")
		return
	}
	c := s.addComment(st, n, s.viewer, *in.Body)
	writeJSON(w, http.StatusCreated, s.commentJSON("issues-create-comment.json", st, n, c))
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body *string `json:"body"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.repoOf(w, r)
	if st == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for n, cs := range st.comments {
		for _, c := range cs {
			if c.ID != id {
				continue
			}
			if !strings.EqualFold(c.User, s.viewer) {
				// Only the author of a comment (or an admin) may edit it.
				writeError(w, http.StatusForbidden, "Resource not accessible by integration")
				return
			}
			if in.Body == nil || *in.Body == "" {
				writeValidation(w, "IssueComment", "body", "missing_field", "")
				return
			}
			c.Body = *in.Body
			c.UpdatedAt = s.now
			writeJSON(w, http.StatusOK, s.commentJSON("issues-list-comments.json", st, n, c))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

func (s *Server) addLabels(w http.ResponseWriter, r *http.Request) {
	// GitHub takes ["a","b"] (what go-github sends) or {"labels": ["a","b"]}.
	var raw json.RawMessage
	if !decode(w, r, &raw) {
		return
	}
	var labels []string
	if err := json.Unmarshal(raw, &labels); err != nil {
		var in struct{ Labels []string }
		if err := json.Unmarshal(raw, &in); err != nil {
			writeError(w, http.StatusBadRequest, "Problems parsing JSON")
			return
		}
		labels = in.Labels
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, n := s.issueOf(w, r)
	if st == nil {
		return
	}
	for _, l := range labels {
		if !slices.Contains(st.labels[n], l) {
			st.labels[n] = append(st.labels[n], l)
		}
	}
	writeJSON(w, http.StatusOK, s.labelsJSON(st, st.labels[n]))
}
