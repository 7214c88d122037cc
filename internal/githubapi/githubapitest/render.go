package githubapitest

import (
	"crypto/sha1"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/exctl/exctl/internal/githubapi"
)

// testdata holds real GitHub response bodies, used as templates.
//
//go:embed testdata/*.json
var testdata embed.FS

// realAPI is the origin the templates' URLs point at.
const realAPI = "https://api.github.com"

// loadTemplates decodes each real response that is an object, or a list
// with an object first; for a list, the first object is the template.
func loadTemplates(t testing.TB) map[string]map[string]any {
	t.Helper()
	entries, err := testdata.ReadDir("testdata")
	if err != nil {
		t.Fatalf("githubapitest: read templates: %v", err)
	}
	out := map[string]map[string]any{}
	for _, e := range entries {
		if path.Ext(e.Name()) != ".json" {
			continue
		}
		b, err := testdata.ReadFile(path.Join("testdata", e.Name()))
		if err != nil {
			t.Fatalf("githubapitest: read template %s: %v", e.Name(), err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("githubapitest: decode template %s: %v", e.Name(), err)
		}
		if l, ok := v.([]any); ok && len(l) > 0 {
			v = l[0]
		}
		if m, ok := v.(map[string]any); ok {
			out[e.Name()] = m
		}
	}
	return out
}

// template returns a fresh copy of a real response, to be filled in.
func (s *Server) template(name string) map[string]any {
	m, ok := s.templates[name]
	if !ok {
		panic("githubapitest: no template " + name)
	}
	return deepCopy(m).(map[string]any)
}

// deepCopy copies a decoded JSON value; it is much cheaper than decoding again.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// rewrite replaces, in every string of v, the template's identities with ours.
func rewrite(v any, r *strings.Replacer) any {
	switch x := v.(type) {
	case string:
		return r.Replace(x)
	case map[string]any:
		for k, e := range x {
			x[k] = rewrite(e, r)
		}
	case []any:
		for i, e := range x {
			x[i] = rewrite(e, r)
		}
	}
	return v
}

// setIfPresent sets key only if the template has it, so that a rendered
// response keeps the fields of the recording it was built from.
func setIfPresent(m map[string]any, key string, v any) {
	if _, ok := m[key]; ok {
		m[key] = v
	}
}

func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	if o == nil {
		o = map[string]any{}
		m[key] = o
	}
	return o
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// fakeSHA is a stable, well-formed SHA for things a test did not name.
func fakeSHA(parts ...string) string {
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// user is a user object as GitHub embeds it. s.mu must be held.
func (s *Server) user(login string) map[string]any {
	if login == "" {
		return nil
	}
	id := s.userID(login)
	api := s.URL + "/users/" + url.PathEscape(login)
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return map[string]any{
		"login":               login,
		"id":                  id,
		"node_id":             "U_fake" + itoa64(id),
		"avatar_url":          "https://avatars.githubusercontent.com/u/" + itoa64(id) + "?v=4",
		"gravatar_id":         "",
		"url":                 api,
		"html_url":            "https://github.com/" + login,
		"followers_url":       api + "/followers",
		"following_url":       api + "/following{/other_user}",
		"gists_url":           api + "/gists{/gist_id}",
		"starred_url":         api + "/starred{/owner}{/repo}",
		"subscriptions_url":   api + "/subscriptions",
		"organizations_url":   api + "/orgs",
		"repos_url":           api + "/repos",
		"events_url":          api + "/events{/privacy}",
		"received_events_url": api + "/received_events",
		"type":                typ,
		"user_view_type":      "public",
		"site_admin":          false,
	}
}

// prJSON renders a pull request from a real one (pulls-get.json for a single
// pull request, pulls-list.json for list items, pulls-create.json for a
// created one). s.mu must be held.
func (s *Server) prJSON(tpl string, st *repoState, p *prState) map[string]any {
	m := s.template(tpl)
	pr := p.pr
	oldNum := fmt.Sprint(m["number"])
	head, base := obj(m, "head"), obj(m, "base")
	oldRepo := str(obj(base, "repo"), "full_name")
	oldHead, oldBase := str(head, "sha"), str(base, "sha")

	// The head first: for a fork its URLs name the fork, not the base.
	rewrite(head, strings.NewReplacer(oldRepo, pr.HeadRepoFullName))
	rewrite(m, strings.NewReplacer(
		realAPI, s.URL,
		oldRepo, st.fullName(),
		"/pulls/"+oldNum, "/pulls/"+itoa(pr.Number),
		"/pull/"+oldNum, "/pull/"+itoa(pr.Number),
		"/issues/"+oldNum, "/issues/"+itoa(pr.Number),
		oldHead, pr.HeadSHA,
		oldBase, pr.BaseSHA,
	))

	m["id"] = int64(pr.Number) + 1_000_000
	m["number"] = pr.Number
	m["state"] = pr.State
	m["title"] = pr.Title
	m["body"] = nullable(pr.Body)
	m["user"] = s.user(pr.Author)
	// The older list recording has no "draft"; GitHub sends it today, and
	// callers may need it, so it is always set.
	m["draft"] = pr.Draft
	m["created_at"] = ts(p.createdAt)
	m["updated_at"] = ts(p.updatedAt)
	m["closed_at"], m["merged_at"] = nil, nil
	if pr.State == "closed" || pr.Merged {
		m["closed_at"] = ts(p.updatedAt)
	}
	if pr.Merged {
		m["merged_at"] = ts(p.updatedAt)
	}
	if _, ok := m["merged"]; ok { // the list shape has no "merged"
		m["merged"] = pr.Merged
		m["merged_by"] = nil
		if pr.Merged {
			m["merged_by"] = s.user(s.viewer)
		}
		m["commits"] = len(p.commits)
		m["changed_files"] = len(p.files)
		m["comments"] = len(st.comments[pr.Number])
	}
	m["assignee"], m["milestone"] = nil, nil
	setIfPresent(m, "auto_merge", nil)
	m["assignees"], m["requested_reviewers"], m["requested_teams"] = []any{}, []any{}, []any{}
	m["labels"] = s.labelsJSON(st, st.labels[pr.Number])

	headOwner, headName, _ := strings.Cut(pr.HeadRepoFullName, "/")
	setRef(head, s.user(headOwner), headOwner, headName, pr.HeadRepoFullName, pr.HeadRef, pr.HeadSHA)
	setRef(base, s.user(st.owner), st.owner, st.name, st.fullName(), pr.BaseRef, pr.BaseSHA)
	obj(base, "repo")["default_branch"] = st.defaultBranch
	return m
}

func setRef(ref, owner map[string]any, ownerLogin, name, fullName, branch, sha string) {
	ref["label"] = ownerLogin + ":" + branch
	ref["ref"] = branch
	ref["sha"] = sha
	ref["user"] = owner
	repo := obj(ref, "repo")
	repo["name"] = name
	repo["full_name"] = fullName
	repo["owner"] = owner
	repo["html_url"] = "https://github.com/" + fullName
}

// reviewJSON renders a review from pulls-list-reviews.json. s.mu must be held.
func (s *Server) reviewJSON(st *repoState, n int, rv githubapi.Review) map[string]any {
	m := s.template("pulls-list-reviews.json")
	oldID := fmt.Sprint(int64(m["id"].(float64)))
	rewrite(m, strings.NewReplacer(
		realAPI, s.URL,
		"PyGithub/PyGithub", st.fullName(),
		"/pulls/538", "/pulls/"+itoa(n),
		"/pull/538", "/pull/"+itoa(n),
		"pullrequestreview-"+oldID, "pullrequestreview-"+itoa64(rv.ID),
	))
	m["id"] = rv.ID
	setIfPresent(m, "node_id", "PRR_fake"+itoa64(rv.ID))
	m["user"] = s.user(rv.User)
	m["body"] = rv.Body
	m["state"] = rv.State
	m["commit_id"] = rv.CommitID
	m["author_association"] = "MEMBER"
	if rv.SubmittedAt.IsZero() {
		delete(m, "submitted_at")
	} else {
		m["submitted_at"] = ts(rv.SubmittedAt)
	}
	return m
}

// fileJSON renders a changed file from pulls-list-files.json. s.mu must be held.
func (s *Server) fileJSON(st *repoState, headSHA string, f githubapi.File) map[string]any {
	m := s.template("pulls-list-files.json")
	rewrite(m, strings.NewReplacer(
		realAPI, s.URL,
		"octokit/octokit.rb", st.fullName(),
		"2097821c7c5aa4dc02a2cc54d5ca51968b373f95", headSHA,
		str(m, "filename"), f.Filename,
	))
	m["sha"] = f.SHA
	m["filename"] = f.Filename
	m["status"] = f.Status
	m["additions"], m["deletions"], m["changes"] = 0, 0, 0
	// GitHub leaves out the patch for large and binary files; exctl never reads it.
	delete(m, "patch")
	if f.PreviousFilename != "" {
		m["previous_filename"] = f.PreviousFilename
	}
	return m
}

// commitJSON renders a pull request commit. There is no recorded response for
// this endpoint among the templates, so the shape follows GitHub's documented
// example for GET /repos/{owner}/{repo}/pulls/{n}/commits. s.mu must be held.
func (s *Server) commitJSON(st *repoState, c githubapi.Commit) map[string]any {
	api := s.URL + "/repos/" + st.fullName()
	person := func(email string) map[string]any {
		name, _, _ := strings.Cut(email, "@")
		return map[string]any{"name": name, "email": email, "date": ts(s.now)}
	}
	return map[string]any{
		"url":          api + "/commits/" + c.SHA,
		"sha":          c.SHA,
		"node_id":      "C_fake" + c.SHA[:min(8, len(c.SHA))],
		"html_url":     "https://github.com/" + st.fullName() + "/commit/" + c.SHA,
		"comments_url": api + "/commits/" + c.SHA + "/comments",
		"commit": map[string]any{
			"url":           api + "/git/commits/" + c.SHA,
			"author":        person(c.AuthorEmail),
			"committer":     person(c.CommitterEmail),
			"message":       "Commit " + c.SHA,
			"tree":          map[string]any{"url": api + "/git/trees/" + fakeSHA("tree", c.SHA), "sha": fakeSHA("tree", c.SHA)},
			"comment_count": 0,
			"verification":  map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
		},
		"author":    s.user(c.AuthorLogin),
		"committer": s.user(c.CommitterLogin),
		"parents":   []any{},
	}
}

// commentJSON renders an issue comment from issues-list-comments.json, or for
// a created one from issues-create-comment.json. s.mu must be held.
func (s *Server) commentJSON(tpl string, st *repoState, n int, c *githubapi.Comment) map[string]any {
	m := s.template(tpl)
	api := s.URL + "/repos/" + st.fullName()
	m["id"] = c.ID
	setIfPresent(m, "node_id", "IC_fake"+itoa64(c.ID))
	m["url"] = api + "/issues/comments/" + itoa64(c.ID)
	m["html_url"] = c.HTMLURL
	m["issue_url"] = api + "/issues/" + itoa(n)
	m["user"] = s.user(c.User)
	m["body"] = c.Body
	m["created_at"] = ts(c.CreatedAt)
	m["updated_at"] = ts(c.UpdatedAt)
	if r, ok := m["reactions"].(map[string]any); ok {
		for k, v := range r {
			if _, isNum := v.(float64); isNum {
				r[k] = 0
			}
		}
		r["url"] = api + "/issues/comments/" + itoa64(c.ID) + "/reactions"
	}
	if _, ok := m["performed_via_github_app"]; ok {
		m["performed_via_github_app"] = nil
	}
	return m
}

// statusJSON renders a created status from repos-create-commit-status.json.
// s.mu must be held.
func (s *Server) statusJSON(st *repoState, sha string, status status) map[string]any {
	m := s.template("repos-create-commit-status.json")
	m["url"] = s.URL + "/repos/" + st.fullName() + "/statuses/" + sha
	m["id"] = status.id
	m["node_id"] = "SC_fake" + itoa64(status.id)
	m["state"] = status.State
	m["description"] = nullable(status.Description)
	m["target_url"] = nullable(status.TargetURL)
	m["context"] = status.Context
	m["created_at"], m["updated_at"] = ts(status.at), ts(status.at)
	creator := s.user(status.creator)
	m["creator"] = creator
	m["avatar_url"] = creator["avatar_url"]
	return m
}

// membershipJSON renders a team membership from teams-get-membership-for-user.json.
// s.mu must be held.
func (s *Server) membershipJSON(teamID int64, login string, mb githubapi.Membership) map[string]any {
	m := s.template("teams-get-membership-for-user.json")
	m["state"] = mb.State
	m["role"] = mb.Role
	m["url"] = s.URL + "/teams/" + itoa64(teamID) + "/memberships/" + url.PathEscape(login)
	return m
}

// labelsJSON renders labels. The templates' label objects (in pulls-get.json)
// give the shape. s.mu must be held.
func (s *Server) labelsJSON(st *repoState, names []string) []any {
	out := []any{}
	for _, name := range names {
		id := s.stableID("label:" + st.fullName() + ":" + name)
		out = append(out, map[string]any{
			"id":          id,
			"node_id":     "LA_fake" + itoa64(id),
			"url":         s.URL + "/repos/" + st.fullName() + "/labels/" + url.PathEscape(name),
			"name":        name,
			"color":       "ededed",
			"default":     false,
			"description": nil,
		})
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers as GitHub does: {"message", "documentation_url"}.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{
		"message":           message,
		"documentation_url": "https://docs.github.com/rest",
		"status":            itoa(status),
	})
}

// writeValidation answers 422 Unprocessable Entity with one error, as GitHub
// does for a refused create.
func writeValidation(w http.ResponseWriter, resource, field, code, message string) {
	e := map[string]any{"resource": resource, "field": field, "code": code}
	if message != "" {
		e["message"] = message
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            []any{e},
		"documentation_url": "https://docs.github.com/rest",
		"status":            "422",
	})
}

// writePage writes one page of total items, rendered by item, with GitHub's Link header, honouring
// per_page (default 30, at most 100) and page (from 1).
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, total int, item func(i int) any) {
	q := r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	last := max(1, (total+perPage-1)/perPage)

	link := func(p int, rel string) string {
		q.Set("page", itoa(p))
		q.Set("per_page", itoa(perPage))
		return fmt.Sprintf(`<%s%s?%s>; rel=%q`, s.URL, r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(min(page-1, last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}

	// Only the page asked for is rendered.
	start := min((page-1)*perPage, total)
	end := min(start+perPage, total)
	items := make([]any, 0, end-start)
	for i := start; i < end; i++ {
		items = append(items, item(i))
	}
	writeJSON(w, http.StatusOK, items)
}
