package validate

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

// fuzzSeeds adds the bundled example records and every file of the
// bad-input corpus, each under the repository path it has there, so the
// fuzzer starts from both valid records and every kind of failure.
func fuzzSeeds(f *testing.F) {
	f.Helper()
	n := 0
	add := func(root string, rel func(p string) string) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() == "want.txt" || d.Name() == ".gitattributes" {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Add(rel(p), data)
			n++
			return nil
		})
		require.NoError(f, err)
	}
	add("../../exceptions", func(p string) string {
		r, _ := filepath.Rel("../..", p)
		return filepath.ToSlash(r)
	})
	add("testdata/bad", func(p string) string {
		// testdata/bad/<case>/exceptions/... → exceptions/...
		parts := strings.SplitN(filepath.ToSlash(p), "/", 4)
		return parts[len(parts)-1]
	})
	require.Greater(f, n, 40, "seed corpus not found")
}

// fuzzPolicy is the default policy with its groups backed by teams, as a
// real policy file would have them.
func fuzzPolicy() *policy.Policy {
	p := policy.Default()
	for k, g := range p.Groups {
		g.Org, g.Team = "acme", k+"-team"
		p.Groups[k] = g
	}
	return p
}

// FuzzCheck checks that no record makes the validator panic, that it
// says the same of a record every time (a message built in map order
// would not), and that a record with no errors really is a record: it
// decoded, and its id is its file name.
func FuzzCheck(f *testing.F) {
	fuzzSeeds(f)
	s, err := CompileSchemas()
	require.NoError(f, err)
	c := &Checker{
		Schemas: s,
		Policy:  fuzzPolicy(),
		Now:     time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC),
		Dir:     "exceptions",
	}
	f.Fuzz(func(t *testing.T, p string, data []byte) {
		r := c.File(p, data)
		if r.Path != p {
			t.Fatalf("result path %q, want %q", r.Path, p)
		}
		for _, fd := range r.Findings {
			if fd.Rule == "" || fd.Msg == "" || fd.Line < 0 || fd.Col < 0 || (fd.Level != Error && fd.Level != Warning) {
				t.Fatalf("malformed finding %#v", fd)
			}
		}
		if again := c.File(p, data); !reflect.DeepEqual(again.Findings, r.Findings) {
			t.Fatalf("findings differ between two runs:\n%v\n%v", r.Findings, again.Findings)
		}
		if r.Exception != nil && r.Doc == nil {
			t.Fatal("an exception without its document")
		}
		if HasErrors(r.Findings) {
			return
		}
		if r.Exception == nil {
			t.Fatalf("no errors but no exception: %v", r.Findings)
		}
		name := strings.TrimSuffix(strings.TrimSuffix(path.Base(p), ".yaml"), ".yml")
		if r.Exception.ID != name {
			t.Fatalf("no errors but exception_id %q is not the file name %q", r.Exception.ID, path.Base(p))
		}
	})
}

// FuzzPolicy checks that no policy file makes the validator panic, and
// that a policy it accepts answers every question the other commands ask
// of it: a pull request may change policy.yaml, and validate reads it.
func FuzzPolicy(f *testing.F) {
	data, err := os.ReadFile("../../exceptions/policy.yaml")
	require.NoError(f, err)
	f.Add(data)
	f.Add([]byte("groups: {}\n"))
	f.Add([]byte("time_zone: Europe/Berlin\nreminder_days: [1, 30]\n"))
	s, err := CompileSchemas()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		pol, fs := PolicyFile(s, "exceptions/policy.yaml", data)
		if pol == nil {
			if len(fs) == 0 {
				t.Fatal("no policy and no finding")
			}
			return
		}
		if len(fs) > 0 {
			t.Fatalf("a policy and findings: %v", fs)
		}
		if pol.Location == nil {
			t.Fatal("accepted policy without a time zone")
		}
		for _, typ := range exception.Types {
			for _, score := range []int{0, 50, 51, 100} {
				pol.RequiredSeats(typ, score, score > 50)
			}
			pol.Rule(typ)
		}
		pol.OwnerGroups()
	})
}
