package cli

import (
	"errors"
	"io/fs"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/validate"
)

// loadPolicy reads policy.yaml from src, or the defaults when it is absent.
// Findings mean the policy is invalid and nothing can be decided under it.
func loadPolicy(s *validate.Schemas, src load.Source) (*policy.Policy, []validate.Finding, error) {
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

// checkFiles reads and checks paths from src on every core.
func checkFiles(c *validate.Checker, src load.Source, paths []string) []validate.Result {
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
				results[i] = c.File(paths[i], data)
			}
		}()
	}
	wg.Wait()
	return results
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
func loadAll(src load.Source, now time.Time) (*loaded, error) {
	schemas, err := validate.CompileSchemas()
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
	paths, problems, err := src.List()
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	c := &validate.Checker{Schemas: schemas, Policy: pol, Now: now, Dir: load.Dir}
	l.results = checkFiles(c, src, paths)
	l.findings = append(l.findings, problemFindings(problems)...)
	for _, r := range l.results {
		l.findings = append(l.findings, r.Findings...)
	}
	l.findings = append(l.findings, validate.Duplicates(paths, l.results)...)
	validate.Sort(l.findings)
	return l, nil
}
