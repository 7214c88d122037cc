// Package load reads exctl's YAML files from a directory or a git tree into
// JSON values for schema validation, keeping every value's line and column
// so that messages point at the text a person wrote.
package load

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/yamlvalue"
)

// Limits that keep a hostile file from costing unbounded time or memory.
const (
	// MaxFileSize is far above any real record and far below what could hurt.
	MaxFileSize = 1 << 20
	// maxValues bounds the values a document may expand to through aliases.
	maxValues = 100_000
	// maxDepth bounds nesting; records are a few levels deep.
	maxDepth = 64
	// smallMapping is the most keys a mapping has for duplicates to be
	// found by search rather than with a set.
	smallMapping = 32
)

// Error is a problem at a position in a file. Line and Col are 1-based; 0
// means the whole file.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
}

// Document is one parsed YAML file: its node tree and, on demand, the
// JSON value of it.
type Document struct {
	Path string
	Data []byte
	Root *yaml.Node // the document's top mapping

	value     any
	valueOnce sync.Once
}

// Value is the document as a JSON value: map[string]any, []any, string,
// int64, float64, bool or nil, with aliases expanded. It is built on
// first use: most readers walk the node tree, and building the value is a
// fifth of what parsing costs. Parse has already checked that it can be
// built.
func (d *Document) Value() any {
	d.valueOnce.Do(func() {
		if d.Root == nil {
			return
		}
		c := converter{path: d.Path, build: true}
		d.value, _ = c.value(d.Root, 0)
	})
	return d.value
}

// Parse reads one YAML document holding a mapping. Every problem is an
// *Error with a position.
func Parse(path string, data []byte) (*Document, error) {
	if err := checkText(path, data); err != nil {
		return nil, err
	}
	doc, err := parseOne(path, data)
	if err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &Error{File: path, Msg: "empty file: a record is a YAML mapping"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: path, Line: root.Line, Col: root.Column, Msg: fmt.Sprintf("the document is a %s, want a mapping of field: value", kindName(root))}
	}
	// Everything that would stop the JSON value being built is found now,
	// without building it.
	c := converter{path: path}
	if _, err := c.value(root, 0); err != nil {
		return nil, err
	}
	return &Document{Path: path, Data: data, Root: root}, nil
}

// parseOne parses the one YAML document data holds. A record is a block
// mapping starting in the first column, which runs to the end of the
// stream unless a line starts with a document marker (--- or ...): for
// such a file one parse of the bytes is all it takes. Anything else goes
// through the stream decoder, which reads through a buffered reader and
// must be asked a second time to prove there is no more; a single parse
// would stop after a flow collection or an indented mapping and never see
// what follows. FuzzSingleDocument holds the two paths to the same answers.
func parseOne(path string, data []byte) (yaml.Node, error) {
	if !hasDocumentMarker(data) {
		if doc, ok := parseSingle(data[leadingComment(data):]); ok {
			return doc, nil
		}
	}
	return parseStream(path, data)
}

// leadingComment is the length of the comment on data's first line (a
// record's schema line), short of the line break after it. No parser
// takes a value from a comment and yaml.v3 scans one byte by byte like
// any other text, so the single parse starts at that line break: every
// line keeps its number, and only the comment is missing from the nodes,
// which no check reads.
func leadingComment(data []byte) int {
	if len(data) == 0 || data[0] != '#' {
		return 0
	}
	return max(bytes.IndexByte(data, '\n'), 0)
}

// parseSingle parses data with one Unmarshal and reports whether that
// answer is the whole answer: a block mapping whose keys start in the
// first column. The first key's position is what counts: a tag or an
// anchor before an indented mapping puts the root node in column 1 while
// its keys are not, and the parse would stop at the next line that is.
func parseSingle(data []byte) (yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return doc, false
	}
	root := doc.Content[0]
	ok := root.Kind == yaml.MappingNode && root.Style&(yaml.FlowStyle|yaml.TaggedStyle) == 0 && root.Anchor == "" &&
		len(root.Content) > 0 && root.Content[0].Column == 1 && root.Content[0].Line == root.Line
	return doc, ok
}

func parseStream(path string, data []byte) (yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return doc, &Error{File: path, Msg: "empty file: a record is a YAML mapping"}
		}
		return doc, yamlError(path, data, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		line := next.Line
		if line == 0 {
			line = 1
		}
		return doc, &Error{File: path, Line: line, Col: 1, Msg: "several YAML documents in one file: keep one record per file"}
	} else if !errors.Is(err, io.EOF) {
		return doc, yamlError(path, data, err)
	}
	return doc, nil
}

// hasDocumentMarker reports whether a line of data starts with "---",
// "..." or "%" (a directive), the ways a YAML stream ends a document and
// goes on to another.
func hasDocumentMarker(data []byte) bool {
	// One pass over the line starts: searching for each marker in turn
	// stopped at every line three times.
	for i := 0; i < len(data); {
		switch data[i] {
		case '%':
			return true
		case '-', '.':
			if i+2 < len(data) && data[i+1] == data[i] && data[i+2] == data[i] {
				return true
			}
		}
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return false
		}
		i += nl + 1
	}
	return false
}

// checkText rejects what YAML parsers handle badly or silently: encodings
// other than UTF-8, a byte order mark, tab indentation and oversize files.
func checkText(path string, data []byte) error {
	if len(data) > MaxFileSize {
		return tooLarge(path, int64(len(data)))
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return &Error{File: path, Line: 1, Col: 1, Msg: "file starts with a UTF-8 byte order mark: save it as UTF-8 without BOM"}
	}
	if bytes.HasPrefix(data, []byte("\xfe\xff")) || bytes.HasPrefix(data, []byte("\xff\xfe")) {
		return &Error{File: path, Line: 1, Col: 1, Msg: "file is UTF-16: save it as UTF-8"}
	}
	if plainText(data) {
		return nil
	}
	line, col := 1, 1
	atLineStart := true
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return &Error{File: path, Line: line, Col: col, Msg: fmt.Sprintf("invalid UTF-8 byte 0x%02x: save the file as UTF-8", data[i])}
		}
		switch {
		case r == '\n':
			line, col, atLineStart = line+1, 1, true
			i += size
			continue
		case r == '\t' && atLineStart:
			return &Error{File: path, Line: line, Col: col, Msg: "tab in indentation: YAML indents with spaces"}
		case r == 0:
			return &Error{File: path, Line: line, Col: col, Msg: "NUL byte: not a text file"}
		// yaml.v3 counts these as line breaks, where git, GitHub and this
		// loop count only \n: positions after them would disagree.
		case r == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			return &Error{File: path, Line: line, Col: col, Msg: "carriage return without a line feed: save the file with LF or CRLF line endings"}
		case r == 0x85 || r == 0x2028 || r == 0x2029:
			return &Error{File: path, Line: line, Col: col, Msg: fmt.Sprintf("line break U+%04X: end lines with LF or CRLF, and write it as an escape in a quoted string", r)}
		case !printable(r):
			// yaml.v3 refuses these too, but without a position.
			return &Error{File: path, Line: line, Col: col, Msg: fmt.Sprintf("control character U+%04X: YAML allows only printable characters", r)}
		case r != ' ':
			atLineStart = false
		}
		col++
		i += size
	}
	return nil
}

// plainText reports whether data is printable ASCII text with LF line
// ends and no tab in its indentation, which the loop in checkText passes
// without a word. Nearly every record is, and a table lookup per byte is
// several times cheaper than decoding runes; any other byte, harmless or
// not, sends the file through the loop, which stays the one definition of
// what is refused. A rule added to the loop about a byte this lets through
// must be added here too.
func plainText(data []byte) bool {
	atLineStart := true
	i := 0
	// Eight bytes at a time while they are all printable or line feeds,
	// which decides nothing but whether the last line's indentation has
	// ended; a word with a tab or anything else goes through the table.
	const spaces = 0x2020202020202020
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
		if printableASCII(w) {
			if atLineStart && w != spaces {
				atLineStart = false
			}
			continue
		}
		if nl, ok := printableOrNewline(w); ok {
			// The bytes after the last line feed are the start of a
			// line: it is still in its indentation if they are spaces.
			after := 8 * uint(bits.Len64(nl)/8)
			atLineStart = w>>after == spaces>>after
			continue
		}
		if !plainBytes(data[i:i+8], &atLineStart) {
			return false
		}
	}
	return plainBytes(data[i:], &atLineStart)
}

// printableOrNewline reports whether every byte of w is printable ASCII or
// a line feed, and if so returns the high bit of each line feed's byte.
// Unlike printableASCII these tests are exact byte by byte: no carry
// crosses a byte, since each sum is of two values below 0x80.
func printableOrNewline(w uint64) (newlines uint64, ok bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	low := w &^ highs
	atLeastSpace := (low + (0x80-0x20)*ones) & highs
	del := (low + ones) & highs // 0x7f
	newlines = ^((low ^ '\n'*ones) + 0x7f*ones) & highs
	bad := w&highs | del | (highs &^ atLeastSpace &^ newlines)
	return newlines, bad == 0
}

// printableASCII reports whether every byte of w is in 0x20..0x7e: none
// below 0x20 and none above 0x7e, in the bit tricks that test all eight at
// once (each exact for a yes-or-no answer).
func printableASCII(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (w - 0x20*ones) &^ w & highs
	above := ((w + (0x7f-0x7e)*ones) | w) & highs
	return below|above == 0
}

// plainBytes is plainText's table walk over b, carrying whether the line
// is still in its indentation.
func plainBytes(b []byte, atLineStart *bool) bool {
	for _, c := range b {
		switch asciiClass[c] {
		case asciiOther:
			*atLineStart = false
		case asciiNewline:
			*atLineStart = true
		case asciiSpace:
		case asciiTab:
			if *atLineStart {
				return false
			}
			*atLineStart = false
		default:
			return false
		}
	}
	return true
}

// Classes of bytes for plainText.
const (
	asciiOther   = iota // printable, or a tab inside a line
	asciiNewline        // \n
	asciiSpace          // ' ', which keeps a line in its indentation
	asciiTab            // \t, an error in the indentation
	asciiSuspect        // CR, another control character, DEL or non-ASCII: the loop decides
)

// asciiClass is plainText's table, built once and only read.
var asciiClass = func() (t [256]uint8) {
	for b := range t {
		switch {
		case b == '\n':
			t[b] = asciiNewline
		case b == ' ':
			t[b] = asciiSpace
		case b == '\t':
			t[b] = asciiTab
		case b >= 0x20 && b < 0x7f:
			t[b] = asciiOther
		default:
			t[b] = asciiSuspect
		}
	}
	return t
}()

// printable reports whether YAML allows r in a file (YAML 1.2, 5.1).
func printable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return false
	case r >= 0xd800 && r <= 0xdfff, r == 0xfffe, r == 0xffff:
		return false
	}
	return true
}

// parserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). It numbers their lines from 0 and leaves line 0 out, where it
// numbers scanner errors from 1; yamlError puts them on the right line.
// yaml.v3 has no error kinds, so its messages are all there is to go on.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// yamlError turns a yaml.v3 error ("yaml: line 3: ...") into an *Error.
func yamlError(path string, data []byte, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ":"); ok {
			if l, convErr := strconv.Atoi(n); convErr == nil {
				line, msg = l, strings.TrimSpace(tail)
			}
		}
	}
	if parserProblems[msg] {
		line++
	}
	// Without a line, a syntax error is on line 0 in yaml.v3's count: the
	// first line. (Its reader's errors, which have no line at all, are
	// caught by checkText first.)
	if line == 0 && !strings.HasPrefix(msg, "unknown anchor ") {
		line = 1
	}
	if line > 0 {
		// The end of the stream can be a line past the last one.
		last := bytes.Count(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) + 1
		return &Error{File: path, Line: min(line, last), Col: 1, Msg: "invalid YAML: " + msg}
	}
	// yaml.v3 reports an unknown anchor without a line: find the alias.
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		if name, _, ok = strings.Cut(name, "' referenced"); ok {
			if l, c := aliasPos(data, name); l > 0 {
				return &Error{File: path, Line: l, Col: c, Msg: "invalid YAML: " + msg}
			}
		}
	}
	return &Error{File: path, Msg: "invalid YAML: " + msg}
}

// converter checks a node tree and, when build is set, turns it into a
// JSON value. Without build it allocates nothing for a tree of strings,
// mappings and lists, and finds every problem building would.
type converter struct {
	path   string
	build  bool
	values int
	// alias is the outermost alias being expanded: a blown budget is
	// reported there, not inside the anchor it copies.
	alias *yaml.Node
}

func (c *converter) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{File: c.path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
}

// value converts a node to a JSON value. Timestamps stay strings: the schema
// decides what a date is, not the YAML resolver.
func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	c.values++
	if c.values > maxValues {
		at := n
		if c.alias != nil {
			at = c.alias
		}
		return nil, c.errorf(at, "document expands to more than %d values (alias bomb?)", maxValues)
	}
	if depth > maxDepth {
		return nil, c.errorf(n, "nesting deeper than %d levels", maxDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, c.errorf(n, "alias to an unknown anchor")
		}
		return c.aliased(n, depth)
	case yaml.MappingNode:
		var m map[string]any
		if c.build {
			m = make(map[string]any, len(n.Content)/2)
		}
		// A record's mappings are small enough to search for a key's
		// first spelling; a set keeps a huge one from costing its square.
		var seen map[string]bool
		if len(n.Content) > 2*smallMapping {
			seen = make(map[string]bool, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			// yaml.v3 tags the keys it parses; most are "!!str", which
			// is never a merge key, without working out the short tag.
			if k.Tag != "!!str" && k.ShortTag() == "!!merge" {
				return nil, c.errorf(k, "merge keys (<<) are not supported: write the fields out")
			}
			if k.Kind != yaml.ScalarNode {
				return nil, c.errorf(k, "mapping keys must be plain strings")
			}
			dup := false
			if seen != nil {
				dup = seen[k.Value]
				seen[k.Value] = true
			} else {
				dup = findKey(n, k.Value) != k
			}
			if dup {
				return nil, c.errorf(k, "duplicate key %q (first at line %d)", k.Value, findKey(n, k.Value).Line)
			}
			val, err := c.value(v, depth+1)
			if err != nil {
				return nil, err
			}
			if c.build {
				m[k.Value] = val
			}
		}
		if !c.build {
			return nil, nil
		}
		return m, nil
	case yaml.SequenceNode:
		var s []any
		if c.build {
			s = make([]any, 0, len(n.Content))
		}
		for _, item := range n.Content {
			val, err := c.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			if c.build {
				s = append(s, val)
			}
		}
		if !c.build {
			return nil, nil
		}
		return s, nil
	case yaml.ScalarNode:
		if !c.build && yamlvalue.IsString(n) {
			return nil, nil
		}
		v, err := yamlvalue.Scalar(n)
		if err != nil {
			return nil, c.errorf(n, "%s", err)
		}
		return v, nil
	}
	return nil, c.errorf(n, "unsupported YAML node")
}

// aliased is the value an alias stands for. Its own function, because a
// defer in value would cost every node of every record a deferred call.
func (c *converter) aliased(n *yaml.Node, depth int) (any, error) {
	if c.alias == nil {
		c.alias = n
		defer func() { c.alias = nil }()
	}
	return c.value(n.Alias, depth+1)
}

// aliasPos finds the first "*name" in data that is a whole alias token.
func aliasPos(data []byte, name string) (line, col int) {
	tok := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], tok)
		if i < 0 {
			return 0, 0
		}
		i += off
		end := i + len(tok)
		startsToken := i == 0 || bytes.IndexByte([]byte(" \t\n[{,"), data[i-1]) >= 0
		endsToken := end == len(data) || bytes.IndexByte([]byte(" \t\r\n,]}"), data[end]) >= 0
		if startsToken && endsToken {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
			col = 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i])
			return line, col
		}
		off = end
	}
}

// findKey returns the first key of mapping m spelled key, or m.
func findKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return m
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null value"
		}
		return "plain value"
	case yaml.AliasNode:
		return "alias"
	}
	return "node"
}
