package codeowners

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// tokKind is one element of a glob inside a single path segment.
type tokKind uint8

const (
	tokLit  tokKind = iota // one character, compared byte for byte
	tokAny                 // "?": exactly one character other than "/"
	tokStar                // "*": any run of characters other than "/"
)

type token struct {
	kind tokKind
	lit  string // the bytes of one character when kind is tokLit
}

// segment is one "/"-separated element of a pattern: either "**", which
// matches any number of whole path segments, or a glob matched against exactly
// one path segment.
type segment struct {
	globstar bool
	toks     []token
}

// loneStar reports whether the segment is a bare "*". GitHub gives a trailing
// bare "*" a meaning gitignore does not have: "docs/*" owns the files directly
// in docs/ but not those in its subdirectories.
func (s segment) loneStar() bool {
	return !s.globstar && len(s.toks) == 1 && s.toks[0].kind == tokStar
}

// match reports whether the glob matches one path segment. It is the classic
// iterative wildcard match that backtracks only to the latest "*", so it runs
// in O(len(glob)·len(name)) and cannot blow up on many stars.
func (s segment) match(name string) bool {
	// A file or directory name is never empty; an empty name only comes from
	// "a//b" or a trailing "/" in the path, and no glob should own it.
	if name == "" {
		return false
	}
	toks := s.toks
	ti, ni := 0, 0
	starTi, starNi := -1, 0
	for ni < len(name) {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starNi = ti, ni
				ti++
				continue
			case tokAny:
				_, w := utf8.DecodeRuneInString(name[ni:])
				ti++
				ni += w
				continue
			case tokLit:
				if strings.HasPrefix(name[ni:], t.lit) {
					ti++
					ni += len(t.lit)
					continue
				}
			}
		}
		if starTi < 0 {
			return false
		}
		// Let the latest star absorb one more character and retry after it.
		_, w := utf8.DecodeRuneInString(name[starNi:])
		starNi += w
		ti, ni = starTi+1, starNi
	}
	for ti < len(toks) && toks[ti].kind == tokStar {
		ti++
	}
	return ti == len(toks)
}

// pattern is a compiled CODEOWNERS pattern.
//
// Matching a path walks its segments through the pattern's segments as a
// non-deterministic automaton (a set of live positions), so "**" costs one
// bit per position instead of a branch per way to split the path: matching
// is O(len(segments)·len(path)) whatever the number of "**".
type pattern struct {
	segs []segment
	// dirOnly is set by a trailing "/" or "/**": the pattern names a
	// directory, and owns what is below it but not a file of the same name.
	dirOnly bool
	// exact is set by a trailing bare "*" (see loneStar): the pattern owns
	// what it matches but nothing below it.
	exact bool
}

// Errors describing a pattern GitHub would reject or that could never match.
var (
	errEmptyPattern    = errors.New("empty pattern")
	errNegation        = errors.New(`"!" negation is not supported by GitHub`)
	errEscapedHash     = errors.New(`escaping a leading "#" is not supported by GitHub`)
	errBracket         = errors.New(`"[" and "]" must be escaped with "\" (GitHub does not support character ranges)`)
	errTrailingEscape  = errors.New(`trailing "\" escapes nothing`)
	errEscapedSlash    = errors.New(`"\/" is ambiguous: a path separator cannot be escaped`)
	errEmptySegment    = errors.New(`empty path segment ("//")`)
	errLeadingHash     = errors.New(`a pattern cannot start with "#" (the line would be a comment)`)
	errPatternHasSpace = errors.New("unescaped whitespace in pattern")
)

// compilePattern turns a pattern as written in CODEOWNERS (escapes
// included) into a matcher.
//
// GitHub documents three gitignore features as not working in CODEOWNERS:
// "!" negation, "[ ]" character ranges and "\#" for a leading "#". For
// brackets GitHub's file view reports an error ("both [ and ] must be
// escaped") and GitHub skips lines with errors. For the other two GitHub
// says only that they do not work, so exctl reports them as errors too
// rather than give them a meaning GitHub may not give them: a rule exctl
// believes in and GitHub ignores is the one outcome to avoid. Escaped, "\[",
// "\]" and "\!" are ordinary characters.
func compilePattern(p string) (pattern, error) {
	switch {
	case p == "":
		return pattern{}, errEmptyPattern
	case p[0] == '!':
		return pattern{}, errNegation
	case strings.HasPrefix(p, `\#`):
		return pattern{}, errEscapedHash
	case p[0] == '#':
		return pattern{}, errLeadingHash
	}

	raw, err := lexSegments(p)
	if err != nil {
		return pattern{}, err
	}

	var pat pattern
	anchored := false
	if len(raw) > 1 && isEmptySeg(raw[0]) {
		anchored = true
		raw = raw[1:]
	}
	if len(raw) > 1 && isEmptySeg(raw[len(raw)-1]) {
		pat.dirOnly = true
		raw = raw[:len(raw)-1]
	}
	if len(raw) == 1 && isEmptySeg(raw[0]) {
		// "/" or "//": nothing left to match.
		return pattern{}, errEmptyPattern
	}
	for _, r := range raw {
		if isEmptySeg(r) {
			return pattern{}, errEmptySegment
		}
		pat.segs = append(pat.segs, r)
	}

	// A pattern with no "/" other than a trailing one matches at any depth,
	// as if it began with "**/"; any other "/" anchors it to the root.
	if !anchored && len(pat.segs) == 1 && !pat.segs[0].globstar {
		pat.segs = append([]segment{{globstar: true}}, pat.segs...)
	}
	// A trailing "**" needs at least one segment to consume: "foo/**" owns
	// what is inside foo/ but not a file named foo, exactly as "foo/" does.
	if last := len(pat.segs) - 1; pat.segs[last].globstar {
		pat.segs = pat.segs[:last]
		pat.dirOnly = true
	}
	if !pat.dirOnly && len(pat.segs) > 0 && pat.segs[len(pat.segs)-1].loneStar() {
		pat.exact = true
	}
	return pat, nil
}

// isEmptySeg reports whether a lexed segment is empty: the text around a
// leading, trailing or doubled "/".
func isEmptySeg(r segment) bool { return !r.globstar && len(r.toks) == 0 }

// lexSegments splits p at unescaped "/" and turns each part into glob tokens.
func lexSegments(p string) ([]segment, error) {
	var segs []segment
	var cur []token
	onlyStars, stars := true, 0
	flush := func() {
		if onlyStars && stars == 2 {
			segs = append(segs, segment{globstar: true})
		} else {
			segs = append(segs, segment{toks: cur})
		}
		cur, onlyStars, stars = nil, true, 0
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch c {
		case '/':
			flush()
			i++
			continue
		case '\\':
			if i+1 == len(p) {
				return nil, errTrailingEscape
			}
			switch p[i+1] {
			case '/':
				return nil, errEscapedSlash
			case '\n', '\r':
				// Not an escaped character but the end of the line.
				return nil, errTrailingEscape
			}
			_, w := utf8.DecodeRuneInString(p[i+1:])
			cur = append(cur, token{kind: tokLit, lit: p[i+1 : i+1+w]})
			onlyStars = false
			i += 1 + w
			continue
		case '*':
			stars++
			// Runs of stars inside a segment mean what one star means (git
			// treats "***" and "a**b" so); only a whole "**" segment is a
			// globstar.
			if len(cur) == 0 || cur[len(cur)-1].kind != tokStar {
				cur = append(cur, token{kind: tokStar})
			}
			i++
			continue
		case '?':
			cur = append(cur, token{kind: tokAny})
			onlyStars = false
			i++
			continue
		case '[', ']':
			return nil, errBracket
		case ' ', '\t', '\r', '\n', '\f', '\v':
			return nil, errPatternHasSpace
		}
		_, w := utf8.DecodeRuneInString(p[i:])
		cur = append(cur, token{kind: tokLit, lit: p[i : i+w]})
		onlyStars = false
		i += w
	}
	flush()
	return segs, nil
}

// match reports whether the pattern owns path, a slash-separated path
// relative to the repository root.
func (p pattern) match(path string) bool {
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return false
	}
	n := len(p.segs)
	// The number of path segments is not known without a scan; count it so
	// the acceptance test below can ask "is anything left?".
	total := strings.Count(path, "/") + 1

	cur := make([]bool, n+1)
	next := make([]bool, n+1)
	cur[0] = true
	p.closure(cur)
	if p.accepts(cur, 0, total) {
		return true
	}
	consumed := 0
	for rest := path; ; {
		name, after, more := strings.Cut(rest, "/")
		clear(next)
		live := false
		for i := 0; i < n; i++ {
			if !cur[i] {
				continue
			}
			if p.segs[i].globstar {
				next[i] = true
				live = true
			} else if p.segs[i].match(name) {
				next[i+1] = true
				live = true
			}
		}
		if !live {
			return false
		}
		p.closure(next)
		cur, next = next, cur
		consumed++
		if p.accepts(cur, consumed, total) {
			return true
		}
		if !more {
			return false
		}
		rest = after
	}
}

// closure adds the positions reachable by letting a "**" match nothing.
func (p pattern) closure(set []bool) {
	for i, s := range p.segs {
		if set[i] && s.globstar {
			set[i+1] = true
		}
	}
}

// accepts reports whether the whole pattern has matched the first consumed
// of total path segments and what remains is allowed to remain.
func (p pattern) accepts(set []bool, consumed, total int) bool {
	if !set[len(p.segs)] {
		return false
	}
	switch {
	case p.dirOnly:
		return consumed < total
	case p.exact:
		return consumed == total
	default:
		// A pattern that matches a directory owns everything below it.
		return consumed >= 1
	}
}
