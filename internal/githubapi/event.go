package githubapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Event is what exctl needs from a GitHub Actions event payload
// (GITHUB_EVENT_PATH) of a pull_request or pull_request_review event.
type Event struct {
	Name     string // GITHUB_EVENT_NAME
	Action   string
	Owner    string
	Repo     string
	PR       int
	HeadSHA  string
	HeadRef  string
	HeadRepo string // owner/name of the head repository; differs from Owner/Repo for forks
	BaseRef  string
	BaseSHA  string
}

// ErrUnsupportedEvent means the payload is not of an event exctl decides on.
var ErrUnsupportedEvent = errors.New("unsupported event")

// maxEventSize bounds the payload; real ones are tens of kilobytes.
const maxEventSize = 25 << 20

// ReadEvent reads a pull_request or pull_request_review payload. Anything
// missing that a decision needs is an error: the check cannot guess which
// pull request it is about.
func ReadEvent(name string, r io.Reader) (*Event, error) {
	switch name {
	case "pull_request", "pull_request_target", "pull_request_review":
	default:
		return nil, fmt.Errorf("event %q: %w (want pull_request or pull_request_review)", name, ErrUnsupportedEvent)
	}
	var p struct {
		Action      string `json:"action"`
		PullRequest *struct {
			Number int `json:"number"`
			Head   struct {
				SHA  string `json:"sha"`
				Ref  string `json:"ref"`
				Repo *struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"head"`
			Base struct {
				SHA string `json:"sha"`
				Ref string `json:"ref"`
			} `json:"base"`
		} `json:"pull_request"`
		Repository *struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	dec := json.NewDecoder(io.LimitReader(r, maxEventSize+1))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read %s event: %w", name, err)
	}
	if p.PullRequest == nil {
		return nil, fmt.Errorf("read %s event: no pull_request in the payload", name)
	}
	if p.Repository == nil {
		return nil, fmt.Errorf("read %s event: no repository in the payload", name)
	}
	owner, repo, ok := strings.Cut(p.Repository.FullName, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("read %s event: repository %q is not owner/name", name, p.Repository.FullName)
	}
	pr := p.PullRequest
	if pr.Number <= 0 {
		return nil, fmt.Errorf("read %s event: pull request number %d", name, pr.Number)
	}
	if !isSHA(pr.Head.SHA) || !isSHA(pr.Base.SHA) {
		return nil, fmt.Errorf("read %s event: head or base sha missing", name)
	}
	e := &Event{Name: name, Action: p.Action, Owner: owner, Repo: repo, PR: pr.Number, HeadSHA: pr.Head.SHA, HeadRef: pr.Head.Ref, BaseRef: pr.Base.Ref, BaseSHA: pr.Base.SHA}
	if pr.Head.Repo != nil {
		e.HeadRepo = pr.Head.Repo.FullName
	}
	return e, nil
}

// FromFork reports whether the pull request comes from another repository,
// whose branch a token of this repository cannot push to.
func (e *Event) FromFork() bool {
	return e.HeadRepo != "" && !strings.EqualFold(e.HeadRepo, e.Owner+"/"+e.Repo)
}

func isSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
