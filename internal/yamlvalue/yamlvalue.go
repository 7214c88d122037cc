// Package yamlvalue says what a yaml.v3 node is as a JSON value: the one
// reading of tags that the loader, the schema walk and the typed record
// share, so that they cannot disagree about a record.
package yamlvalue

import (
	"fmt"
	"math"

	"gopkg.in/yaml.v3"
)

// maxAliasChain bounds the aliases followed to reach a node.
const maxAliasChain = 16

// Deref follows n's aliases to the node they name, as building the JSON
// value expands them.
func Deref(n *yaml.Node) *yaml.Node {
	for range maxAliasChain {
		if n == nil || n.Kind != yaml.AliasNode || n.Alias == nil {
			break
		}
		n = n.Alias
	}
	return n
}

// IsString reports whether scalar n's JSON value is its text. Timestamps
// stay strings: the schema decides what a date is, not the YAML resolver.
func IsString(n *yaml.Node) bool {
	// yaml.v3 tags every scalar it parses, and most are strings: their tag
	// answers without working out the short tag, which ShortTag does twice.
	if n.Tag == "!!str" {
		return true
	}
	return isStringTag(n.ShortTag())
}

func isStringTag(short string) bool {
	switch short {
	case "!!str", "!!timestamp", "!!binary":
		return true
	}
	return false
}

// Scalar returns the JSON value of scalar node n: a string, nil, a bool,
// an int64 or a float64. Its error says what is wrong, without a position.
func Scalar(n *yaml.Node) (any, error) {
	if n.Tag == "!!str" {
		return n.Value, nil
	}
	short := n.ShortTag()
	if isStringTag(short) {
		return n.Value, nil
	}
	switch short {
	case "!!null":
		return nil, nil
	case "!!bool":
		// The spellings a plain true and false are written in, without the
		// cost of a decoder; anything else is left to yaml.v3.
		switch n.Value {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("invalid boolean %q", n.Value)
		}
		return b, nil
	case "!!int":
		if i, ok := decimal(n.Value); ok {
			return i, nil
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("invalid integer %q", n.Value)
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("invalid number %q", n.Value)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%s is not a JSON number", n.Value)
		}
		return f, nil
	}
	return nil, fmt.Errorf("unsupported YAML tag %s", n.Tag)
}

// decimal reads s when it is a plain decimal integer that yaml.v3 reads
// the same way: digits, without a sign, a leading zero (octal to it) or
// an underscore, and short enough not to overflow.
func decimal(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int64(s[i]-'0')
	}
	return v, true
}
