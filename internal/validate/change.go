package validate

import (
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/exctl/exctl/internal/exception"
)

// Duplicates reports exception ids used by more than one file. Because a
// record's file is named after its id, ids equal base names; the check works
// on names alone so a change need not read records it does not touch.
func Duplicates(paths []string, results []Result) []Finding {
	byID := map[string][]string{}
	for _, p := range paths {
		id := strings.TrimSuffix(strings.TrimSuffix(path.Base(p), ".yaml"), ".yml")
		byID[id] = append(byID[id], p)
	}
	for _, r := range results {
		if r.Exception == nil {
			continue
		}
		id := strings.TrimSuffix(strings.TrimSuffix(path.Base(r.Path), ".yaml"), ".yml")
		if r.Exception.ID != id {
			byID[r.Exception.ID] = append(byID[r.Exception.ID], r.Path)
		}
	}
	byPath := map[string]*Result{}
	for i := range results {
		byPath[results[i].Path] = &results[i]
	}
	var fs []Finding
	for id, ps := range byID {
		if len(ps) < 2 {
			continue
		}
		sort.Strings(ps)
		ps = dedupe(ps)
		if len(ps) < 2 {
			continue
		}
		for _, p := range ps {
			f := Finding{File: p, Level: Error, Rule: "duplicate-id", Msg: fmt.Sprintf("exception_id %s is also used by %s", id, strings.Join(others(ps, p), ", "))}
			if r := byPath[p]; r != nil {
				switch {
				case r.Doc != nil:
					f.Line, f.Col = r.Doc.Pos("/exception_id")
				case r.IDLine > 0:
					f.Line, f.Col = r.IDLine, r.IDCol
				}
			}
			fs = append(fs, f)
		}
	}
	return fs
}

func dedupe(ss []string) []string {
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func others(ps []string, p string) []string {
	var out []string
	for _, q := range ps {
		if q != p {
			out = append(out, q)
		}
	}
	return out
}

// Change is one record path touched between the base and the head.
type Change struct {
	Path string
	// Base is the record at the base revision; nil when the change adds it.
	Base *exception.Exception
	// BaseValue is the base record's JSON value.
	BaseValue map[string]any
	// Head is the record now; nil when the change deletes it.
	Head *Result
}

// ChangeRules checks what a change may do to a record: ids and types never
// change, no record is deleted, statuses follow the lifecycle, an approved
// record is not edited, and an extension stays within the policy.
func (c *Checker) ChangeRules(ch Change) []Finding {
	var fs []Finding
	if ch.Head == nil {
		if ch.Base != nil {
			fs = append(fs, Finding{File: ch.Path, Level: Error, Rule: "deleted", Msg: fmt.Sprintf("record %s was deleted: records are the audit trail; let it expire or be denied instead", ch.Base.ID)})
		}
		return fs
	}
	head, doc := ch.Head.Exception, ch.Head.Doc
	if head == nil {
		return nil // the head failed the schema, already reported
	}
	at := func(ptr, rule, format string, args ...any) {
		line, col := doc.Pos(ptr)
		fs = append(fs, Finding{File: ch.Path, Line: line, Col: col, Level: Error, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	if ch.Base == nil {
		if head.Status == exception.Expired {
			at("/status", "transition", "a new record cannot start as expired")
		}
		return fs
	}
	base := ch.Base
	if base.ID != head.ID {
		at("/exception_id", "immutable-id", "exception_id changed from %s to %s: ids never change; request a new exception instead", base.ID, head.ID)
	}
	if base.Type != head.Type {
		at("/type", "immutable-type", "type changed from %s to %s: request a new exception instead", base.Type, head.Type)
	}
	if !exception.CanTransition(base.Status, head.Status) {
		at("/status", "transition", "status may not go from %s to %s (allowed: pending → approved | denied, approved → expired, approved | expired → pending for an extension)", base.Status, head.Status)
		return fs
	}
	headValue, _ := doc.Value().(map[string]any)
	content := func(except ...string) bool {
		return sameContent(ch.BaseValue, headValue, except...)
	}
	switch {
	case base.Status == head.Status && base.Status != exception.Pending:
		if !content("updated_at") {
			if base.Status == exception.Denied {
				at("/status", "decided-edit", "a denied record cannot be edited: request a new exception")
				break
			}
			at("/status", "decided-edit", "an %s record cannot be edited: request an extension (status: pending, original_expiry_date: the expiry before the first extension, a later expiry_date, no approval fields) or a new exception", base.Status)
		}
	case base.Status == exception.Approved && head.Status == exception.Expired:
		if !content("status", "updated_at") {
			at("/status", "decided-edit", "expiring a record changes only status and updated_at")
		}
	case head.Status == exception.Pending && base.Status != exception.Pending:
		fs = append(fs, c.extension(ch, at)...)
	case base.Status == exception.Pending && head.Status == exception.Pending:
		if !sameDate(base.OriginalExpiryDate, head.OriginalExpiryDate) {
			at("/original_expiry_date", "extension", "original_expiry_date is set by the first extension and does not change afterwards")
		}
	}
	return fs
}

// extension checks an approved or expired record reopened as pending.
func (c *Checker) extension(ch Change, at func(ptr, rule, format string, args ...any)) []Finding {
	base, head := ch.Base, ch.Head.Exception
	orig := base.ExpiryDate
	if base.OriginalExpiryDate != nil {
		orig = *base.OriginalExpiryDate
	}
	if head.OriginalExpiryDate == nil || *head.OriginalExpiryDate != orig {
		at("/original_expiry_date", "extension", "an extension sets original_expiry_date to %s, the expiry before the first extension", orig)
	}
	if !head.ExpiryDate.After(base.ExpiryDate) {
		at("/expiry_date", "extension", "an extension must move expiry_date past %s", base.ExpiryDate)
	}
	if limit := orig.AddDays(c.Policy.MaxExtensionDays); head.ExpiryDate.After(limit) {
		at("/expiry_date", "max-extension", "expiry_date %s is more than %d days after the original expiry %s (latest allowed: %s)", head.ExpiryDate, c.Policy.MaxExtensionDays, orig, limit)
	}
	return nil
}

func sameDate(a, b *exception.Date) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// sameContent compares two record values with the given keys set aside.
func sameContent(a, b map[string]any, except ...string) bool {
	skip := func(k string) bool {
		for _, e := range except {
			if e == k {
				return true
			}
		}
		return false
	}
	for k, v := range a {
		if skip(k) {
			continue
		}
		if w, ok := b[k]; !ok || !reflect.DeepEqual(v, w) {
			return false
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !skip(k) {
			return false
		}
	}
	return true
}
