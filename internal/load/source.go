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
	// Layout is nil when the exceptions folder is a folder or absent, and
	// says what it is otherwise: then nothing in it can be read.
	Layout() *Error
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
	errNotRegular      = errors.New("not a regular file") // by the time it is opened
	errNeedsStat       = errors.New("needs a stat: a symbolic link, or not a plain open")
	errTooLarge        = errors.New("file too large")
	errSwapped         = errors.New("replaced by a symbolic link while being read")
	errNoRecordsFolder = errors.New("no records folder")
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

// dirVerdict is what vetting a folder found: nil when neither it nor a
// folder above it is a link.
type dirVerdict struct{ err error }

// Name implements Source.
func (d DirSource) Name() string { return d.Root }

// The answers for links and for an exceptions folder that is not one. A
// record that is a link is refused wherever it points: git keeps the link,
// not the record, so a change to what it points at (outside exceptions/)
// would reach the gate without a change to the record.
const (
	msgLink       = "symbolic link: records must be files in the repository, not links"
	msgLinkFolder = "folder is a symbolic link: records must be files in the repository, not behind links"
	msgLinkTop    = "the exceptions folder is a symbolic link: it must be a folder in the repository"
	msgFileTop    = "the exceptions folder is a file: it must be a folder in the repository"
)

// List implements Source. Symbolic links are never followed.
func (d DirSource) List() ([]string, []*Error, error) {
	root, err := filepath.Abs(d.Root)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve %s: %w", d.Root, err)
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, nil, fmt.Errorf("repository %s is not a folder", d.Root)
	}
	var records []string
	var problems []*Error
	top := filepath.Join(root, Dir)
	err = filepath.WalkDir(top, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == top {
				return errNoRecordsFolder
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
		switch {
		case p == top && e.Type()&fs.ModeSymlink != 0:
			problems = append(problems, &Error{File: rel, Msg: msgLinkTop})
			return nil
		case p == top:
			problems = append(problems, &Error{File: rel, Msg: msgFileTop})
			return nil
		case e.Type()&fs.ModeSymlink != 0:
			problems = append(problems, &Error{File: rel, Msg: msgLink})
			return nil
		case !e.Type().IsRegular():
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
	if errors.Is(err, errNoRecordsFolder) {
		// A checkout of the wrong repository, or of the wrong folder, must
		// not pass as a repository with nothing to check or expire.
		return nil, nil, fmt.Errorf("%s has no %s folder: not a repository of exceptions (exctl new creates it)", d.Root, Dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", top, err)
	}
	return records, problems, nil
}

// Read implements Source, refusing files over MaxFileSize without reading
// them whole. Paths that List never vetted (validate --base, PATH
// arguments) reach Read too, so it refuses a symbolic link itself, and a
// linked folder on the way: a pull request must not make CI read or print
// what a link points at.
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
		return nil, &Error{File: p, Msg: msgLink}
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
	case errors.Is(err, errSwapped):
		return &Error{File: p, Msg: msgLink}
	case errors.As(err, &pe) && pe.Op == "open":
		return err
	}
	return fmt.Errorf("read %s: %w", p, err)
}

// LinkError is the problem of a record path that is a symbolic link.
func LinkError(p string) *Error { return &Error{File: p, Msg: msgLink} }

// Lstat describes the file at p without following a link at p or in the
// folders on the way, which it refuses as Read does.
func (d DirSource) Lstat(p string) (fs.FileInfo, error) {
	if err := d.vetDir(path.Dir(p)); err != nil {
		return nil, err
	}
	return os.Lstat(filepath.Join(d.Root, filepath.FromSlash(p)))
}

// Layout is what the exceptions folder itself is in the work tree: nil
// when it is a folder or absent, a problem otherwise.
func (d DirSource) Layout() *Error {
	var le *Error
	if err := d.vetDir(Dir); errors.As(err, &le) {
		return le
	}
	return nil
}

// vetDir refuses a folder of the repository that is, or lies below, a
// symbolic link, once per folder when d remembers. A missing folder is
// not refused: what is read in it is missing too.
func (d DirSource) vetDir(dir string) error {
	if dir == "." || dir == "" {
		return nil
	}
	if d.dirs != nil {
		if v, ok := d.dirs.Load(dir); ok {
			return v.(dirVerdict).err
		}
	}
	err := d.vetDir(path.Dir(dir))
	if err == nil {
		fi, lerr := os.Lstat(filepath.Join(d.Root, filepath.FromSlash(dir)))
		switch {
		case lerr != nil && !errors.Is(lerr, fs.ErrNotExist):
			err = lerr
		case lerr != nil:
		case fi.Mode()&fs.ModeSymlink != 0 && dir == Dir:
			err = &Error{File: dir, Msg: msgLinkTop}
		case fi.Mode()&fs.ModeSymlink != 0:
			err = &Error{File: dir, Msg: msgLinkFolder}
		case !fi.IsDir() && dir == Dir:
			err = &Error{File: dir, Msg: msgFileTop}
		}
	}
	var le *Error
	if d.dirs != nil && (err == nil || errors.As(err, &le)) {
		d.dirs.Store(dir, dirVerdict{err})
	}
	return err
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

// HasDir reports whether the revision has an exceptions entry.
func (t *TreeSource) HasDir() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.Tree.FindEntry(Dir)
	return err == nil
}

// List implements Source. Links and submodules in a tree are never records.
func (t *TreeSource) List() ([]string, []*Error, error) {
	if le := t.Layout(); le != nil {
		return nil, []*Error{le}, nil
	}
	if !t.HasDir() {
		return nil, nil, fmt.Errorf("%s has no %s folder: not a revision of a repository of exceptions", t.Rev, Dir)
	}
	t.mu.Lock()
	entries, err := gitrepo.Files(t.Tree, Dir)
	t.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	var records []string
	var problems []*Error
	for _, e := range entries {
		if e.Unsafe {
			problems = append(problems, &Error{File: e.Path, Msg: fmt.Sprintf("a name no checkout can hold (a control character, \".\" or \"..\") at %s", t.Rev)})
			continue
		}
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
	if f.Mode == filemode.Symlink || f.Mode == filemode.Submodule {
		return nil, &Error{File: p, Msg: fmt.Sprintf("not a regular file at %s: records must be files", t.Rev)}
	}
	if f.Size > MaxFileSize {
		return nil, tooLarge(p, f.Size)
	}
	return t.Repo.Blob(f.Hash)
}

// topProblem says what is wrong with an exceptions folder of mode m.
func (t *TreeSource) topProblem(m filemode.FileMode) string {
	what := "a file"
	switch m {
	case filemode.Symlink:
		what = "a symbolic link"
	case filemode.Submodule:
		what = "a submodule"
	}
	return fmt.Sprintf("the exceptions folder is %s at %s: it must be a folder in the repository", what, t.Rev)
}

// Layout is what the exceptions folder itself is at the revision: nil when
// it is a folder or absent, a problem otherwise.
func (t *TreeSource) Layout() *Error {
	t.mu.Lock()
	top, err := t.Tree.FindEntry(Dir)
	t.mu.Unlock()
	if err != nil || top.Mode == filemode.Dir {
		return nil
	}
	return &Error{File: Dir, Msg: t.topProblem(top.Mode)}
}

func tooLarge(p string, size int64) error {
	return &Error{File: p, Msg: fmt.Sprintf("file is %d bytes; records are limited to %d", size, MaxFileSize)}
}
