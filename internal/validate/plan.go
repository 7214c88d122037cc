package validate

import (
	"sort"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// plan is what quick reads of one compiled schema, worked out once per
// schema rather than at every value: whether quick supports its keywords,
// its properties as a list, its format's function, its subschemas as
// plans. A compiled schema is a large struct; a record visits dozens of
// them, and the questions asked of each were the same every time.
type plan struct {
	s         *jsonschema.Schema
	supported bool // quickSupported(s)

	format func(any) bool    // the library's function for s.Format; nil if none or unknown
	match  func(string) bool // s.Pattern's test, through classRuns where it reads as runs

	props          map[string]*plan
	propList       []namedPlan // props sorted by name, for the few-properties walk
	additional     additionalKind
	additionalPlan *plan
	items          *plan

	ref                 *plan
	allOf, anyOf, oneOf []*plan
	ifP, thenP, elseP   *plan
}

type namedPlan struct {
	name string
	plan *plan
}

// additionalKind is what additionalProperties says of a property not in
// properties.
type additionalKind uint8

const (
	apNone   additionalKind = iota // not given: allowed
	apTrue                         // true: allowed
	apFalse                        // false: refused
	apSchema                       // a schema the value must meet
	apOther                        // anything else: the library's call
)

// plans caches the plan of each root schema Check is given. Compiled
// schemas are not changed after compilation, so a plan stays right.
var plans sync.Map // *jsonschema.Schema → *plan

// planFor returns the plan of root, building it on first use.
func planFor(root *jsonschema.Schema) *plan {
	if p, ok := plans.Load(root); ok {
		return p.(*plan)
	}
	p, _ := plans.LoadOrStore(root, newPlan(root, map[*jsonschema.Schema]*plan{}))
	return p.(*plan)
}

// newPlan builds the plan of s and of every schema quick may reach from
// it; built records the plans made so far, so that a schema reached twice
// (or through itself) has one plan.
func newPlan(s *jsonschema.Schema, built map[*jsonschema.Schema]*plan) *plan {
	if s == nil {
		return nil
	}
	if p, ok := built[s]; ok {
		return p
	}
	p := &plan{s: s, supported: quickSupported(s)}
	built[s] = p
	if s.Format != "" {
		// CompileSchemas registers no compiler-level formats, so the
		// library asserts the same functions as jsonschema.Formats.
		p.format = jsonschema.Formats[s.Format]
	}
	if s.Pattern != nil {
		p.match = s.Pattern.MatchString
		if runs, ok := compileRuns(s.Pattern); ok {
			p.match = runs.match
		}
	}
	if len(s.Properties) > 0 {
		p.props = make(map[string]*plan, len(s.Properties))
		for name, sub := range s.Properties {
			sp := newPlan(sub, built)
			p.props[name] = sp
			p.propList = append(p.propList, namedPlan{name, sp})
		}
		sort.Slice(p.propList, func(i, j int) bool { return p.propList[i].name < p.propList[j].name })
	}
	switch ap := s.AdditionalProperties.(type) {
	case nil:
		p.additional = apNone
	case bool:
		p.additional = apFalse
		if ap {
			p.additional = apTrue
		}
	case *jsonschema.Schema:
		p.additional, p.additionalPlan = apSchema, newPlan(ap, built)
	default:
		p.additional = apOther
	}
	p.items = newPlan(s.Items2020, built)
	p.ref = newPlan(s.Ref, built)
	p.allOf = newPlans(s.AllOf, built)
	p.anyOf = newPlans(s.AnyOf, built)
	p.oneOf = newPlans(s.OneOf, built)
	p.ifP, p.thenP, p.elseP = newPlan(s.If, built), newPlan(s.Then, built), newPlan(s.Else, built)
	return p
}

func newPlans(ss []*jsonschema.Schema, built map[*jsonschema.Schema]*plan) []*plan {
	if len(ss) == 0 {
		return nil
	}
	out := make([]*plan, len(ss))
	for i, s := range ss {
		out[i] = newPlan(s, built)
	}
	return out
}
