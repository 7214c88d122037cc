package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/gitrepo"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/validate"
)

type validateOptions struct {
	common
	base  string
	rev   string
	paths []string
}

func runValidate(e *env, args []string) error {
	var o validateOptions
	fs := e.flagSet("validate", "[PATH…] [--base REV] [--format text|json|github]",
		`Checks exception records against schemas/exception.schema.json, the semantic
rules of the policy (file name equals exception_id, folder equals type, dates
real and ordered, expiry within the type's maximum, approvers present and not
the requester), and the policy file itself.

With --base REV, only the records changed since REV (committed or not) are
read, the policy is taken from REV, and the change rules apply as well: ids
and types never change, no record is deleted, statuses follow the lifecycle,
an approved record is not edited, an extension stays within the policy.

Exit 0 when there are no errors (warnings allowed), 1 when there are, 2 when
the check could not run.`)
	o.register(fs, "text", "json", "github")
	fs.StringVar(&o.rev, "rev", "", "check the records at this git `rev`ision instead of the work tree")
	fs.StringVar(&o.base, "base", "", "also check the change since this git `rev`ision (e.g. origin/main); reads only changed records")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	o.paths = fs.Args()
	if o.base != "" && o.rev != "" {
		return usageErrorf("give --base (a change against the work tree) or --rev (one revision), not both")
	}
	if err := o.checkFormat("text", "json", "github"); err != nil {
		return err
	}
	now, err := o.clock(e)
	if err != nil {
		return err
	}
	var findings []validate.Finding
	var checked int
	if o.base != "" {
		findings, checked, err = validateChange(e, o, now)
	} else {
		findings, checked, err = validateAll(e, o, now)
	}
	if err != nil {
		return err
	}
	validate.Sort(findings)
	findings = validate.Dedupe(findings)
	if err := writeFindings(e.stdout, o.format, findings, checked); err != nil {
		return err
	}
	errs, warns := count(findings)
	if o.format == "text" {
		fmt.Fprintf(e.stderr, "%d record(s) checked: %d error(s), %d warning(s)\n", checked, errs, warns)
	}
	if errs > 0 {
		return ErrNo
	}
	return nil
}

func validateAll(e *env, o validateOptions, now time.Time) ([]validate.Finding, int, error) {
	src, err := openSource(o.repo, o.rev)
	if err != nil {
		return nil, 0, err
	}
	l, err := e.loadKeeping(filterSource{Source: src, paths: o.paths, root: o.repo}, now, keepFindings)
	if err != nil {
		return nil, 0, err
	}
	return l.findings, len(l.results), nil
}

// filterSource narrows a source's listing to the PATH arguments.
type filterSource struct {
	load.Source
	paths []string
	root  string
}

func (f filterSource) List() ([]string, []*load.Error, error) {
	records, problems, err := f.Source.List()
	if err != nil || len(f.paths) == 0 {
		return records, problems, err
	}
	var want []string
	for _, p := range f.paths {
		rel, err := repoRel(f.root, p)
		if err != nil {
			return nil, nil, err
		}
		want = append(want, rel)
	}
	under := func(p string) bool {
		for _, w := range want {
			if w == "." || p == w || strings.HasPrefix(p, strings.TrimSuffix(w, "/")+"/") {
				return true
			}
		}
		return false
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range records {
		if under(r) {
			out, seen[r] = append(out, r), true
		}
	}
	// A named file outside the listing (elsewhere in the repository) is
	// still checked, so that validating a draft before moving it works.
	var ps []*load.Error
	reported := map[string]bool{} // the listing's problems that are shown
	for _, p := range problems {
		if under(p.File) {
			ps, reported[p.File] = append(ps, p), true
		}
	}
	var named []*load.Error
	work := load.NewDirSource(f.root)
	var le *load.Error
	for _, w := range want {
		if w == "." {
			continue // the whole repository: the listing is all of it
		}
		// Not followed if a link, here or in a folder on the way: what
		// it points at is neither read nor told.
		fi, err := work.Lstat(w)
		switch {
		case errors.As(err, &le):
			if !reported[le.File] {
				named, reported[le.File] = append(named, le), true
			}
		case err != nil:
			return nil, nil, usageErrorf("%s: no such file or directory", w)
		case w == load.PolicyPath:
			// Checked as the policy on every run, never as a record.
		case fi.Mode()&fs.ModeSymlink != 0:
			if !reported[w] {
				named, reported[w] = append(named, load.LinkError(w)), true
			}
		case fi.Mode().IsRegular() && !seen[w]:
			out = append(out, w)
		}
	}
	return out, append(ps, named...), nil
}

// repoRel turns a PATH argument into a slash path relative to the root.
func repoRel(root, p string) (string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absRoot, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", usageErrorf("%s is outside the repository %s", p, root)
	}
	return filepath.ToSlash(rel), nil
}

func validateChange(e *env, o validateOptions, now time.Time) ([]validate.Finding, int, error) {
	// Finding what changed is most of the work on a large repository; the
	// schemas compile meanwhile.
	compiled := e.schemas()
	repo, err := gitrepo.Open(o.repo)
	if err != nil {
		return nil, 0, err
	}
	baseSrc, err := load.NewTreeSource(repo, o.base)
	if err != nil {
		return nil, 0, usageErrorf("--base: %v", err)
	}
	// An exceptions folder that is a link or a file has no records git
	// would show, and one out of the repository must not be read.
	head := load.NewDirSource(repo.Root)
	var layout []*load.Error
	for _, le := range []*load.Error{head.Layout(), baseSrc.Layout()} {
		if le != nil {
			layout = append(layout, le)
		}
	}
	if len(layout) > 0 {
		return problemFindings(layout), 0, nil
	}
	// Neither side with the folder is the wrong checkout, not an empty
	// change; a base without it is the change that adds it.
	if _, err := os.Lstat(filepath.Join(repo.Root, load.Dir)); errors.Is(err, fs.ErrNotExist) && !baseSrc.HasDir() {
		return nil, 0, fmt.Errorf("%s has no %s folder, here or at %s: not a repository of exceptions", repo.Root, load.Dir, o.base)
	}
	changed, changedErr := repo.Changed(o.base, load.Dir)
	schemas, err := compiled()
	if err != nil {
		return nil, 0, err
	}
	// The rules of a change come from the base: a change cannot loosen the
	// policy it is judged by.
	pol, pf, err := loadPolicy(schemas, baseSrc)
	if err != nil {
		return nil, 0, err
	}
	if pol == nil {
		for i := range pf {
			pf[i].Msg = fmt.Sprintf("policy at %s: %s", o.base, pf[i].Msg)
		}
		return pf, 0, nil
	}
	if changedErr != nil {
		return nil, 0, changedErr
	}
	sort.Strings(changed)
	var findings []validate.Finding
	var records []string
	for _, p := range changed {
		if p == load.PolicyPath {
			data, err := head.Read(p)
			switch {
			case err == nil:
				_, hf := validate.PolicyFile(schemas, p, data)
				findings = append(findings, hf...)
			case errors.Is(err, fs.ErrNotExist):
				// The built-in defaults would then judge every record,
				// looser than most policies.
				findings = append(findings, validate.Finding{File: p, Level: validate.Error, Rule: "deleted",
					Msg: "the policy was deleted, which would put the built-in defaults in its place: change it instead"})
			default:
				findings = append(findings, readFinding(p, err))
			}
			continue
		}
		if isRecord, problem := load.Classify(p); problem != "" {
			if fi, err := head.Lstat(p); err == nil {
				if fi.Mode()&fs.ModeSymlink != 0 {
					problem = load.LinkError(p).Msg
				}
				findings = append(findings, validate.Finding{File: p, Level: validate.Error, Rule: "layout", Msg: problem})
			} else if le := (*load.Error)(nil); errors.As(err, &le) {
				findings = append(findings, problemFindings([]*load.Error{le})...)
			}
		} else if isRecord {
			records = append(records, p)
		}
	}
	// Looked at without following a link, at the record or in a folder
	// on its way: what a link points at is never read or told.
	var present []string
	var le *load.Error
	for _, p := range records {
		fi, err := head.Lstat(p)
		switch {
		case errors.As(err, &le):
			findings = append(findings, problemFindings([]*load.Error{le})...)
		case err != nil:
		case fi.Mode()&fs.ModeSymlink != 0:
			findings = append(findings, problemFindings([]*load.Error{load.LinkError(p)})...)
		default:
			present = append(present, p)
		}
	}
	c := &validate.Checker{Schemas: schemas, Policy: pol, Now: now, Dir: load.Dir}
	e.heap.start(len(present), keepDocuments)
	results := checkFiles(c, head, present, keepDocuments, e.heap)
	e.heap.stop()
	byPath := map[string]*validate.Result{}
	for i := range results {
		byPath[results[i].Path] = &results[i]
		findings = append(findings, results[i].Findings...)
	}
	for _, p := range records {
		ch := validate.Change{Path: p, Head: byPath[p]}
		if data, err := baseSrc.Read(p); err == nil {
			if doc, err := load.Parse(p, data); err == nil {
				ch.BaseValue, _ = doc.Value().(map[string]any)
				ch.Base, _ = exception.FromNode(doc.Root)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, 0, err
		}
		if ch.Base == nil && ch.Head == nil {
			continue
		}
		findings = append(findings, c.ChangeRules(ch)...)
		if ch.Head != nil && ch.Base == nil {
			findings = append(findings, duplicateName(head, p, ch.Head)...)
		}
	}
	return findings, len(present), nil
}

// duplicateName finds a record added by the change whose id is already a
// file name in another type's folder. File names equal ids, so this needs no
// other record read.
func duplicateName(head load.DirSource, p string, r *validate.Result) []validate.Finding {
	id := strings.TrimSuffix(strings.TrimSuffix(path.Base(p), ".yaml"), ".yml")
	var out []validate.Finding
	for _, t := range exception.Types {
		for _, ext := range []string{".yaml", ".yml"} {
			other := path.Join(load.Dir, string(t), id+ext)
			if other == p {
				continue
			}
			// Not through a folder that is a link: what is behind it is
			// not told.
			if _, err := head.Lstat(other); err == nil {
				f := validate.Finding{File: p, Level: validate.Error, Rule: "duplicate-id", Msg: fmt.Sprintf("exception_id %s is also used by %s", id, other)}
				if r.Doc != nil {
					f.Line, f.Col = r.Doc.Pos("/exception_id")
				}
				out = append(out, f)
			}
		}
	}
	return out
}

func count(fs []validate.Finding) (errs, warns int) {
	for _, f := range fs {
		if f.Level == validate.Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

func writeFindings(w io.Writer, format string, fs []validate.Finding, checked int) error {
	// Thousands of findings (plain-control warnings across a large
	// repository) are one write, not one each.
	bw := bufio.NewWriter(w)
	switch format {
	case "json":
		errs, warns := count(fs)
		fmt.Fprintf(bw, "{\n  \"valid\": %t,\n  \"records\": %d,\n  \"errors\": %d,\n  \"warnings\": %d,\n  \"findings\": [", errs == 0, checked, errs, warns)
		// One finding a line: as readable as indented objects, greppable,
		// and without an indenting pass over the whole document.
		for i, f := range fs {
			line, err := json.Marshal(f)
			if err != nil {
				return err
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			bw.Write(line)
		}
		if len(fs) > 0 {
			bw.WriteString("\n  ")
		}
		bw.WriteString("]\n}\n")
	case "github":
		for _, f := range fs {
			bw.WriteString(githubCommand(f))
			bw.WriteByte('\n')
		}
	default:
		for _, f := range fs {
			bw.WriteString(f.String())
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// githubCommand renders a finding as a GitHub Actions workflow command, so
// it shows inline on the pull request.
func githubCommand(f validate.Finding) string {
	cmd := "error"
	if f.Level == validate.Warning {
		cmd = "warning"
	}
	props := "file=" + escapeProperty(f.File)
	if f.Line > 0 {
		props += fmt.Sprintf(",line=%d,col=%d", f.Line, f.Col)
	}
	props += ",title=" + escapeProperty("exctl "+f.Rule)
	return fmt.Sprintf("::%s %s::%s", cmd, props, escapeData(f.Msg))
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
