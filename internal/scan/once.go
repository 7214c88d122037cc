package scan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"unicode/utf8"
)

// The structs that findings are decoded into use text and one[T] for their
// fields. encoding/json lets a key repeated in an object, or repeated in
// another letter case (it matches keys to fields case-insensitively),
// overwrite the first value without a word: {"Severity": "CRITICAL",
// "severity": "LOW"} reads as Low, while a reader that keeps the first value
// sees Critical. These types refuse a second value for the same field, so
// every reader of an accepted report sees the same findings.

// repeatedValue is the Value of the UnmarshalTypeError that text and one
// return for a second value; returning that error type lets encoding/json
// add the path of the field, and walker.wrap words it.
const repeatedValue = "a second value for the key"

func repeated(t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: repeatedValue, Type: t}
}

var stringType = reflect.TypeFor[string]()

// text is a string field. ok is false when the key is missing or null.
type text struct {
	s    string
	ok   bool
	seen bool
}

func (t *text) UnmarshalJSON(b []byte) error {
	if t.seen {
		return repeated(stringType)
	}
	t.seen = true
	switch b[0] {
	case 'n':
		return nil
	case '"':
	default:
		return &json.UnmarshalTypeError{Value: literalKind(b[0]), Type: stringType}
	}
	// Most strings in a report have no escapes: take them as they are.
	// Others (and invalid UTF-8, which encoding/json replaces) go the
	// long way.
	if body := b[1 : len(b)-1]; bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		t.s = string(body)
	} else if err := json.Unmarshal(b, &t.s); err != nil {
		return err
	}
	t.ok = true
	return nil
}

// ptr returns the string, or nil when the key is missing or null.
func (t *text) ptr() *string {
	if !t.ok {
		return nil
	}
	return &t.s
}

// one is a field of any other type. set is true when the key is present,
// even with null.
type one[T any] struct {
	v   T
	set bool
}

func (o *one[T]) UnmarshalJSON(b []byte) error {
	if o.set {
		return repeated(reflect.TypeFor[T]())
	}
	o.set = true
	return json.Unmarshal(b, &o.v)
}

// literalKind names the JSON type of a value by its first byte, as
// encoding/json does in its type errors.
func literalKind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case '"':
		return "string"
	}
	return "number"
}
