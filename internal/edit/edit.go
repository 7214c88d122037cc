// Package edit changes top-level fields of a record in its text, keeping
// every other byte — comments, order, quoting, blank lines — as the person
// wrote it. exctl uses it to record decisions (status, approvers, dates)
// so that a reviewer's diff shows exactly those lines.
package edit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"gopkg.in/yaml.v3"
)

// Field is a top-level key and its new value; a nil Value removes the key.
type Field struct {
	Key   string
	Value any // string, []string, or nil to remove
}

// Set applies fields to the record text. A field whose key holds a one-line
// scalar is replaced on its own line (so "status" stays where it was);
// other present keys are removed and every field with a value is appended
// at the end in the order given.
func Set(data []byte, fields []Field) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("edit record: empty file")
		}
		return nil, fmt.Errorf("edit record: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode || doc.Content[0].Style&yaml.FlowStyle != 0 {
		return nil, errors.New("edit record: the record is not a block mapping")
	}
	root := doc.Content[0]
	lines := slices.Collect(bytes.Lines(data))
	type span struct{ key, value *yaml.Node }
	var keys []span
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Line < 1 || k.Line > len(lines) || k.Column != root.Content[0].Column {
			return nil, fmt.Errorf("edit record: key %q at line %d is not a plain top-level key", k.Value, k.Line)
		}
		keys = append(keys, span{k, root.Content[i+1]})
	}
	drop := make([]bool, len(lines))
	replaced := map[string]bool{}
	for i, s := range keys {
		f, ok := find(fields, s.key.Value)
		if !ok {
			continue
		}
		str, isStr := f.Value.(string)
		nextLine := len(lines) + 1
		if i+1 < len(keys) {
			nextLine = keys[i+1].key.Line
		}
		oneLine := s.value.Kind == yaml.ScalarNode && s.value.Line == s.key.Line && nextLine == s.key.Line+1 && s.value.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0
		if isStr && oneLine {
			line := lines[s.key.Line-1]
			text, err := render(f.Key, str)
			if err != nil {
				return nil, err
			}
			text = bytes.TrimRight(text, "\n")
			if s.value.LineComment != "" {
				text = append(text, ' ')
				text = append(text, s.value.LineComment...)
			}
			lines[s.key.Line-1] = append(text, lineEnding(line)...)
			replaced[f.Key] = true
			continue
		}
		// Drop the key's lines up to the next key, keeping trailing
		// comments and blank lines that belong to what follows.
		end := nextLine - 1
		for end > s.key.Line && isBlankOrComment(lines[end-1]) {
			end--
		}
		for l := s.key.Line; l <= end; l++ {
			drop[l-1] = true
		}
	}
	var out bytes.Buffer
	for i, l := range lines {
		if !drop[i] {
			out.Write(l)
		}
	}
	if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	for _, f := range fields {
		if f.Value == nil || replaced[f.Key] {
			continue
		}
		text, err := render(f.Key, f.Value)
		if err != nil {
			return nil, err
		}
		out.Write(text)
	}
	return out.Bytes(), nil
}

func find(fields []Field, key string) (Field, bool) {
	for _, f := range fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// render writes "key: value" as YAML, quoting as needed.
func render(key string, value any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	var node yaml.Node
	m := &yaml.Node{Kind: yaml.MappingNode}
	k := &yaml.Node{Kind: yaml.ScalarNode, Value: key}
	var v *yaml.Node
	switch val := value.(type) {
	case string:
		v = &yaml.Node{Kind: yaml.ScalarNode, Value: val, Tag: "!!str"}
	case []string:
		v = &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range val {
			v.Content = append(v.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s, Tag: "!!str"})
		}
	default:
		return nil, fmt.Errorf("edit record: unsupported value %T for %s", value, key)
	}
	m.Content = []*yaml.Node{k, v}
	node = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}
	if err := enc.Encode(&node); err != nil {
		return nil, fmt.Errorf("edit record: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("edit record: %w", err)
	}
	return buf.Bytes(), nil
}

func lineEnding(line []byte) []byte {
	switch {
	case bytes.HasSuffix(line, []byte("\r\n")):
		return []byte("\r\n")
	case bytes.HasSuffix(line, []byte("\n")):
		return []byte("\n")
	}
	return nil
}

func isBlankOrComment(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) == 0 || t[0] == '#'
}
