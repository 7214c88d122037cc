package scan

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// checkAll runs the checker over data in chunks of the given size.
func checkAll(data []byte, chunk int) *syntaxChecker {
	s := newSyntaxChecker()
	for len(data) > 0 {
		n := min(chunk, len(data))
		s.feed(data[:n])
		data = data[n:]
	}
	s.eof()
	return s
}

// lineCol recomputes the position of offset in data the slow way.
func lineCol(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line, col = line+1, 1
		} else if c&0xC0 != 0x80 {
			col++
		}
	}
	return line, col
}

var syntaxCases = []string{
	``, ` `, `0`, `-0`, `-`, `01`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `-1.5e10`, `1 2`,
	`true`, `tru`, `trUe`, `false`, `null`, `nul`, `nulll`,
	`""`, `"`, `"\"`, `"\u00e9"`, `"\u00g9"`, `"\x"`, "\"a\tb\"", "\"\x7f\xff\"",
	`{}`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{1:2}`, `{"a":1}}`,
	`[]`, `[`, `]`, `[1,]`, `[,1]`, `[1 2]`, `[[]]`, `[[]`, `[}`, `{]`, `[{"a":[{}]}]`,
	" \t\r\n{ \"a\" : [ 1 , 2 ] } \n", `{"a":1}x`, `{} {}`,
	strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
}

// TestSyntaxCheckerAgreesWithEncodingJSON: the checker must accept exactly
// what json.Valid accepts, whatever the chunking, and place its errors where
// a recount finds them.
func TestSyntaxCheckerAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range syntaxCases {
		name := in
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			data := []byte(in)
			whole := checkAll(data, len(data)+1)
			assert.Equal(t, json.Valid(data), whole.err == nil, "checker error: %v", whole.err)
			for _, chunk := range []int{1, 2, 3, 7} {
				assert.Equal(t, whole.err, checkAll(data, chunk).err, "chunk size %d", chunk)
			}
			if whole.err != nil {
				assert.LessOrEqual(t, whole.err.Offset, int64(len(data)))
				line, col := lineCol(data, whole.err.Offset)
				assert.Equal(t, line, whole.err.Line)
				assert.Equal(t, col, whole.err.Column)
			}
		})
	}
}

func TestQuoteByte(t *testing.T) {
	for c, want := range map[byte]string{'x': `'x'`, '\'': `'\''`, '"': `'"'`, '\t': `'\t'`, 0x01: `'\x01'`, 0xff: `'\xff'`} {
		assert.Equal(t, want, quoteByte(c))
	}
}

// BenchmarkSyntaxChecker measures the checker alone on a pretty-printed real report.
func BenchmarkSyntaxChecker(b *testing.B) {
	data, err := os.ReadFile("testdata/real/osv-scanner/defectdojo-many-findings.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := newSyntaxChecker()
		for p := data; len(p) > 0; {
			n := min(4096, len(p))
			s.feed(p[:n])
			p = p[n:]
		}
		s.eof()
		if s.err != nil {
			b.Fatal(s.err)
		}
	}
}
