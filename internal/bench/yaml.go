package bench

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The generator writes YAML by hand rather than through yaml.v3's encoder so
// that records look like what people write (plain scalars, quoted dates,
// the occasional flow mapping) and so that a planted error such as
// `expiry_date: 90` survives exactly as written.

// field is one key of a mapping; mappings keep their order.
type field struct {
	key string
	val any // string, raw, int, float64, bool, mapping, flow, []any, flowSeq
}

type mapping []field

// flow is a mapping written on one line: {cve: CVE-2024-1234, severity: High}.
type flow mapping

// flowSeq is a list of strings written on one line: ["@sec-bob"].
type flowSeq []string

// raw is written verbatim, to plant values of the wrong type.
type raw string

func (m mapping) get(key string) (any, bool) {
	for _, f := range m {
		if f.key == key {
			return f.val, true
		}
	}
	return nil, false
}

// set replaces key's value, or appends key when absent.
func (m *mapping) set(key string, v any) {
	for i := range *m {
		if (*m)[i].key == key {
			(*m)[i].val = v
			return
		}
	}
	*m = append(*m, field{key, v})
}

// insertAfter puts key right after the field named after, as a person
// adding a field by hand would.
func (m *mapping) insertAfter(after, key string, v any) {
	for i := range *m {
		if (*m)[i].key == after {
			*m = append((*m)[:i+1], append(mapping{{key, v}}, (*m)[i+1:]...)...)
			return
		}
	}
	*m = append(*m, field{key, v})
}

func (m *mapping) del(key string) bool {
	for i := range *m {
		if (*m)[i].key == key {
			*m = append((*m)[:i], (*m)[i+1:]...)
			return true
		}
	}
	return false
}

// render writes m as a YAML document after a header comment.
func render(header string, m mapping) []byte {
	var b strings.Builder
	b.WriteString(header)
	writeMapping(&b, m, 0)
	return []byte(b.String())
}

func writeMapping(b *strings.Builder, m mapping, indent int) {
	for _, f := range m {
		b.WriteString(strings.Repeat(" ", indent))
		writeField(b, f, indent)
	}
}

func writeField(b *strings.Builder, f field, indent int) {
	b.WriteString(f.key)
	b.WriteByte(':')
	switch v := f.val.(type) {
	case mapping:
		b.WriteByte('\n')
		writeMapping(b, v, indent+2)
	case []any:
		b.WriteByte('\n')
		for _, item := range v {
			b.WriteString(strings.Repeat(" ", indent+2))
			b.WriteString("- ")
			if m, ok := item.(mapping); ok {
				// The first key shares the dash's line; the rest align with it.
				writeField(b, m[0], indent+4)
				for _, g := range m[1:] {
					b.WriteString(strings.Repeat(" ", indent+4))
					writeField(b, g, indent+4)
				}
				continue
			}
			b.WriteString(scalar(item, false))
			b.WriteByte('\n')
		}
	default:
		b.WriteByte(' ')
		b.WriteString(scalar(v, false))
		b.WriteByte('\n')
	}
}

var (
	// plainBlock is what may stay unquoted in block context: no leading
	// indicator (quote below also rules out ": " and " #").
	plainBlock = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 _./()',;+@:-]*[A-Za-z0-9.)]$`)
	// timestampLike is what a YAML 1.1 resolver may read as a date, or as a
	// base-60 number (12:30).
	timestampLike = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|^[0-9][0-9_]*(:[0-5]?[0-9])+`)
	// plainFlow additionally excludes the flow indicators , [ ] { }.
	plainFlow = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./+-]*$`)
	// reserved are plain words some YAML resolver turns into a non-string.
	reserved = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true}
)

func scalar(v any, inFlow bool) string {
	switch v := v.(type) {
	case raw:
		return string(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case flow:
		parts := make([]string, len(v))
		for i, f := range v {
			parts[i] = f.key + ": " + scalar(f.val, true)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case flowSeq:
		parts := make([]string, len(v))
		for i, s := range v {
			parts[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return quote(v, inFlow)
	}
	panic(fmt.Sprintf("bench: no YAML scalar for %T", v))
}

// quote leaves s plain where every YAML parser reads it back as the same
// string, single-quotes logins (a leading @ is reserved) and double-quotes
// the rest, dates included: an unquoted date is a timestamp to YAML 1.1
// parsers such as js-yaml, which the peers would reject as a non-string.
func quote(s string, inFlow bool) string {
	re := plainBlock
	if inFlow {
		re = plainFlow
	}
	if re.MatchString(s) && !strings.Contains(s, ": ") && !strings.Contains(s, " #") &&
		!reserved[strings.ToLower(s)] && !looksNumeric(s) && !timestampLike.MatchString(s) {
		return s
	}
	if strings.HasPrefix(s, "@") && !strings.ContainsAny(s, "'\n") {
		return "'" + s + "'"
	}
	return strconv.Quote(s)
}

func looksNumeric(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	_, err := strconv.ParseInt(s, 0, 64)
	return err == nil
}
