package validate

import (
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
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

// quick evaluates v against s. valid and invalid are exact; unknown means
// the value or the schema uses something quick does not evaluate.
func quick(s *jsonschema.Schema, v any, depth int) verdict {
	if depth > maxQuickDepth || !quickSupported(s) {
		return unknown
	}
	if s.Always != nil {
		if *s.Always {
			return valid
		}
		return invalid
	}
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
	switch v := v.(type) {
	case map[string]any:
		if !result.and(quickObject(s, v, depth)) {
			return invalid
		}
	case []any:
		if !result.and(quickArray(s, v, depth)) {
			return invalid
		}
	case string:
		if s.MinLength != -1 || s.MaxLength != -1 {
			n := utf8.RuneCountInString(v)
			if (s.MinLength != -1 && n < s.MinLength) || (s.MaxLength != -1 && n > s.MaxLength) {
				return invalid
			}
		}
		if s.Pattern != nil && !s.Pattern.MatchString(v) {
			return invalid
		}
	case nil, bool:
	case int64, float64:
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
		f, ok := jsonschema.Formats[s.Format]
		if !ok || !f(v) {
			result.and(unknown)
		}
	}
	if s.Ref != nil && !result.and(quick(s.Ref, v, depth+1)) {
		return invalid
	}
	for _, sub := range s.AllOf {
		if !result.and(quick(sub, v, depth+1)) {
			return invalid
		}
	}
	if len(s.AnyOf) > 0 && !result.and(quickAnyOf(s.AnyOf, v, depth)) {
		return invalid
	}
	if len(s.OneOf) > 0 && !result.and(quickOneOf(s.OneOf, v, depth)) {
		return invalid
	}
	if s.If != nil {
		var r verdict
		switch quick(s.If, v, depth+1) {
		case valid:
			r = valid
			if s.Then != nil {
				r = quick(s.Then, v, depth+1)
			}
		case invalid:
			r = valid
			if s.Else != nil {
				r = quick(s.Else, v, depth+1)
			}
		}
		if !result.and(r) {
			return invalid
		}
	}
	return result
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

func quickType(types []string, v any) verdict {
	var t string
	switch v.(type) {
	case nil:
		t = "null"
	case bool:
		t = "boolean"
	case string:
		t = "string"
	case []any:
		t = "array"
	case map[string]any:
		t = "object"
	case int64, float64:
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
			if _, isInt := v.(int64); isInt {
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
func quickEnum(items []any, v any) verdict {
	switch v.(type) {
	case string, bool, nil:
	default:
		return unknown
	}
	for _, item := range items {
		switch item.(type) {
		case string, bool, nil:
			if item == v {
				return valid
			}
		default:
			return unknown
		}
	}
	return invalid
}

func quickObject(s *jsonschema.Schema, v map[string]any, depth int) verdict {
	if (s.MinProperties != -1 && len(v) < s.MinProperties) || (s.MaxProperties != -1 && len(v) > s.MaxProperties) {
		return invalid
	}
	for _, name := range s.Required {
		if _, ok := v[name]; !ok {
			return invalid
		}
	}
	result := valid
	if s.AdditionalProperties == nil && len(s.Properties) < len(v) {
		// Only the declared properties are checked: look those up rather
		// than every key (an if: {properties: {type: …}} names one).
		for name, sub := range s.Properties {
			if value, ok := v[name]; ok {
				if !result.and(quick(sub, value, depth+1)) {
					return invalid
				}
			}
		}
		return result
	}
	for name, value := range v {
		sub, declared := s.Properties[name]
		if !declared {
			// Without patternProperties (quickSupported), every property
			// not in properties is an additional one.
			switch ap := s.AdditionalProperties.(type) {
			case nil:
				continue
			case bool:
				if !ap {
					return invalid
				}
				continue
			case *jsonschema.Schema:
				sub = ap
			default:
				return unknown
			}
		}
		if !result.and(quick(sub, value, depth+1)) {
			return invalid
		}
	}
	return result
}

func quickArray(s *jsonschema.Schema, v []any, depth int) verdict {
	if (s.MinItems != -1 && len(v) < s.MinItems) || (s.MaxItems != -1 && len(v) > s.MaxItems) {
		return invalid
	}
	result := valid
	if s.UniqueItems {
		if !result.and(quickUnique(v)) {
			return invalid
		}
	}
	if s.Items2020 != nil {
		for _, item := range v {
			if !result.and(quick(s.Items2020, item, depth+1)) {
				return invalid
			}
		}
	}
	return result
}

// quickUnique decides uniqueItems for lists of strings, the only lists the
// records have it on; others are the library's.
func quickUnique(v []any) verdict {
	for i := range v {
		a, ok := v[i].(string)
		if !ok {
			return unknown
		}
		for j := range i {
			if b, _ := v[j].(string); a == b {
				return invalid
			}
		}
	}
	return valid
}

func quickAnyOf(subs []*jsonschema.Schema, v any, depth int) verdict {
	result := invalid
	for _, sub := range subs {
		switch quick(sub, v, depth+1) {
		case valid:
			return valid
		case unknown:
			result = unknown
		}
	}
	return result
}

func quickOneOf(subs []*jsonschema.Schema, v any, depth int) verdict {
	matched, unsure := 0, false
	for _, sub := range subs {
		switch quick(sub, v, depth+1) {
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
