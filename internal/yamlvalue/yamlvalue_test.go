package yamlvalue

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// Scalar reads plain integers and booleans itself; it must agree with
// yaml.v3's decoding, which it does not call for them.
func TestScalarAgreesWithYAMLDecoding(t *testing.T) {
	for _, text := range []string{
		"0", "7", "42", "007", "0123", "123456789012345678", "1234567890123456789", "99999999999999999999",
		"-5", "+5", "1_000", "0x1F", "0o17", "0b101", "1e3", "1.5", "true", "false", "True", "FALSE", "~", "null", "",
	} {
		t.Run(text, func(t *testing.T) {
			var doc yaml.Node
			require.NoError(t, yaml.Unmarshal([]byte("v: "+text+"\n"), &doc))
			n := doc.Content[0].Content[1]
			got, err := Scalar(n)
			var want any
			switch n.ShortTag() {
			case "!!int":
				var i int64
				if n.Decode(&i) == nil {
					want = i
				} else {
					var f float64
					require.NoError(t, n.Decode(&f))
					want = f
				}
			case "!!bool":
				var b bool
				require.NoError(t, n.Decode(&b))
				want = b
			case "!!float":
				var f float64
				require.NoError(t, n.Decode(&f))
				want = f
			case "!!null":
				want = nil
			default:
				want = n.Value
			}
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestDerefFollowsAliases(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("a: &x [1]\nb: *x\n"), &doc))
	b := doc.Content[0].Content[3]
	require.Equal(t, yaml.AliasNode, b.Kind)
	assert.Equal(t, yaml.SequenceNode, Deref(b).Kind)
	assert.Nil(t, Deref(nil))
}

// IsString answers from the tag yaml.v3 wrote where it can; it must say
// what the short tag says for every way a scalar is written or tagged.
func TestIsStringAgreesWithShortTag(t *testing.T) {
	for _, text := range []string{
		"plain", "'quoted'", `"double"`, "|\n  literal", ">\n  folded", "42", "true", "~", "2026-01-02",
		"!!str 42", "!!int '42'", "!!timestamp 2026-01-02", "!!binary aGk=", "!<tag:yaml.org,2002:str> x",
		"!custom x", "! x", "!!null ''", "!!float 1",
	} {
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte("v: "+text+"\n"), &doc), text)
		n := doc.Content[0].Content[1]
		assert.Equal(t, isStringTag(n.ShortTag()), IsString(n), "%s (tag %q)", text, n.Tag)
	}
	for _, n := range []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "x"},
		{Kind: yaml.ScalarNode, Value: "1"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "1"},
		{Kind: yaml.ScalarNode, Tag: "tag:yaml.org,2002:str", Value: "1"},
		{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: "1"},
		{Kind: yaml.MappingNode, Tag: "!!str"},
	} {
		assert.Equal(t, isStringTag(n.ShortTag()), IsString(n), "%#v", n)
	}
}
