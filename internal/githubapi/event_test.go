package githubapi

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadEventRealPayloads(t *testing.T) {
	tests := []struct {
		file, name string
		repo       string
		pr         int
		action     string
	}{
		{"pull_request.opened.json", "pull_request", "Codertocat/Hello-World", 2, "opened"},
		{"pull_request.opened.with-null-body.json", "pull_request", "Codertocat/Hello-World", 2, "opened"},
		{"pull_request.synchronize.json", "pull_request", "Codertocat/Hello-World", 2, "synchronize"},
		{"pull_request_review.dismissed.json", "pull_request_review", "Codertocat/Hello-World", 2, "dismissed"},
		{"pull_request_review.submitted.json", "pull_request_review", "Codertocat/Hello-World", 2, "submitted"},
		{"pull_request_review.submitted.approved.prow.json", "pull_request_review", "kubernetes/kubernetes", 66686, "submitted"},
		{"pull_request_review.submitted.changes_requested.prow.json", "pull_request_review", "kubernetes/kubernetes", 66534, "submitted"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open("testdata/webhooks/" + tt.file)
			require.NoError(t, err)
			defer f.Close()
			e, err := ReadEvent(tt.name, f)
			require.NoError(t, err)
			assert.Equal(t, tt.repo, e.Owner+"/"+e.Repo)
			assert.Equal(t, tt.pr, e.PR)
			assert.Equal(t, tt.action, e.Action)
			assert.Len(t, e.HeadSHA, 40)
			assert.Len(t, e.BaseSHA, 40)
			assert.NotEmpty(t, e.BaseRef)
		})
	}
}

func TestReadEventRejects(t *testing.T) {
	sha := strings.Repeat("a", 40)
	good := `{"action":"opened","pull_request":{"number":1,"head":{"sha":"` + sha + `","ref":"f","repo":{"full_name":"o/r"}},"base":{"sha":"` + sha + `","ref":"main"}},"repository":{"full_name":"o/r"}}`
	e, err := ReadEvent("pull_request", strings.NewReader(good))
	require.NoError(t, err)
	assert.False(t, e.FromFork())
	fork, err := ReadEvent("pull_request", strings.NewReader(strings.Replace(good, `"repo":{"full_name":"o/r"}`, `"repo":{"full_name":"someone/r"}`, 1)))
	require.NoError(t, err)
	assert.True(t, fork.FromFork())

	for name, payload := range map[string]string{
		"empty":          ``,
		"not json":       `nope`,
		"truncated":      good[:len(good)/2],
		"no pr":          `{"repository":{"full_name":"o/r"}}`,
		"no repository":  strings.Replace(good, `,"repository":{"full_name":"o/r"}`, ``, 1),
		"bad repository": strings.Replace(good, `"repository":{"full_name":"o/r"}`, `"repository":{"full_name":"o"}`, 1),
		"no number":      strings.Replace(good, `"number":1`, `"number":0`, 1),
		"no head sha":    strings.Replace(good, `"head":{"sha":"`+sha, `"head":{"sha":"`, 1),
		"wrong types":    strings.Replace(good, `"number":1`, `"number":"1"`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadEvent("pull_request", strings.NewReader(payload))
			assert.Error(t, err)
		})
	}
	_, err = ReadEvent("push", strings.NewReader(good))
	assert.ErrorIs(t, err, ErrUnsupportedEvent)
}

func FuzzReadEvent(f *testing.F) {
	entries, err := os.ReadDir("testdata/webhooks")
	require.NoError(f, err)
	for _, e := range entries {
		data, err := os.ReadFile("testdata/webhooks/" + e.Name())
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ReadEvent("pull_request_review", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		if e.PR <= 0 || e.Owner == "" || e.Repo == "" || len(e.HeadSHA) != 40 {
			t.Fatalf("accepted an event without what a decision needs: %+v", e)
		}
	})
}
