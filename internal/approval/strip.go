package approval

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
)

// maxRecordSize matches the loader's limit (load.MaxFileSize): versions at
// reviewed commits are read from git without passing the loader, and no real
// record comes near it.
const maxRecordSize = 1 << 20

// StripControllerFields returns data without the top-level controller-owned
// fields (exception.ControllerFields): each such key's line, its value's
// lines, the comment lines directly above it, and the blank and comment lines
// that follow it up to the next key (or that key's own comments). Every other
// byte is kept as written.
//
// The YAML is never re-encoded: two versions of a record whose stripped bytes
// are equal differ only in what exctl writes, so an approval of one is an
// approval of the other. That is also why anything the line arithmetic
// cannot prove safe is an error (a flow-style or multi-document record, a key
// that shares its line with other text, or a result whose other fields do
// not decode to exactly the original values): an error makes the comparison
// fail, and a failed comparison never counts an approval.
func StripControllerFields(data []byte) ([]byte, error) {
	if len(data) > maxRecordSize {
		return nil, fmt.Errorf("strip controller fields: %d bytes is more than a record may have (%d)", len(data), maxRecordSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("strip controller fields: empty record")
		}
		return nil, fmt.Errorf("strip controller fields: %w", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, errors.New("strip controller fields: several YAML documents")
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("strip controller fields: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("strip controller fields: the record is not a mapping")
	}
	root := doc.Content[0]
	if root.Style&yaml.FlowStyle != 0 {
		return nil, errors.New("strip controller fields: the record is a flow mapping ({…}); write it in block style")
	}

	lines := slices.Collect(bytes.Lines(data))
	keys := make([]*yaml.Node, 0, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		keys = append(keys, root.Content[i])
	}
	prevLine := 0
	for _, k := range keys {
		// A block mapping puts each key on a line of its own, after the
		// previous one; anything else (an explicit "? key", a tag before
		// the key) would make whole-line removal cut other text.
		if k.Line <= prevLine || k.Line > len(lines) || k.Column < 1 || k.Column-1 > len(lines[k.Line-1]) ||
			len(bytes.TrimLeft(lines[k.Line-1][:k.Column-1], " ")) != 0 {
			return nil, fmt.Errorf("strip controller fields: key %q at line %d does not start its own line", k.Value, k.Line)
		}
		prevLine = k.Line
	}

	drop := make([]bool, len(lines))
	for i, k := range keys {
		if k.Kind != yaml.ScalarNode || !exception.IsControllerField(k.Value) {
			continue
		}
		floor := 0
		if i > 0 {
			floor = keys[i-1].Line
		}
		start := attachedStart(lines, k, floor)
		end := len(lines) // exclusive, 0-based
		if i+1 < len(keys) {
			end = attachedStart(lines, keys[i+1], k.Line) - 1
		}
		for l := start - 1; l < end; l++ {
			drop[l] = true
		}
	}
	out := make([]byte, 0, len(data))
	for i, l := range lines {
		if !drop[i] {
			out = append(out, l...)
		}
	}
	if err := sameFields(root, out); err != nil {
		return nil, fmt.Errorf("strip controller fields: %w", err)
	}
	return out, nil
}

// attachedStart is the 1-based first line of key k's block: its own line,
// or the run of column-0 comment lines directly above it, no longer than
// the comment YAML attaches to the key. It never goes up to floor or above.
// Requiring both views to agree keeps a "#…" continuation line of a quoted
// scalar from being taken for a comment.
func attachedStart(lines [][]byte, k *yaml.Node, floor int) int {
	start := k.Line
	n := 0
	for _, l := range strings.Split(k.HeadComment, "\n") {
		if l != "" {
			n++
		}
	}
	for ; n > 0 && start-1 > floor && bytes.HasPrefix(lines[start-2], []byte("#")); n-- {
		start--
	}
	return start
}

// sameFields checks that out decodes to the original record's value minus
// the controller fields: the proof that no line of another field was cut.
func sameFields(root *yaml.Node, out []byte) error {
	var want any
	if err := root.Decode(&want); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	want = withoutControllerKeys(want)
	var got any
	if err := yaml.Unmarshal(out, &got); err != nil {
		return fmt.Errorf("decode stripped record: %w", err)
	}
	if got == nil {
		got = map[string]any{}
	}
	// got keeps any controller key that survived (through an alias or a
	// merge key, say), so the comparison reports it too.
	if !reflect.DeepEqual(want, got) {
		return errors.New("other fields would change, or a controller field survives: the record's layout is not one line-based stripping can handle")
	}
	return nil
}

func withoutControllerKeys(v any) any {
	switch m := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(m))
		for k, x := range m {
			if !exception.IsControllerField(k) {
				c[k] = x
			}
		}
		return c
	case map[any]any:
		c := make(map[any]any, len(m))
		for k, x := range m {
			if s, ok := k.(string); ok && exception.IsControllerField(s) {
				continue
			}
			c[k] = x
		}
		return c
	}
	return v
}
