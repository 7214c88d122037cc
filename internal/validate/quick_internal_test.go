package validate

import (
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPatternMemoAnswersAsTheExpression(t *testing.T) {
	re := regexp.MustCompile(`^[a-z]+-[0-9]$`)
	other := regexp.MustCompile(`^[0-9]+$`)
	m := &patternMemo{}
	var values []string
	for i := range memoPerPattern * 2 {
		values = append(values, fmt.Sprintf("abc-%d", i%13), fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, v := range values {
				// Both orders, so a second answer comes from the memo.
				for range 2 {
					assert.Equal(t, re.MatchString(v), m.match(re, v), "%q against %s", v, re)
					assert.Equal(t, other.MatchString(v), m.match(other, v), "%q against %s", v, other)
				}
			}
		})
	}
	wg.Wait()

	// The memo is bounded per pattern however many values it sees.
	p, ok := m.patterns.Load(re)
	if assert.True(t, ok) {
		stored := 0
		p.(*patternAnswers).answers.Range(func(any, any) bool { stored++; return true })
		assert.LessOrEqual(t, stored, memoPerPattern)
	}
	assert.False(t, (*patternMemo)(nil).match(re, "ABC-1"), "a nil memo still matches")
	assert.True(t, (*patternMemo)(nil).match(re, "abc-1"))
}
