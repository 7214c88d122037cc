// Package cli implements exctl's commands. Each command parses its flags
// into an options struct and runs; Run maps the outcome to the exit code.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/validate"
)

// Exit codes shared by every command.
const (
	ExitOK    = 0 // success, allowed, approved
	ExitNo    = 1 // a policy answer of no: findings, missing approvals, blocked
	ExitError = 2 // could not do the job: bad flags, unreadable input, API failure
)

// ErrNo is returned (wrapped) by a command whose answer is "no".
var ErrNo = errors.New("policy answer: no")

// errUsage marks bad flags or arguments.
var errUsage = errors.New("usage")

func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// env is what every command gets: output streams, the clock and the
// environment, injectable for tests.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	// github builds the GitHub client; nil means from GITHUB_API_URL and
	// GITHUB_TOKEN. Tests point it at a fake.
	github func(token string) (*githubapi.Client, error)
	// heap sizes the collector while records are parsed; nil leaves the
	// runtime alone, as a library caller expects.
	heap *heapBudget

	compileOnce sync.Once
	compiled    func() (*validate.Schemas, error) // see schemas
}

type command struct {
	name    string
	aliases []string
	summary string
	run     func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{name: "validate", summary: "check records against the schema, the policy and (with --base) the change rules", run: runValidate},
		{name: "list", aliases: []string{"status"}, summary: "show the exceptions, their effective state, risk and days to expiry", run: runList},
		{name: "new", summary: "write a new pending exception request", run: runNew},
		{name: "approvals", summary: "verify that a pull request's exceptions are approved by the required groups", run: runApprovals},
		{name: "codeowners", summary: "generate or check the CODEOWNERS block that maps exception types to approver teams", run: runCodeowners},
		{name: "export", summary: "write approved, unexpired exceptions as a Trivy, Grype or OpenVEX ignore file", run: runExport},
		{name: "gate", summary: "decide whether a deployment may proceed, from scanner reports and exceptions", run: runGate},
		{name: "expire", summary: "plan the expiry bot's run: records to expire and owners to remind (--dry-run)", run: runExpire},
	}
}

// Run executes exctl with args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	return e.run(args)
}

// Main is Run for the exctl process, which owns the runtime: it also sizes
// the garbage collector to the work (see GCFor).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	e.heap = &heapBudget{
		apply: func(percent int, limit int64) {
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
		},
		getenv: e.getenv,
		live:   liveHeap,
	}
	e.heap.begin()
	return e.run(args)
}

func (e *env) run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		code := ExitOK
		if len(args) == 0 {
			w, code = e.stderr, ExitError
		}
		e.usage(w)
		return code
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(e.stdout, "exctl", Version)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] || contains(c.aliases, args[0]) {
			return e.exit(c.name, c.run(e, args[1:]))
		}
	}
	fmt.Fprintf(e.stderr, "exctl: unknown command %q\n\n", args[0])
	e.usage(e.stderr)
	return ExitError
}

// Version is set at build time with -ldflags "-X ...cli.Version=…".
var Version = "dev"

func (e *env) usage(w io.Writer) {
	fmt.Fprintln(w, "exctl — security policy exceptions as code")
	fmt.Fprintln(w, "\nUsage: exctl <command> [flags]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		name := c.name
		if len(c.aliases) > 0 {
			name += " (" + strings.Join(c.aliases, ", ") + ")"
		}
		fmt.Fprintf(w, "  %-20s %s\n", name, c.summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 success or allowed, 1 a policy answer of no, 2 could not decide.")
	fmt.Fprintln(w, "Run 'exctl <command> --help' for a command's flags.")
}

// exit maps a command's outcome to the exit code, in one place.
func (e *env) exit(name string, err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, ErrNo):
		return ExitNo
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.stderr, "exctl %s: %s\n", name, printable(err, strings.TrimPrefix(err.Error(), errUsage.Error()+": ")))
		fmt.Fprintf(e.stderr, "Run 'exctl %s --help' for usage.\n", name)
		return ExitError
	default:
		fmt.Fprintf(e.stderr, "exctl %s: %s\n", name, printable(err, err.Error()))
		return ExitError
	}
}

// printable escapes an error's message as validate.Printable does, line
// breaks included, so that a value from a record or a report cannot start a
// line of its own. A list of findings keeps its lines (each finding is
// escaped already), and errors joined with errors.Join a line each.
func printable(err error, msg string) string {
	var fe *findingsError
	if errors.As(err, &fe) {
		lines := strings.Split(msg, "\n")
		for i, l := range lines {
			lines[i] = validate.Printable(l)
		}
		return strings.Join(lines, "\n")
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok && msg == err.Error() {
		var lines []string
		for _, e := range joined.Unwrap() {
			lines = append(lines, printable(e, e.Error()))
		}
		return strings.Join(lines, "\n")
	}
	return validate.Printable(msg)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// flagSet makes a flag set whose errors and help go to stderr and whose
// parse errors become usage errors.
func (e *env) flagSet(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("exctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: exctl %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

func (e *env) parse(fs *flag.FlagSet, args []string) error {
	// Allow flags after positional arguments, as users type them.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return err
	}
	// Given but empty, these are an unset variable in a CI script: taken
	// as not given, a check would quietly check something else.
	var empty error
	fs.Visit(func(f *flag.Flag) {
		// approvals' --repo is OWNER/NAME, taken from Actions when empty.
		if fs.Name() == "exctl approvals" && f.Name == "repo" {
			return
		}
		if empty == nil && contains(nonEmptyFlags, f.Name) && f.Value.String() == "" {
			empty = usageErrorf("--%s is empty: give a value (is the variable it comes from set?)", f.Name)
		}
	})
	return empty
}

// nonEmptyFlags are the flags an empty value cannot mean anything for, in
// every command that has them.
var nonEmptyFlags = []string{"base", "rev", "repo"}

// parseFlags is parse for a command that takes flags and no arguments.
func (e *env) parseFlags(fs *flag.FlagSet, args []string) error {
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// common are the flags most commands share.
type common struct {
	repo   string
	now    string
	format string
}

func (c *common) register(fs *flag.FlagSet, formats ...string) {
	fs.StringVar(&c.repo, "repo", ".", "repository `dir`ectory holding exceptions/")
	fs.StringVar(&c.now, "now", "", "evaluate at this RFC 3339 `time` instead of now (or EXCTL_NOW)")
	if len(formats) > 0 {
		fs.StringVar(&c.format, "format", formats[0], "output `format`: "+strings.Join(formats, "|"))
	}
}

func (c *common) checkFormat(formats ...string) error {
	if !contains(formats, c.format) {
		return usageErrorf("unknown --format %q (want %s)", c.format, strings.Join(formats, "|"))
	}
	return nil
}

// clock returns the evaluation instant: --now, EXCTL_NOW, or the clock.
func (c *common) clock(e *env) (time.Time, error) {
	s := c.now
	if s == "" {
		s = e.getenv("EXCTL_NOW")
	}
	if s == "" {
		return e.now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || !rfc3339Offset(s) {
		return time.Time{}, usageErrorf("--now %q: want an RFC 3339 time such as 2026-04-06T12:00:00Z", s)
	}
	return t, nil
}

// rfc3339Offset reports whether s ends in Z or an offset of at most 23:59:
// time.Parse takes +24:00 (a time JSON cannot write back) and +14:60.
func rfc3339Offset(s string) bool {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return true
	}
	if len(s) < 6 {
		return false
	}
	off := s[len(s)-6:]
	hh, err1 := strconv.Atoi(off[1:3])
	mm, err2 := strconv.Atoi(off[4:6])
	return (off[0] == '+' || off[0] == '-') && off[3] == ':' && err1 == nil && err2 == nil && hh <= 23 && mm <= 59
}
