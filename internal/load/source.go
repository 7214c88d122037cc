package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/exctl/exctl/internal/gitrepo"
)

// The repository layout.
const (
	Dir        = "exceptions"
	PolicyPath = "exceptions/policy.yaml"
)

// Source is where records are read from: a work tree or a git revision.
type Source interface {
	// List returns the record paths below Dir (slash-separated, relative to
	// the repository root) and the files there that cannot be records.
	List() (records []string, problems []*Error, err error)
	// Read returns a file's content; fs.ErrNotExist when it is absent.
	Read(p string) ([]byte, error)
	// Name says where the records come from, for messages.
	Name() string
}

// Classify sorts a file under Dir: a record, a file to leave alone, or a
// problem described by the returned message.
func Classify(p string) (record bool, problem string) {
	base := path.Base(p)
	switch {
	case p == PolicyPath:
		return false, ""
	case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
		return true, ""
	case strings.HasSuffix(base, ".md") || base == ".gitkeep" || base == ".gitattributes":
		return false, ""
	case strings.HasSuffix(base, ".json"):
		return false, "JSON file among the records: records are YAML files named <exception_id>.yaml"
	}
	return false, "not a record: the exceptions folder holds <type>/<exception_id>.yaml files"
}

// readFile's and readRegular's answers for what they do not read.
var (
	errNotRegular = errors.New("not a regular file") // by the time it is opened
	errNeedsStat  = errors.New("needs a stat: a symbolic link, or not a plain open")
	errTooLarge   = errors.New("file too large")
)

// DirSource reads a work tree on disk. Make one with NewDirSource, which
// remembers the folders it has vetted; a literal DirSource vets a folder
// on every read.
type DirSource struct {
	Root string
	dirs *sync.Map // slash folder → dirVerdict
}

// NewDirSource reads the work tree at root.
func NewDirSource(root string) DirSource {
	return DirSource{Root: root, dirs: new(sync.Map)}
}

// dirVerdict is what vetting a folder found: nil when it stays inside the
// repository.
type dirVerdict struct{ err error }

// Name implements Source.
func (d DirSource) Name() string { return d.Root }

// List implements Source. Symbolic links are followed only when they stay
// inside the repository.
func (d DirSource) List() ([]string, []*Error, error) {
	root, err := filepath.Abs(d.Root)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve %s: %w", d.Root, err)
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	var records []string
	var problems []*Error
	top := filepath.Join(root, Dir)
	err = filepath.WalkDir(top, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == top {
				return fs.SkipAll
			}
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			return nil
		}
		if e.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				problems = append(problems, &Error{File: rel, Msg: "broken symbolic link"})
				return nil
			}
			if r, err := filepath.Rel(root, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
				problems = append(problems, &Error{File: rel, Msg: "symbolic link points outside the repository: records must be files in it"})
				return nil
			}
			if fi, err := os.Stat(target); err != nil || !fi.Mode().IsRegular() {
				problems = append(problems, &Error{File: rel, Msg: "symbolic link does not point at a regular file"})
				return nil
			}
		} else if !e.Type().IsRegular() {
			problems = append(problems, &Error{File: rel, Msg: "not a regular file"})
			return nil
		}
		isRecord, problem := Classify(rel)
		switch {
		case problem != "":
			problems = append(problems, &Error{File: rel, Msg: problem})
		case isRecord:
			records = append(records, rel)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", top, err)
	}
	return records, problems, nil
}

// Read implements Source, refusing files over MaxFileSize without reading
// them whole. Paths that List never vetted (validate --base, PATH
// arguments) reach Read too, so it refuses a symbolic link out of the
// repository itself: a pull request must not make CI print a runner's files.
func (d DirSource) Read(p string) ([]byte, error) {
	full := filepath.Join(d.Root, filepath.FromSlash(p))
	// The opens below look at the last part of the path only: a linked
	// folder on the way (exceptions/x -> /etc) is caught here.
	if err := d.vetDir(path.Dir(p)); err != nil {
		return nil, err
	}
	// Nearly every record is a regular file, which one open and fstat
	// settle; a link takes the checks below.
	data, size, err := readRegular(full)
	if !errors.Is(err, errNeedsStat) {
		return data, d.readError(p, size, err)
	}
	fi, err := os.Lstat(full)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if err := d.checkLink(p, full); err != nil {
			return nil, err
		}
		if fi, err = os.Stat(full); err != nil {
			return nil, err
		}
	}
	// Checked before opening: opening a named pipe would block.
	if !fi.Mode().IsRegular() {
		return nil, &Error{File: p, Msg: "not a regular file"}
	}
	if fi.Size() > MaxFileSize {
		return nil, tooLarge(p, fi.Size())
	}
	data, err = readFile(full, fi.Size())
	return data, d.readError(p, fi.Size(), err)
}

// readError says what went wrong reading p, nil when nothing did.
func (d DirSource) readError(p string, size int64, err error) error {
	var pe *fs.PathError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNotRegular):
		return &Error{File: p, Msg: "not a regular file"}
	case errors.Is(err, errTooLarge):
		return tooLarge(p, size)
	case errors.As(err, &pe) && pe.Op == "open":
		return err
	}
	return fmt.Errorf("read %s: %w", p, err)
}

// vetDir refuses a folder of the repository that resolves to a place
// outside it, once per folder when d remembers.
func (d DirSource) vetDir(dir string) error {
	if dir == "." || dir == "" {
		return nil
	}
	if d.dirs != nil {
		if v, ok := d.dirs.Load(dir); ok {
			return v.(dirVerdict).err
		}
	}
	err := d.checkLink(dir, filepath.Join(d.Root, filepath.FromSlash(dir)))
	var le *Error
	if errors.As(err, &le) {
		le.Msg = "folder is a symbolic link out of the repository: records must be files in it"
	}
	if d.dirs != nil && (err == nil || le != nil) {
		d.dirs.Store(dir, dirVerdict{err})
	}
	return err
}

// checkLink refuses a symbolic link whose target is outside the root.
func (d DirSource) checkLink(p, full string) error {
	root, err := filepath.Abs(d.Root)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", d.Root, err)
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	// Absolute first: EvalSymlinks keeps a relative path relative, which
	// no absolute root contains.
	abs, err := filepath.Abs(full)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", full, err)
	}
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return err // fs.ErrNotExist for a broken link, as for a missing file
	}
	if r, err := filepath.Rel(root, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return &Error{File: p, Msg: "symbolic link points outside the repository: records must be files in it"}
	}
	return nil
}

// TreeSource reads the files of one git revision.
type TreeSource struct {
	Repo *gitrepo.Repo
	Rev  string
	Tree *object.Tree
	// mu serialises the reads: go-git's trees cache their lookups in a
	// plain map and its object storage is not safe for concurrent use,
	// while the checks call Read from a worker per core.
	mu sync.Mutex
}

// NewTreeSource resolves rev in repo.
func NewTreeSource(repo *gitrepo.Repo, rev string) (*TreeSource, error) {
	t, err := repo.Tree(rev)
	if err != nil {
		return nil, err
	}
	return &TreeSource{Repo: repo, Rev: rev, Tree: t}, nil
}

// Name implements Source.
func (t *TreeSource) Name() string { return t.Rev }

// List implements Source. Links and submodules in a tree are never records.
func (t *TreeSource) List() ([]string, []*Error, error) {
	t.mu.Lock()
	entries, err := gitrepo.Files(t.Tree, Dir)
	t.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	var records []string
	var problems []*Error
	for _, e := range entries {
		if e.Mode == filemode.Symlink || e.Mode == filemode.Submodule {
			problems = append(problems, &Error{File: e.Path, Msg: fmt.Sprintf("not a regular file at %s: records must be files", t.Rev)})
			continue
		}
		isRecord, problem := Classify(e.Path)
		switch {
		case problem != "":
			problems = append(problems, &Error{File: e.Path, Msg: problem})
		case isRecord:
			records = append(records, e.Path)
		}
	}
	return records, problems, nil
}

// Read implements Source.
func (t *TreeSource) Read(p string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, err := t.Tree.File(p)
	if errors.Is(err, object.ErrFileNotFound) {
		return nil, fmt.Errorf("read %s at %s: %w", p, t.Rev, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", p, t.Rev, err)
	}
	if f.Size > MaxFileSize {
		return nil, tooLarge(p, f.Size)
	}
	return t.Repo.Blob(f.Hash)
}

func tooLarge(p string, size int64) error {
	return &Error{File: p, Msg: fmt.Sprintf("file is %d bytes; records are limited to %d", size, MaxFileSize)}
}
