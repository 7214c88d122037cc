package validate

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPrintable(t *testing.T) {
	tests := map[string]string{
		"plain text, ünïcode":   "plain text, ünïcode",
		"line\nbreak":           `line\nbreak`,
		"esc\x1b[2J":            `esc\x1b[2J`,
		"bidi \u202eoverride":   `bidi \u202eoverride`,
		"separator\u2028here":   `separator\u2028here`,
		"c1 \u009b control":     `c1 \u009b control`,
		"raw 8-bit csi \x9b[2J": `raw 8-bit csi \x9b[2J`,
		"cut \xe2\x82 sequence": `cut \xe2\x82 sequence`,
		"tab\tand del\x7f":      `tab\tand del\x7f`,
	}
	for in, want := range tests {
		assert.Equal(t, want, Printable(in), "%q", in)
	}
}
