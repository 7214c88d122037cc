package validate

import (
	"regexp"
	"regexp/syntax"
)

// Most patterns in the schemas are a fixed sequence of ASCII character
// classes, such as a date's ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ or a name's
// ^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$. Go's regexp runs them an
// instruction at a time, several dozen nanoseconds a character, and they
// were the largest part of checking a valid record. Such a pattern is
// read here, with regexp/syntax, into runs of one class each; a string
// matches when it is those runs, which one pass over its bytes tells.
// Any other pattern stays with regexp.

// classRun is one class repeated min to max times (max -1: no bound).
type classRun struct {
	set      [2]uint64 // the ASCII characters in the class
	min, max int
}

func (r *classRun) has(c byte) bool {
	return c < 128 && r.set[c>>6]&(1<<(c&63)) != 0
}

// classRuns is a pattern anchored at both ends whose every run but the
// last has a fixed length, so that reading runs greedily is exact.
type classRuns []classRun

// compileRuns reads re as runs, or reports that it is not one.
func compileRuns(re *regexp.Regexp) (classRuns, bool) {
	// The flags regexp.Compile parses with.
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || tree.Op != syntax.OpConcat {
		return nil, false
	}
	subs := flattenConcat(tree.Sub, nil)
	if len(subs) < 2 || subs[0].Op != syntax.OpBeginText || subs[len(subs)-1].Op != syntax.OpEndText {
		return nil, false
	}
	var runs classRuns
	for _, sub := range subs[1 : len(subs)-1] {
		switch sub.Op {
		case syntax.OpLiteral:
			if sub.Flags&syntax.FoldCase != 0 {
				return nil, false
			}
			for _, r := range sub.Rune {
				run, ok := literalRun(r)
				if !ok {
					return nil, false
				}
				runs = append(runs, run)
			}
			continue
		case syntax.OpCharClass:
			run, ok := classOf(sub)
			if !ok {
				return nil, false
			}
			run.min, run.max = 1, 1
			runs = append(runs, run)
			continue
		}
		var min, max int
		switch sub.Op {
		case syntax.OpRepeat:
			min, max = sub.Min, sub.Max
		case syntax.OpQuest:
			min, max = 0, 1
		case syntax.OpStar:
			min, max = 0, -1
		case syntax.OpPlus:
			min, max = 1, -1
		default:
			return nil, false
		}
		if len(sub.Sub) != 1 || (max != -1 && max < min) {
			return nil, false
		}
		run, ok := classOf(sub.Sub[0])
		if !ok {
			return nil, false
		}
		run.min, run.max = min, max
		runs = append(runs, run)
	}
	for _, run := range runs[:max(len(runs)-1, 0)] {
		if run.min != run.max {
			return nil, false
		}
	}
	return runs, true
}

// flattenConcat lists the items of nested concatenations in order.
func flattenConcat(subs []*syntax.Regexp, out []*syntax.Regexp) []*syntax.Regexp {
	for _, s := range subs {
		if s.Op == syntax.OpConcat {
			out = flattenConcat(s.Sub, out)
			continue
		}
		out = append(out, s)
	}
	return out
}

// classOf reads a single-character item: a class or one literal.
func classOf(re *syntax.Regexp) (classRun, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) != 1 || re.Flags&syntax.FoldCase != 0 {
			return classRun{}, false
		}
		return literalRun(re.Rune[0])
	case syntax.OpCharClass:
		var run classRun
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if lo < 0 || hi >= 128 || lo > hi {
				return classRun{}, false
			}
			for c := lo; c <= hi; c++ {
				run.set[c>>6] |= 1 << (c & 63)
			}
		}
		return run, true
	}
	return classRun{}, false
}

func literalRun(r rune) (classRun, bool) {
	if r < 0 || r >= 128 {
		return classRun{}, false
	}
	var run classRun
	run.set[r>>6] |= 1 << (r & 63)
	run.min, run.max = 1, 1
	return run, true
}

// match reports whether s is the runs. Every class is ASCII, so a byte
// of 0x80 or more (which regexp reads as part of a rune, or as U+FFFD)
// matches none, and bytes count characters.
func (rs classRuns) match(s string) bool {
	i := 0
	for k := range rs {
		r := &rs[k]
		n := r.min
		if k == len(rs)-1 {
			n = len(s) - i
			if n < r.min || (r.max != -1 && n > r.max) {
				return false
			}
		} else if len(s)-i < n {
			return false
		}
		for _, c := range []byte(s[i : i+n]) {
			if !r.has(c) {
				return false
			}
		}
		i += n
	}
	return i == len(s)
}
