package validate

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/yamlvalue"
	"github.com/exctl/exctl/schemas"
)

// Schemas are the compiled JSON Schemas of exctl's files.
type Schemas struct {
	Exception        *jsonschema.Schema
	Policy           *jsonschema.Schema
	DeploymentIntent *jsonschema.Schema
}

// CompileSchemas compiles the schemas embedded in the binary. Formats
// (uuid, date, date-time, email) are asserted, not just annotations.
func CompileSchemas() (*Schemas, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	entries, err := schemas.FS.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("read embedded schemas: %w", err)
	}
	for _, e := range entries {
		f, err := schemas.FS.Open(e.Name())
		if err != nil {
			return nil, fmt.Errorf("open schema %s: %w", e.Name(), err)
		}
		err = c.AddResource(schemas.Base+e.Name(), f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("add schema %s: %w", e.Name(), err)
		}
	}
	var s Schemas
	for name, dst := range map[string]**jsonschema.Schema{
		schemas.Exception: &s.Exception, schemas.Policy: &s.Policy, schemas.DeploymentIntent: &s.DeploymentIntent,
	} {
		if *dst, err = c.Compile(schemas.Base + name); err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", name, err)
		}
	}
	return &s, nil
}

// Check validates doc against sch and reports each failure at the YAML
// position of the offending value.
func Check(sch *jsonschema.Schema, doc *load.Document) []Finding {
	// Most records are valid: quick says so without the library's cost
	// (see quick.go); the library decides the rest and writes the messages.
	if quick(planFor(sch), doc.Root, 0) == valid {
		return nil
	}
	err := sch.Validate(doc.Value())
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Finding{{File: doc.Path, Level: Error, Rule: "schema", Msg: err.Error()}}
	}
	leaves := leafErrors(ve)
	for _, l := range leaves {
		l.InstanceLocation = jsonPointer(l.InstanceLocation)
	}
	// A value that fails its format fails the pattern that spells the
	// format out for validators that do not assert formats; the format's
	// message is the one that says what is wrong.
	formatFailed := map[string]bool{}
	for _, l := range leaves {
		if strings.HasSuffix(l.KeywordLocation, "/format") {
			formatFailed[l.InstanceLocation] = true
		}
	}
	out := make([]Finding, 0, len(leaves))
	seen := map[string]bool{}
	for _, l := range leaves {
		if formatFailed[l.InstanceLocation] && strings.HasSuffix(l.KeywordLocation, "/pattern") {
			continue
		}
		for _, f := range schemaFindings(doc, sch, l) {
			key := fmt.Sprintf("%d:%d:%s", f.Line, f.Col, f.Msg)
			if !seen[key] {
				seen[key] = true
				out = append(out, f)
			}
		}
	}
	// The library's errors come in map order; a record gets the same
	// findings in the same order on every run.
	Sort(out)
	return out
}

// leafErrors flattens the error tree. Where a oneOf/anyOf branch failed only
// because the value had another type, that branch is dropped in favour of
// the branch whose type matched, which says what is really wrong.
func leafErrors(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var typed, mismatched []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		ls := leafErrors(c)
		if len(ls) == 1 && isTypeMismatch(ls[0]) && ls[0].InstanceLocation == ve.InstanceLocation {
			mismatched = append(mismatched, ls...)
			continue
		}
		typed = append(typed, ls...)
	}
	if len(typed) == 0 {
		if len(mismatched) > 1 {
			return []*jsonschema.ValidationError{{InstanceLocation: ve.InstanceLocation, KeywordLocation: ve.KeywordLocation, Message: joinTypeMismatch(mismatched)}}
		}
		return mismatched
	}
	return typed
}

func isTypeMismatch(ve *jsonschema.ValidationError) bool {
	return strings.HasPrefix(ve.Message, "expected ") && strings.Contains(ve.Message, ", but got ")
}

func joinTypeMismatch(ms []*jsonschema.ValidationError) string {
	var want []string
	got := ""
	for _, m := range ms {
		w, g, _ := strings.Cut(strings.TrimPrefix(m.Message, "expected "), ", but got ")
		want = append(want, w)
		got = g
	}
	return fmt.Sprintf("expected %s, but got %s", strings.Join(want, " or "), got)
}

// schemaFindings turns one library error into findings: one per unknown
// field, one otherwise.
func schemaFindings(doc *load.Document, sch *jsonschema.Schema, ve *jsonschema.ValidationError) []Finding {
	if !strings.HasPrefix(ve.Message, "additionalProperties ") {
		return []Finding{schemaFinding(doc, ve)}
	}
	// The library lists the names in map order and escapes them in a way
	// that does not always read back; the keys are taken from the record
	// itself where the schema that refused them is found.
	keys := unknownKeys(doc, sch, ve)
	if keys == nil {
		// Where the record or the schema cannot be found, the names
		// come from the message, in an order made the same every run.
		names := quoted(ve.Message)
		sort.Strings(names)
		for i, name := range names {
			k := &yaml.Node{Value: name}
			if i <= maxUnknownKeys {
				k.Line, k.Column = doc.KeyPos(ve.InstanceLocation, name)
			}
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return []Finding{schemaFinding(doc, ve)}
	}
	// Each unknown key gets its own finding at the key, with the field
	// probably meant, so every one shows on its line of a pull request;
	// past maxUnknownKeys one finding counts the rest. Check sorts them
	// with the rest.
	known := propertyNames(sch, ve.InstanceLocation)
	out := make([]Finding, 0, min(len(keys), maxUnknownKeys+1))
	for i, k := range keys {
		f := Finding{File: doc.Path, Line: k.Line, Col: k.Column, Level: Error, Rule: "schema"}
		if i == maxUnknownKeys {
			f.Msg = fmt.Sprintf("%d more unknown fields in this mapping", len(keys)-i)
			out = append(out, f)
			break
		}
		f.Msg = fmt.Sprintf("unknown field %q", k.Value)
		if s := closest(k.Value, known); s != "" {
			f.Msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		out = append(out, f)
	}
	return out
}

// maxUnknownKeys is the most unknown fields of one mapping named one by
// one: a mapping of a hundred thousand stray keys gets a hundred and one
// findings, not a hundred thousand.
const maxUnknownKeys = 100

// jsonPointer turns the library's instance location, whose tokens it
// percent-encodes as URL path segments, into the JSON pointer the
// document is located by.
func jsonPointer(loc string) string {
	if !strings.Contains(loc, "%") {
		return loc
	}
	toks := strings.Split(loc, "/")
	for i, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			toks[i] = u
		}
	}
	return strings.Join(toks, "/")
}

// unknownKeys lists, in the record's order, the key nodes of the mapping
// at the error's instance location that the schema raising it does not
// allow; nil when either cannot be found.
func unknownKeys(doc *load.Document, root *jsonschema.Schema, ve *jsonschema.ValidationError) []*yaml.Node {
	loc, ok := strings.CutSuffix(ve.AbsoluteKeywordLocation, "/additionalProperties")
	if !ok {
		return nil
	}
	s := schemaAt(root, loc)
	m, found := doc.Locate(ve.InstanceLocation)
	if s == nil || !found {
		return nil
	}
	if m = yamlvalue.Deref(m); m.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		name := m.Content[i].Value
		if _, declared := s.Properties[name]; declared {
			continue
		}
		matched := false
		for re := range s.PatternProperties {
			if re.MatchString(name) {
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, m.Content[i])
		}
	}
	return out
}

// schemaAt finds the subschema of root compiled from location loc (an
// absolute URL with a JSON pointer fragment), or nil.
func schemaAt(root *jsonschema.Schema, loc string) *jsonschema.Schema {
	seen := map[*jsonschema.Schema]bool{}
	var walk func(s *jsonschema.Schema) *jsonschema.Schema
	walk = func(s *jsonschema.Schema) *jsonschema.Schema {
		if s == nil || seen[s] {
			return nil
		}
		seen[s] = true
		if s.Location == loc {
			return s
		}
		next := []*jsonschema.Schema{s.Ref, s.Items2020, s.If, s.Then, s.Else, s.Not, s.PropertyNames, s.Contains,
			s.DynamicRef, s.RecursiveRef, s.UnevaluatedProperties, s.UnevaluatedItems, s.ContentSchema}
		next = append(next, s.AllOf...)
		next = append(next, s.AnyOf...)
		next = append(next, s.OneOf...)
		next = append(next, s.PrefixItems...)
		for _, p := range s.Properties {
			next = append(next, p)
		}
		for _, p := range s.PatternProperties {
			next = append(next, p)
		}
		for _, p := range s.DependentSchemas {
			next = append(next, p)
		}
		for _, v := range s.Dependencies {
			if p, ok := v.(*jsonschema.Schema); ok {
				next = append(next, p)
			}
		}
		for _, v := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
			switch v := v.(type) {
			case *jsonschema.Schema:
				next = append(next, v)
			case []*jsonschema.Schema:
				next = append(next, v...)
			}
		}
		for _, n := range next {
			if found := walk(n); found != nil {
				return found
			}
		}
		return nil
	}
	return walk(root)
}

func schemaFinding(doc *load.Document, ve *jsonschema.ValidationError) Finding {
	f := Finding{File: doc.Path, Level: Error, Rule: "schema"}
	msg := ve.Message
	field := fieldName(ve.InstanceLocation)
	switch {
	case strings.HasPrefix(msg, "missing properties: "):
		names := quoted(msg)
		f.Line, f.Col = doc.Pos(ve.InstanceLocation)
		where := "record"
		if field != "" {
			where = field
		}
		f.Msg = fmt.Sprintf("%s is missing required field(s) %s", where, strings.Join(quoteAll(names), ", "))
		return f
	}
	f.Line, f.Col = doc.Pos(ve.InstanceLocation)
	if field != "" {
		msg = field + ": " + msg
	}
	f.Msg = msg
	return f
}

// fieldName renders a JSON pointer as a YAML path: vulnerabilities[0].cve.
func fieldName(ptr string) string {
	if ptr == "" {
		return ""
	}
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok != "" && tok[0] >= '0' && tok[0] <= '9' {
			fmt.Fprintf(&b, "[%s]", tok)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
	}
	return b.String()
}

// quoted returns the names a library message lists, each written as
// 'name': Go's %q inside single quotes, with a double quote left bare and
// a single quote escaped. A name that does not read back is skipped.
func quoted(msg string) []string {
	var out []string
	for {
		i := strings.IndexByte(msg, '\'')
		if i < 0 {
			return out
		}
		// Rebuild the Go string literal the library started from.
		var lit strings.Builder
		lit.WriteByte('"')
		j := i + 1
		for ; j < len(msg) && msg[j] != '\''; j++ {
			switch {
			case msg[j] == '"':
				lit.WriteString(`\"`)
			case msg[j] == '\\' && j+1 < len(msg) && msg[j+1] == '\'':
				lit.WriteByte('\'')
				j++
			case msg[j] == '\\' && j+1 < len(msg):
				lit.WriteString(msg[j : j+2])
				j++
			default:
				lit.WriteByte(msg[j])
			}
		}
		if j >= len(msg) {
			return out
		}
		lit.WriteByte('"')
		if name, err := strconv.Unquote(lit.String()); err == nil {
			out = append(out, name)
		}
		msg = msg[j+1:]
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// propertyNames lists the properties the schema allows at an instance
// location, following properties and items through the compiled schema.
func propertyNames(sch *jsonschema.Schema, ptr string) []string {
	s := sch
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		s = deref(s)
		if next, ok := s.Properties[tok]; ok {
			s = next
			continue
		}
		if s.Items2020 != nil {
			s = s.Items2020
			continue
		}
		if it, ok := s.Items.(*jsonschema.Schema); ok {
			s = it
			continue
		}
		// compensating_controls items are a oneOf: take the object branch.
		found := false
		for _, alt := range s.OneOf {
			if alt = deref(alt); len(alt.Properties) > 0 || alt.Items2020 != nil {
				s, found = alt, true
				break
			}
		}
		if !found {
			return nil
		}
	}
	s = deref(s)
	if len(s.Properties) == 0 {
		for _, alt := range s.OneOf {
			if alt = deref(alt); len(alt.Properties) > 0 {
				s = alt
				break
			}
		}
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func deref(s *jsonschema.Schema) *jsonschema.Schema {
	for i := 0; s.Ref != nil && i < 16; i++ {
		s = s.Ref
	}
	return s
}

// closest returns the known name within a small edit distance of name.
func closest(name string, known []string) string {
	best, bestD := "", 4
	for _, k := range known {
		if d := editDistance(name, k); d < bestD || (d == bestD && best == "") {
			if d < bestD {
				best, bestD = k, d
			}
		}
	}
	if bestD > len(name)/2 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
