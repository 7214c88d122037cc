package validate

import (
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/yamlvalue"
)

// The schema library builds a map of every object's property names at
// every subschema it applies (for unevaluatedProperties) and a full error,
// with its locations and message, for every branch of a oneOf or anyOf that
// does not match. On a record that is valid that is most of its cost, and
// most records are valid. quick walks the same compiled schema without
// allocating and answers for the common case; whenever it is not certain it
// says so, and Check falls back to the library, which also writes the
// messages for invalid records. Nothing is decided here that the library
// would decide differently: every keyword quick does not implement exactly
// makes it answer unknown.
//
// quick reads the YAML node tree, which load.Parse has vetted (no
// duplicate keys, no merge keys, every scalar a JSON value), node for node
// what the library is given as JSON; so a valid record is never turned
// into maps and lists at all.

// formatOK reports whether the library's format function f accepts v;
// false also for a format it does not know (f nil), or a value quick does
// not give it.
func formatOK(f func(any) bool, v value) bool {
	if f == nil {
		return false
	}
	switch v.kind {
	case kindString:
		return f(v.n.Value)
	case kindObject, kindArray:
		return false
	}
	return f(v.scalar)
}

// verdict is quick's answer.
type verdict uint8

const (
	unknown verdict = iota // ask the library
	valid                  // the library would accept the value
	invalid                // the library would reject the value
)

// maxQuickDepth bounds the recursion through in-place subschemas ($ref,
// allOf, …), which a self-referencing schema could make endless; the
// library detects such loops itself.
const maxQuickDepth = 128

// kind is the JSON type of a node's value.
type kind uint8

const (
	kindOther kind = iota // nothing load.Parse lets through
	kindNull
	kindBool
	kindString
	kindInt // an integer, int64 in the JSON value
	kindFloat
	kindArray
	kindObject
)

// value is a node with what quick needs of its JSON value.
type value struct {
	n      *yaml.Node // aliases followed
	kind   kind
	scalar any // for null, bool, int and float: the JSON value
}

// valueOf follows n's aliases and gives the JSON type of the node it
// reaches.
func valueOf(n *yaml.Node) value {
	n = yamlvalue.Deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return value{n: n, kind: kindObject}
	case yaml.SequenceNode:
		return value{n: n, kind: kindArray}
	case yaml.ScalarNode:
		if yamlvalue.IsString(n) {
			return value{n: n, kind: kindString}
		}
		v, err := yamlvalue.Scalar(n)
		if err != nil {
			return value{n: n}
		}
		switch v.(type) {
		case nil:
			return value{n: n, kind: kindNull}
		case bool:
			return value{n: n, kind: kindBool, scalar: v}
		case int64:
			return value{n: n, kind: kindInt, scalar: v}
		case float64:
			return value{n: n, kind: kindFloat, scalar: v}
		}
	}
	return value{n: n}
}

// quick evaluates n against the schema p was made from. valid and invalid
// are exact; unknown means the value or the schema uses something quick
// does not evaluate.
func quick(p *plan, n *yaml.Node, depth int) verdict {
	if depth > maxQuickDepth || !p.supported {
		return unknown
	}
	s := p.s
	if s.Always != nil {
		if *s.Always {
			return valid
		}
		return invalid
	}
	v := valueOf(n)
	// The verdict of a schema is the conjunction of its keywords'.
	result := valid

	if len(s.Types) > 0 && !result.and(quickType(s.Types, v)) {
		return invalid
	}
	if len(s.Constant) > 0 && !result.and(quickEnum(s.Constant[:1], v)) {
		return invalid
	}
	if len(s.Enum) > 0 && !result.and(quickEnum(s.Enum, v)) {
		return invalid
	}
	switch v.kind {
	case kindObject:
		if !result.and(quickObject(p, v.n, depth)) {
			return invalid
		}
	case kindArray:
		if !result.and(quickArray(p, v.n, depth)) {
			return invalid
		}
	case kindString:
		if !lengthWithin(v.n.Value, s.MinLength, s.MaxLength) {
			return invalid
		}
		if p.match != nil && !p.match(v.n.Value) {
			return invalid
		}
	case kindNull, kindBool:
	case kindInt, kindFloat:
		if s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil || s.MultipleOf != nil {
			result.and(unknown)
		}
	default:
		return unknown // not a value load produces
	}

	// Formats last: parsing an e-mail address costs more than every other
	// keyword, and a value already known invalid needs no format check.
	if s.Format != "" {
		// A format the library does not assert (AssertFormat off) would
		// pass there, so a failure here is only unknown. CompileSchemas
		// registers no compiler-level formats, so the library asserts the
		// same functions as jsonschema.Formats.
		if !formatOK(p.format, v) {
			result.and(unknown)
		}
	}
	if p.ref != nil && !result.and(quick(p.ref, v.n, depth+1)) {
		return invalid
	}
	for _, sub := range p.allOf {
		if !result.and(quick(sub, v.n, depth+1)) {
			return invalid
		}
	}
	if len(p.anyOf) > 0 && !result.and(quickAnyOf(p.anyOf, v.n, depth)) {
		return invalid
	}
	if len(p.oneOf) > 0 && !result.and(quickOneOf(p.oneOf, v.n, depth)) {
		return invalid
	}
	if p.ifP != nil {
		var r verdict
		switch quick(p.ifP, v.n, depth+1) {
		case valid:
			r = valid
			if p.thenP != nil {
				r = quick(p.thenP, v.n, depth+1)
			}
		case invalid:
			r = valid
			if p.elseP != nil {
				r = quick(p.elseP, v.n, depth+1)
			}
		}
		if !result.and(r) {
			return invalid
		}
	}
	return result
}

// lengthWithin reports whether s has from min to max characters (-1: no
// bound). A string has at most as many characters as bytes and at least a
// quarter as many, which settles most strings without counting.
func lengthWithin(s string, min, max int) bool {
	if (max == -1 || len(s) <= max) && (min == -1 || (len(s)+3)/4 >= min) {
		return true
	}
	n := utf8.RuneCountInString(s)
	return (min == -1 || n >= min) && (max == -1 || n <= max)
}

// quickSupported reports whether s uses only keywords quick evaluates
// exactly; any other keyword, present or added later, sends the value to
// the library.
func quickSupported(s *jsonschema.Schema) bool {
	return s.RecursiveRef == nil && s.DynamicRef == nil && s.Not == nil &&
		s.PropertyNames == nil && !s.RegexProperties && len(s.PatternProperties) == 0 &&
		len(s.Dependencies) == 0 && len(s.DependentRequired) == 0 && len(s.DependentSchemas) == 0 &&
		s.UnevaluatedProperties == nil && s.UnevaluatedItems == nil &&
		s.Items == nil && s.AdditionalItems == nil && len(s.PrefixItems) == 0 && s.Contains == nil &&
		s.ContentEncoding == "" && s.ContentMediaType == "" && s.ContentSchema == nil &&
		len(s.Extensions) == 0
}

func quickType(types []string, v value) verdict {
	var t string
	switch v.kind {
	case kindNull:
		t = "null"
	case kindBool:
		t = "boolean"
	case kindString:
		t = "string"
	case kindArray:
		t = "array"
	case kindObject:
		t = "object"
	case kindInt, kindFloat:
		t = "number"
	default:
		return unknown
	}
	unsure := false
	for _, want := range types {
		switch {
		case want == t:
			return valid
		case want == "integer" && t == "number":
			if v.kind == kindInt {
				return valid
			}
			// Whether 2.0 is an integer is the library's call.
			unsure = true
		}
	}
	if unsure {
		return unknown
	}
	return invalid
}

// quickEnum compares strings, booleans and null exactly; numbers and
// structures are the library's (it compares numbers as rationals).
func quickEnum(items []any, v value) verdict {
	switch v.kind {
	case kindString, kindBool, kindNull:
	default:
		return unknown
	}
	for _, item := range items {
		switch item := item.(type) {
		case string:
			if v.kind == kindString && item == v.n.Value {
				return valid
			}
		case bool:
			if v.kind == kindBool && item == v.scalar {
				return valid
			}
		case nil:
			if v.kind == kindNull {
				return valid
			}
		default:
			return unknown
		}
	}
	return invalid
}

// field returns the value of key in mapping m, or nil. load.Parse has
// refused duplicate keys, so the first is the only one.
func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func quickObject(p *plan, m *yaml.Node, depth int) verdict {
	s := p.s
	size := len(m.Content) / 2
	if (s.MinProperties != -1 && size < s.MinProperties) || (s.MaxProperties != -1 && size > s.MaxProperties) {
		return invalid
	}
	for _, name := range s.Required {
		if field(m, name) == nil {
			return invalid
		}
	}
	result := valid
	if s.AdditionalProperties == nil && len(s.Properties) < size {
		// Only the declared properties are checked: look those up rather
		// than every key (an if: {properties: {type: …}} names one).
		for _, prop := range p.propList {
			if v := field(m, prop.name); v != nil {
				if !result.and(quick(prop.plan, v, depth+1)) {
					return invalid
				}
			}
		}
		return result
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		name, v := m.Content[i].Value, m.Content[i+1]
		sub, declared := p.props[name]
		if !declared {
			// Without patternProperties (supported), every property not
			// in properties is an additional one.
			switch p.additional {
			case apNone, apTrue:
				continue
			case apFalse:
				return invalid
			case apSchema:
				sub = p.additionalPlan
			default:
				return unknown
			}
		}
		if !result.and(quick(sub, v, depth+1)) {
			return invalid
		}
	}
	return result
}

func quickArray(p *plan, l *yaml.Node, depth int) verdict {
	s := p.s
	items := l.Content
	if (s.MinItems != -1 && len(items) < s.MinItems) || (s.MaxItems != -1 && len(items) > s.MaxItems) {
		return invalid
	}
	result := valid
	if s.UniqueItems {
		if !result.and(quickUnique(items)) {
			return invalid
		}
	}
	if p.items != nil {
		for _, item := range items {
			if !result.and(quick(p.items, item, depth+1)) {
				return invalid
			}
		}
	}
	return result
}

// quickUnique decides uniqueItems for lists of strings, the only lists the
// records have it on; others are the library's. A long list is checked
// with a set: a record may hold a list of a hundred thousand items.
func quickUnique(items []*yaml.Node) verdict {
	var seen map[string]struct{}
	if len(items) > maxSearchedItems {
		seen = make(map[string]struct{}, len(items))
	}
	for i, item := range items {
		a := valueOf(item)
		if a.kind != kindString {
			return unknown
		}
		if seen != nil {
			if _, dup := seen[a.n.Value]; dup {
				return invalid
			}
			seen[a.n.Value] = struct{}{}
			continue
		}
		for _, before := range items[:i] {
			// Every item before i is a string: it passed this loop.
			if valueOf(before).n.Value == a.n.Value {
				return invalid
			}
		}
	}
	return valid
}

// maxSearchedItems is the longest list whose duplicates are found by
// comparing every pair.
const maxSearchedItems = 16

func quickAnyOf(subs []*plan, n *yaml.Node, depth int) verdict {
	result := invalid
	for _, sub := range subs {
		switch quick(sub, n, depth+1) {
		case valid:
			return valid
		case unknown:
			result = unknown
		}
	}
	return result
}

func quickOneOf(subs []*plan, n *yaml.Node, depth int) verdict {
	matched, unsure := 0, false
	for _, sub := range subs {
		switch quick(sub, n, depth+1) {
		case valid:
			matched++
		case unknown:
			unsure = true
		}
	}
	switch {
	case matched > 1:
		return invalid
	case unsure:
		return unknown
	case matched == 1:
		return valid
	}
	return invalid
}

// and folds next into the verdict of a conjunction: one certain failure
// fails it, one unknown leaves it unknown. It reports whether the answer
// is still open, false once it is invalid.
func (r *verdict) and(next verdict) bool {
	switch next {
	case invalid:
		*r = invalid
		return false
	case unknown:
		*r = unknown
	}
	return true
}
