package load

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Locate returns the node at a JSON pointer ("/vulnerabilities/0/cve") and
// whether the whole pointer resolved; when it does not, the deepest node
// reached is returned, so a message about a missing field points at its
// parent.
func (d *Document) Locate(pointer string) (*yaml.Node, bool) {
	n := d.Root
	// "/" is not the root but the key "" (RFC 6901).
	if pointer == "" {
		return n, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		switch n.Kind {
		case yaml.MappingNode:
			next := (*yaml.Node)(nil)
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next = n.Content[i+1]
				}
			}
			if next == nil {
				return n, false
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return n, false
			}
			n = n.Content[i]
		default:
			return n, false
		}
	}
	return n, true
}

// Has reports whether the top mapping has key.
func (d *Document) Has(key string) bool {
	return d.Root != nil && findKey(d.Root, key) != d.Root
}

// Pos returns the line and column of the value at pointer (or of the
// deepest node reached).
func (d *Document) Pos(pointer string) (line, col int) {
	n, _ := d.Locate(pointer)
	return n.Line, n.Column
}

// KeyPos returns the position of key in the mapping at pointer, for
// messages about a field itself rather than its value.
func (d *Document) KeyPos(pointer, key string) (line, col int) {
	m, ok := d.Locate(pointer)
	if ok && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i].Line, m.Content[i].Column
			}
		}
	}
	return m.Line, m.Column
}
