package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/gitrepo"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/validate"
)

// loadPolicy reads policy.yaml from src, or the defaults when it is absent.
// Findings mean the policy is invalid and nothing can be decided under it.
func loadPolicy(s *validate.Schemas, src load.Source) (*policy.Policy, []validate.Finding, error) {
	if le := src.Layout(); le != nil {
		return nil, []validate.Finding{{File: le.File, Level: validate.Error, Rule: "layout", Msg: le.Msg}}, nil
	}
	data, err := src.Read(load.PolicyPath)
	if errors.Is(err, fs.ErrNotExist) {
		return policy.Default(), nil, nil
	}
	if err != nil {
		var le *load.Error
		if errors.As(err, &le) {
			return nil, []validate.Finding{{File: le.File, Level: validate.Error, Rule: "read", Msg: le.Msg}}, nil
		}
		return nil, nil, err
	}
	pol, findings := validate.PolicyFile(s, load.PolicyPath, data)
	return pol, findings, nil
}

// keep says what a caller still needs of each checked file once every file
// is checked. On a large repository the bytes, node tree and JSON value of
// every file would be most of the memory exctl uses and most of the garbage
// collector's work, so the workers drop what no caller reads.
type keep int

const (
	keepDocuments keep = iota // everything: the change rules read the documents
	keepRecords               // the records and findings: list, gate, export
	keepFindings              // the findings and the ids: validate
)

// checkFiles reads and checks paths from src on every core.
func checkFiles(c *validate.Checker, src load.Source, paths []string, k keep, h *heapBudget) []validate.Result {
	results := make([]validate.Result, len(paths))
	workers := min(runtime.GOMAXPROCS(0), max(len(paths), 1))
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(paths) {
					return
				}
				data, err := src.Read(paths[i])
				if err != nil {
					results[i] = validate.Result{Path: paths[i], Findings: []validate.Finding{readFinding(paths[i], err)}}
					continue
				}
				h.saw(len(data))
				results[i] = c.File(paths[i], data)
				slim(&results[i], k)
			}
		}()
	}
	wg.Wait()
	return results
}

// slim drops from r what k says is no longer needed. What stays is what
// validate.Duplicates reads: where the exception_id is written, and the id
// itself where it differs from the file name.
func slim(r *validate.Result, k keep) {
	if k == keepDocuments {
		return
	}
	r.Doc = nil
	if k == keepFindings && r.Exception != nil {
		id := r.Exception.ID
		r.Exception = nil
		if name := strings.TrimSuffix(strings.TrimSuffix(path.Base(r.Path), ".yaml"), ".yml"); id != name {
			r.Exception = &exception.Exception{ID: id}
		}
	}
}

func readFinding(p string, err error) validate.Finding {
	var le *load.Error
	if errors.As(err, &le) {
		return validate.Finding{File: le.File, Line: le.Line, Col: le.Col, Level: validate.Error, Rule: "read", Msg: le.Msg}
	}
	return validate.Finding{File: p, Level: validate.Error, Rule: "read", Msg: err.Error()}
}

func problemFindings(problems []*load.Error) []validate.Finding {
	out := make([]validate.Finding, 0, len(problems))
	for _, p := range problems {
		out = append(out, validate.Finding{File: p.File, Line: p.Line, Col: p.Col, Level: validate.Error, Rule: "layout", Msg: p.Msg})
	}
	return out
}

// loaded is every record of a source, checked.
type loaded struct {
	policy   *policy.Policy
	results  []validate.Result
	findings []validate.Finding // all findings, including policy and layout
}

// loadAll reads the policy and every record of src and checks them.
func (e *env) loadAll(src load.Source, now time.Time) (*loaded, error) {
	return e.loadKeeping(src, now, keepRecords)
}

// loadKeeping is loadAll keeping k of each record.
func (e *env) loadKeeping(src load.Source, now time.Time, k keep) (*loaded, error) {
	// Listing a large folder and compiling the schemas each take a few
	// milliseconds and need nothing from each other.
	compiled := e.schemas()
	paths, problems, listErr := src.List()
	schemas, err := compiled()
	if err != nil {
		return nil, err
	}
	pol, pf, err := loadPolicy(schemas, src)
	if err != nil {
		return nil, err
	}
	l := &loaded{policy: pol, findings: pf}
	if pol == nil {
		return l, nil
	}
	if listErr != nil {
		return nil, listErr
	}
	sort.Strings(paths)
	e.heap.start(len(paths), k)
	c := &validate.Checker{Schemas: schemas, Policy: pol, Now: now, Dir: load.Dir}
	l.results = checkFiles(c, src, paths, k, e.heap)
	e.heap.stop()
	l.findings = append(l.findings, problemFindings(problems)...)
	for _, r := range l.results {
		l.findings = append(l.findings, r.Findings...)
	}
	l.findings = append(l.findings, validate.Duplicates(paths, l.results)...)
	validate.Sort(l.findings)
	return l, nil
}

// schemas starts compiling the schemas on another goroutine, once per run,
// and returns a function that waits for them: compiling is pure CPU work
// that can overlap with reading the repository, and a command that reads
// an intent before the records (gate) needs them twice.
func (e *env) schemas() func() (*validate.Schemas, error) {
	e.compileOnce.Do(func() {
		type result struct {
			schemas *validate.Schemas
			err     error
		}
		done := make(chan result, 1)
		go func() {
			s, err := validate.CompileSchemas()
			done <- result{s, err}
		}()
		e.compiled = sync.OnceValues(func() (*validate.Schemas, error) {
			r := <-done
			return r.schemas, r.err
		})
	})
	return e.compiled
}

// openSource reads the work tree at dir, or the git revision rev of the
// repository holding it.
func openSource(dir, rev string) (load.Source, error) {
	if rev == "" {
		return load.NewDirSource(dir), nil
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return nil, err
	}
	src, err := load.NewTreeSource(repo, rev)
	if err != nil {
		return nil, usageErrorf("--rev: %v", err)
	}
	return src, nil
}

// loadEvaluable opens the records of dir at rev (the work tree when
// empty) and loads them all; an invalid policy is an error, with its
// findings on stderr, since nothing can be evaluated under it. Invalid
// records stay in the result for the caller to report.
func (e *env) loadEvaluable(dir, rev string, now time.Time) (*loaded, error) {
	src, err := openSource(dir, rev)
	if err != nil {
		return nil, err
	}
	l, err := e.loadAll(src, now)
	if err != nil {
		return nil, err
	}
	if l.policy == nil {
		for _, f := range l.findings {
			fmt.Fprintln(e.stderr, f.String())
		}
		return nil, fmt.Errorf("policy %s is invalid: nothing can be evaluated under it", load.PolicyPath)
	}
	return l, nil
}

// validExceptions returns every record of a load that is entirely valid.
// A decision taken over invalid records or an invalid policy could be
// wrong either way, so it is an error (exit 2), with the reasons on stderr.
func validExceptions(e *env, l *loaded) ([]*exception.Exception, error) {
	if l.policy == nil || validate.HasErrors(l.findings) {
		for _, f := range l.findings {
			if f.Level == validate.Error {
				fmt.Fprintln(e.stderr, f.String())
			}
		}
		return nil, errors.New("the exceptions or the policy are invalid, so nothing can be decided over them: run 'exctl validate'")
	}
	xs := make([]*exception.Exception, 0, len(l.results))
	for _, r := range l.results {
		xs = append(xs, r.Exception)
	}
	return xs, nil
}

// workTreePolicy compiles the schemas and reads the work tree's policy; an
// invalid policy is an error, with its findings on stderr.
func workTreePolicy(e *env, dir string) (*validate.Schemas, *policy.Policy, error) {
	schemas, err := e.schemas()()
	if err != nil {
		return nil, nil, err
	}
	pol, pf, err := loadPolicy(schemas, load.NewDirSource(dir))
	if err != nil {
		return nil, nil, err
	}
	if pol == nil {
		for _, f := range pf {
			fmt.Fprintln(e.stderr, f.String())
		}
		return nil, nil, fmt.Errorf("policy %s is invalid", load.PolicyPath)
	}
	return schemas, pol, nil
}

// periodFlag parses a --window or --expiring-within value; nil when the
// flag is not given.
func periodFlag(name, value string) (*period, error) {
	if value == "" {
		return nil, nil
	}
	p, err := parsePeriod(value)
	if err != nil {
		return nil, usageErrorf("--%s: %v", name, err)
	}
	return &p, nil
}
