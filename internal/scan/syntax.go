package scan

import (
	"fmt"
	"io"
	"strconv"
)

// SyntaxError reports input that is not one well-formed JSON value: malformed,
// truncated or empty. encoding/json's own offsets are not usable for this
// when Token and Decode are mixed (they count only the bytes that Decode
// scanned), so every byte read is also run through syntaxChecker, which knows
// the exact position of the first error.
type SyntaxError struct {
	Offset    int64 // zero-based byte offset of the offending byte, or of the end of input
	Line      int   // one-based
	Column    int   // one-based, in characters (UTF-8 sequences count once)
	Truncated bool  // the input ended inside a value (or held no value at all)
	Msg       string
}

func (e *SyntaxError) Error() string {
	if e.Truncated {
		return fmt.Sprintf("truncated JSON at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
	}
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// maxDepth bounds nesting; encoding/json stops at the same depth.
const maxDepth = 10000

type scanState uint8

const (
	stValue        scanState = iota // a value must start here
	stValueOrClose                  // after '[': a value or ']'
	stKeyOrClose                    // after '{': a key or '}'
	stKey                           // after ',' in an object
	stColon                         // after a key
	stAfterValue                    // after a value inside a container
	stString
	stEscape
	stHex
	stNeg       // after '-'
	stZero      // after a leading 0
	stInt       // in integer digits
	stDot       // after '.'
	stFrac      // in fraction digits
	stExp       // after 'e'
	stExpSign   // after 'e+' or 'e-'
	stExpDigits // in exponent digits
	stLiteral   // in true, false or null
	stDone      // the top-level value is complete
)

// syntaxChecker validates a JSON document fed to it in chunks and tracks the
// line and column of every byte, in constant memory apart from the nesting
// stack. Its grammar is encoding/json's: invalid UTF-8 inside strings is
// accepted, as encoding/json accepts it.
type syntaxChecker struct {
	off       int64 // bytes consumed
	line      int   // one-based line of the next byte
	lineStart int64 // offset of the first byte of that line
	cont      int64 // UTF-8 continuation bytes between lineStart and off
	state     scanState
	stack     []byte // '{' or '[' per open container
	inKey     bool   // the current string is an object key
	hexLeft   int
	literal   string
	litPos    int
	started   bool // a non-space byte was seen
	err       *SyntaxError
}

func newSyntaxChecker() *syntaxChecker {
	return &syntaxChecker{line: 1}
}

// column is the one-based column of the next byte, in characters.
func (s *syntaxChecker) column() int {
	return int(s.off-s.lineStart-s.cont) + 1
}

// errorAt records an error at the next byte.
func (s *syntaxChecker) errorAt(msg string, truncated bool) {
	s.err = &SyntaxError{Offset: s.off, Line: s.line, Column: s.column(), Truncated: truncated, Msg: msg}
}

// Byte classes for the fast paths of feed.
const (
	classPlain = iota // needs no attention inside a string
	classStop         // ends the fast path inside a string: quote, backslash, control characters
	classCont         // a UTF-8 continuation byte: no column of its own
)

var byteClass = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = classStop
	}
	t['"'], t['\\'] = classStop, classStop
	for c := 0x80; c < 0xC0; c++ {
		t[c] = classCont
	}
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func quoteByte(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	if c >= 0x80 {
		s = fmt.Sprintf(`"\x%02x"`, c)
	}
	return "'" + s[1:len(s)-1] + "'"
}

func (s *syntaxChecker) fail(c byte, context string) bool {
	s.errorAt("invalid character "+quoteByte(c)+" "+context, false)
	return false
}

// feed checks the next chunk of input. After the first error it does nothing.
func (s *syntaxChecker) feed(p []byte) {
	for i := 0; i < len(p) && s.err == nil; {
		switch s.state {
		case stString:
			// Fast path: the bulk of a scanner report is string content.
			j := i
		str:
			for ; j < len(p); j++ {
				switch byteClass[p[j]] {
				case classStop:
					break str
				case classCont:
					s.cont++
				}
			}
			s.off += int64(j - i)
			if i = j; i == len(p) {
				return
			}
		case stValue, stValueOrClose, stKeyOrClose, stKey, stColon, stAfterValue, stDone:
			// Fast path: indentation between tokens.
			j := i
		space:
			for ; j < len(p); j++ {
				switch p[j] {
				case ' ', '\t', '\r':
				case '\n':
					s.line++
					s.lineStart = s.off + int64(j-i) + 1
					s.cont = 0
				default:
					break space
				}
			}
			s.off += int64(j - i)
			if i = j; i == len(p) {
				return
			}
		}
		c := p[i]
		if !s.step(c) {
			return
		}
		s.off++
		if c == '\n' {
			s.line++
			s.lineStart = s.off
			s.cont = 0
		} else if byteClass[c] == classCont {
			s.cont++
		}
		i++
	}
}

// eof records the end of input: an error unless one complete value was read.
func (s *syntaxChecker) eof() {
	if s.err != nil {
		return
	}
	switch s.state {
	case stDone:
		return
	case stZero, stInt, stFrac, stExpDigits:
		if len(s.stack) == 0 {
			s.state = stDone
			return
		}
	}
	msg := "unexpected end of input"
	if !s.started {
		msg = "empty input: no JSON value"
	}
	s.errorAt(msg, true)
}

func (s *syntaxChecker) endValue() {
	if len(s.stack) == 0 {
		s.state = stDone
	} else {
		s.state = stAfterValue
	}
}

func (s *syntaxChecker) push(c byte) bool {
	if len(s.stack) >= maxDepth {
		s.errorAt(fmt.Sprintf("nesting deeper than %d levels", maxDepth), false)
		return false
	}
	s.stack = append(s.stack, c)
	return true
}

// beginValue handles the first byte of a value.
func (s *syntaxChecker) beginValue(c byte) bool {
	s.started = true
	switch {
	case c == '{':
		if !s.push(c) {
			return false
		}
		s.state = stKeyOrClose
	case c == '[':
		if !s.push(c) {
			return false
		}
		s.state = stValueOrClose
	case c == '"':
		s.inKey = false
		s.state = stString
	case c == '-':
		s.state = stNeg
	case c == '0':
		s.state = stZero
	case '1' <= c && c <= '9':
		s.state = stInt
	case c == 't':
		s.literal, s.litPos, s.state = "true", 1, stLiteral
	case c == 'f':
		s.literal, s.litPos, s.state = "false", 1, stLiteral
	case c == 'n':
		s.literal, s.litPos, s.state = "null", 1, stLiteral
	default:
		return s.fail(c, "looking for beginning of value")
	}
	return true
}

func (s *syntaxChecker) closeContainer(c byte) bool {
	open := byte('{')
	if c == ']' {
		open = '['
	}
	if len(s.stack) == 0 {
		return s.fail(c, "looking for beginning of value")
	}
	if s.stack[len(s.stack)-1] != open {
		if s.stack[len(s.stack)-1] == '{' {
			return s.fail(c, "after object key:value pair")
		}
		return s.fail(c, "after array element")
	}
	s.stack = s.stack[:len(s.stack)-1]
	s.endValue()
	return true
}

// step consumes one byte outside the string fast path.
func (s *syntaxChecker) step(c byte) bool {
	switch s.state {
	case stValue:
		if isSpace(c) {
			return true
		}
		return s.beginValue(c)
	case stValueOrClose:
		if isSpace(c) {
			return true
		}
		if c == ']' {
			return s.closeContainer(c)
		}
		return s.beginValue(c)
	case stKeyOrClose, stKey:
		if isSpace(c) {
			return true
		}
		if c == '"' {
			s.inKey = true
			s.state = stString
			return true
		}
		if c == '}' && s.state == stKeyOrClose {
			return s.closeContainer(c)
		}
		return s.fail(c, "looking for beginning of object key string")
	case stColon:
		if isSpace(c) {
			return true
		}
		if c == ':' {
			s.state = stValue
			return true
		}
		return s.fail(c, "after object key")
	case stAfterValue:
		if isSpace(c) {
			return true
		}
		top := s.stack[len(s.stack)-1]
		switch {
		case c == ',' && top == '{':
			s.state = stKey
			return true
		case c == ',':
			s.state = stValue
			return true
		case c == '}' || c == ']':
			return s.closeContainer(c)
		case top == '{':
			return s.fail(c, "after object key:value pair")
		}
		return s.fail(c, "after array element")
	case stString:
		switch {
		case c == '"':
			if s.inKey {
				s.state = stColon
			} else {
				s.endValue()
			}
			return true
		case c == '\\':
			s.state = stEscape
			return true
		case c < 0x20:
			return s.fail(c, "in string literal")
		}
		return true
	case stEscape:
		switch c {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			s.state = stString
			return true
		case 'u':
			s.hexLeft = 4
			s.state = stHex
			return true
		}
		return s.fail(c, "in string escape code")
	case stHex:
		if ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') {
			if s.hexLeft--; s.hexLeft == 0 {
				s.state = stString
			}
			return true
		}
		return s.fail(c, `in \u hexadecimal character escape`)
	case stNeg:
		if c == '0' {
			s.state = stZero
			return true
		}
		if '1' <= c && c <= '9' {
			s.state = stInt
			return true
		}
		return s.fail(c, "in numeric literal")
	case stZero, stInt:
		if s.state == stInt && '0' <= c && c <= '9' {
			return true
		}
		if c == '.' {
			s.state = stDot
			return true
		}
		if c == 'e' || c == 'E' {
			s.state = stExp
			return true
		}
		s.endValue()
		return s.step(c)
	case stDot:
		if '0' <= c && c <= '9' {
			s.state = stFrac
			return true
		}
		return s.fail(c, "after decimal point in numeric literal")
	case stFrac:
		if '0' <= c && c <= '9' {
			return true
		}
		if c == 'e' || c == 'E' {
			s.state = stExp
			return true
		}
		s.endValue()
		return s.step(c)
	case stExp:
		if c == '+' || c == '-' {
			s.state = stExpSign
			return true
		}
		fallthrough
	case stExpSign:
		if '0' <= c && c <= '9' {
			s.state = stExpDigits
			return true
		}
		return s.fail(c, "in exponent of numeric literal")
	case stExpDigits:
		if '0' <= c && c <= '9' {
			return true
		}
		s.endValue()
		return s.step(c)
	case stLiteral:
		if c != s.literal[s.litPos] {
			return s.fail(c, fmt.Sprintf("in literal %s (expecting %s)", s.literal, quoteByte(s.literal[s.litPos])))
		}
		if s.litPos++; s.litPos == len(s.literal) {
			s.endValue()
		}
		return true
	case stDone:
		if isSpace(c) {
			return true
		}
		return s.fail(c, "after top-level value")
	}
	return true
}

// checkedReader runs every byte that the JSON decoder reads through a
// syntaxChecker. Once the checker has found an error, the next Read returns
// it, so that a huge malformed report is abandoned early.
type checkedReader struct {
	r   io.Reader
	chk *syntaxChecker
}

func (cr *checkedReader) Read(p []byte) (int, error) {
	if cr.chk.err != nil {
		return 0, cr.chk.err
	}
	n, err := cr.r.Read(p)
	cr.chk.feed(p[:n])
	if err == io.EOF {
		cr.chk.eof()
	}
	return n, err
}
