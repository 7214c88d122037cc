package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// walker steps through a report with json.Decoder.Token down to the arrays
// that hold findings, and decodes one element at a time into a small struct,
// so that memory stays proportional to the largest element rather than to
// the report.
type walker struct {
	dec *json.Decoder
	chk *syntaxChecker
	src *checkedReader
}

func newWalker(r io.Reader) *walker {
	chk := newSyntaxChecker()
	src := &checkedReader{r: r, chk: chk}
	return &walker{dec: json.NewDecoder(src), chk: chk, src: src}
}

// syntaxErrorAhead reads the rest of the input through the checker and
// returns the first syntax error in it, if any. Read calls it before it
// reports a semantic error, so that a malformed or truncated document is
// always reported as such, wherever the first semantic problem lies.
func (w *walker) syntaxErrorAhead() *SyntaxError {
	if w.chk.err == nil {
		// A read error ends the search; the semantic error stands.
		_, _ = io.Copy(io.Discard, w.src)
	}
	return w.chk.err
}

// valueError is returned by the UnmarshalJSON methods of this package for a
// value of the wrong shape.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

// wrap turns a decoder error into one of this package's errors. A syntax
// error wins over anything else: once the document is malformed, nothing
// read after the error point can be trusted.
func (w *walker) wrap(path string, err error) error {
	if w.chk.err != nil {
		return w.chk.err
	}
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
		ve *valueError
	)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &se):
		// The checker sees every byte before the decoder does, so this is
		// not expected; keep the decoder's message at the checker's position.
		return &SyntaxError{Offset: w.chk.off, Line: w.chk.line, Column: w.chk.column(),
			Truncated: !errors.As(err, &se), Msg: err.Error()}
	case errors.As(err, &te):
		field := path
		if te.Field != "" {
			field = joinPath(path, te.Field)
		}
		if te.Value == repeatedValue {
			return fmt.Errorf("%w: %s: the key appears twice in its object (keys match in any letter case)", ErrInvalid, field)
		}
		return fmt.Errorf("%w: %s: want %s, got %s", ErrInvalid, field, jsonKind(te.Type), te.Value)
	case errors.As(err, &ve):
		return fmt.Errorf("%w: %s: %s", ErrInvalid, path, ve.msg)
	}
	return err // an I/O error from the underlying reader
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return t.String()
}

// tokenKind names the JSON type of a token.
func tokenKind(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		if v == '{' {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", t)
}

func (w *walker) token(path string) (json.Token, error) {
	t, err := w.dec.Token()
	if err != nil {
		return nil, w.wrap(path, err)
	}
	return t, nil
}

// enter reads the opening delimiter of the object ('{') or array ('[') at
// path. A JSON null reads as an empty container: ok is false and nothing more
// is to be read. Go encoders write nil slices as null.
func (w *walker) enter(path string, want json.Delim) (ok bool, err error) {
	t, err := w.token(path)
	if err != nil {
		return false, err
	}
	if t == nil {
		return false, nil
	}
	if d, isDelim := t.(json.Delim); isDelim && d == want {
		return true, nil
	}
	kind := "object"
	if want == '[' {
		kind = "array"
	}
	return false, fmt.Errorf("%w: %s: want %s, got %s", ErrInvalid, path, kind, tokenKind(t))
}

// eachKey calls fn with every key of the object just entered; fn must read
// the key's value. Keys repeated within the object are rejected, because a
// reader that takes the first and one that takes the last would see
// different findings. So is a key that is one of known in another letter
// case: fn would skip it, while the scanners' own readers (Go's
// encoding/json) match keys in any case and take it for the known key.
func (w *walker) eachKey(path string, known []string, fn func(key string) error) error {
	var seen map[string]bool
	for w.dec.More() {
		t, err := w.token(path)
		if err != nil {
			return err
		}
		key, _ := t.(string) // the decoder only returns strings in key position
		if seen == nil {
			seen = make(map[string]bool, 8)
		}
		if seen[key] {
			return fmt.Errorf("%w: %s: key %q repeated", ErrInvalid, displayPath(path), key)
		}
		if !slices.Contains(known, key) {
			for _, k := range known {
				if strings.EqualFold(k, key) {
					return fmt.Errorf("%w: %s: key %q is %q in another letter case, which readers of the report take for %[4]q", ErrInvalid, displayPath(path), key, k)
				}
			}
		}
		seen[key] = true
		if err := fn(key); err != nil {
			return err
		}
	}
	_, err := w.token(path) // '}'
	return err
}

// eachElem calls fn with the index of every element of the array just
// entered; fn must read the element.
func (w *walker) eachElem(path string, fn func(i int) error) error {
	for i := 0; w.dec.More(); i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	_, err := w.token(path) // ']'
	return err
}

func (w *walker) decode(path string, v any) error {
	if err := w.dec.Decode(v); err != nil {
		return w.wrap(path, err)
	}
	return nil
}

// skipValue reads any JSON value and keeps nothing of it.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

func (w *walker) skip(path string) error {
	return w.decode(path, &skipValue{})
}

func displayPath(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}
