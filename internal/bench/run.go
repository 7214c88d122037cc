package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/exctl/exctl/internal/cli"
	"github.com/exctl/exctl/schemas"
)

// Config is one benchmark run.
type Config struct {
	Root        string // the exctl module: builds the binaries, supplies the policy
	Work        string // scratch directory for the corpus and the binaries
	N           int
	Seed        uint64
	InvalidRate float64
	Runs        int    // timed runs per tool, after one warm-up
	BaseRuns    int    // timed runs of each --base case
	Exctl       string // a prebuilt exctl; empty builds one
	Peers       string // npm prefix holding ajv-cli and @sourcemeta/jsonschema; empty skips them
}

// Targets are the issue's performance targets. IssueFloor is the bare
// two-core parse the issue measured when it set Wall.
var Targets = struct {
	Wall       time.Duration
	FloorRatio float64
	RSS        int64
	Base       time.Duration
	IssueFloor time.Duration
}{600 * time.Millisecond, 1.3, 50 << 20, 100 * time.Millisecond, 530 * time.Millisecond}

// Row is one tool's line in the table.
type Row struct {
	Tool   string
	Timing Timing
	Agree  *Agreement // nil for the floor, which does not validate
	Note   string
}

// Run generates the corpus, times every tool on it, compares what they
// found, times the --base case and prints the report to w. Progress goes
// to log.
func Run(ctx context.Context, cfg Config, w, log io.Writer) error {
	if cfg.Runs < 1 || cfg.BaseRuns < 1 {
		return errors.New("bench: runs must be at least 1")
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return err
	}
	work, err := filepath.Abs(cfg.Work)
	if err != nil {
		return err
	}
	policy, err := os.ReadFile(filepath.Join(root, "exceptions", "policy.yaml"))
	if err != nil {
		return fmt.Errorf("read the bundled policy: %w", err)
	}
	load := loadAverage()
	corpusDir := filepath.Join(work, "corpus")
	if err := os.RemoveAll(corpusDir); err != nil {
		return err
	}
	fmt.Fprintf(log, "generating %d records in %s\n", cfg.N, corpusDir)
	c, err := Generate(corpusDir, GenOptions{N: cfg.N, Seed: cfg.Seed, InvalidRate: cfg.InvalidRate, Policy: policy})
	if err != nil {
		return err
	}
	schemaPath := filepath.Join(work, "exception.schema.json")
	data, err := schemas.FS.ReadFile(schemas.Exception)
	if err != nil {
		return err
	}
	if err := os.WriteFile(schemaPath, data, 0o644); err != nil {
		return err
	}

	bin := filepath.Join(work, "bin")
	exctl := cfg.Exctl
	if exctl == "" {
		exctl = filepath.Join(bin, "exctl")
		if err := goBuild(ctx, root, exctl, "./cmd/exctl", log); err != nil {
			return err
		}
	} else if exctl, err = filepath.Abs(exctl); err != nil {
		return err
	}
	floor := filepath.Join(bin, "yamlfloor")
	if err := goBuild(ctx, root, floor, "./internal/bench/cmd/yamlfloor", log); err != nil {
		return err
	}
	// exctl is built with the profile in cmd/exctl (profile-guided
	// optimisation), which also speeds up yaml.v3's code in it: the
	// floor built with the same profile shows how much.
	pgoFloor := filepath.Join(bin, "yamlfloor-pgo")
	if err := goBuild(ctx, root, pgoFloor, "./internal/bench/cmd/yamlfloor", log, "-pgo="+filepath.Join(root, "cmd", "exctl", "default.pgo")); err != nil {
		return err
	}

	now := Now.Format(time.RFC3339)
	type tool struct {
		cmd   Command
		parse func(Output) (map[string]bool, error) // nil for the floor
		note  string
	}
	tools := []tool{
		{cmd: Command{Name: "yaml.v3 parse (floor)", Args: []string{floor, "exceptions"}, Dir: corpusDir, Exits: []int{0}}},
		// The same parse built and run as exctl is (its profile, and the
		// collector settings it gives itself for this many records): what
		// is left between the two rows is exctl's own work.
		{cmd: Command{Name: "yaml.v3 parse, exctl's build and GC", Args: []string{pgoFloor, "exceptions"}, Dir: corpusDir, Exits: []int{0},
			Env: gcEnv(len(c.Records))}},
		{cmd: Command{Name: "exctl validate", Args: []string{exctl, "validate", "--repo", ".", "--format", "json", "--now", now}, Dir: corpusDir, Exits: []int{0, 1}},
			parse: func(o Output) (map[string]bool, error) { return ExctlInvalid(o.Stdout) }},
	}
	// The tools run in the corpus, so their paths must not be relative.
	prefix := cfg.Peers
	if prefix != "" {
		if prefix, err = filepath.Abs(prefix); err != nil {
			return err
		}
	}
	peers, missing := findPeers(prefix)
	for _, p := range peers {
		tools = append(tools, tool{cmd: p.command(schemaPath, corpusDir), note: p.note,
			parse: func(o Output) (map[string]bool, error) { return p.invalid(o, corpusDir) }})
	}
	cmds := make([]Command, len(tools))
	var commands []string
	for i, t := range tools {
		cmds[i] = t.cmd
		commands = append(commands, fmt.Sprintf("%-24s (cd %s && %s)", t.cmd.Name, t.cmd.Dir, shellJoin(append(slices.Clone(t.cmd.Env), t.cmd.Args...))))
	}
	fmt.Fprintf(log, "timing %d tools, %d rounds after a warm-up\n", len(cmds), cfg.Runs)
	timings, outs, err := MeasureAll(ctx, cmds, cfg.Runs)
	if err != nil {
		return err
	}
	rows := make([]Row, len(tools))
	for i, t := range tools {
		rows[i] = Row{Tool: t.cmd.Name, Timing: timings[i], Note: t.note}
		if t.parse == nil {
			continue
		}
		found, err := t.parse(outs[i])
		if err != nil {
			return err
		}
		a := Compare(c, found)
		rows[i].Agree = &a
	}

	fmt.Fprintln(log, "timing exctl validate --base")
	base, err := measureBase(ctx, c, exctl, cfg.BaseRuns)
	if err != nil {
		return err
	}
	writeReport(w, reportData{corpus: c, rows: rows, base: base, commands: commands, missing: missing, runs: cfg.Runs, load: load})
	return nil
}

func goBuild(ctx context.Context, root, out, pkg string, log io.Writer, flags ...string) error {
	fmt.Fprintf(log, "building %s %s\n", pkg, strings.Join(flags, " "))
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build", "-o", out}, flags...), pkg)...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", pkg, err)
	}
	return nil
}

// peer is a JSON Schema CLI from npm.
type peer struct {
	command func(schema, corpus string) Command
	invalid func(o Output, corpus string) (map[string]bool, error)
	note    string
}

// findPeers looks for the peers under an npm prefix and says which are
// missing.
func findPeers(prefix string) (found []peer, missing []string) {
	if prefix == "" {
		return nil, []string{"ajv-cli", "@sourcemeta/jsonschema"}
	}
	modules := filepath.Join(prefix, "node_modules")
	ajv := filepath.Join(modules, ".bin", "ajv")
	if exists(ajv) && exists(filepath.Join(modules, "ajv-formats")) {
		found = append(found, peer{
			command: func(schema, corpus string) Command {
				// ajv-cli reads .yaml data files with js-yaml; ajv-formats
				// asserts the formats, as exctl does. Union types
				// (gate.threshold: number or string) are standard 2020-12;
				// allowing them only silences ajv's strict-mode log.
				return Command{Name: "ajv-cli " + npmVersion(modules, "ajv-cli"), Dir: corpus, Exits: []int{0, 1},
					Args: []string{ajv, "validate", "--spec=draft2020", "-c", "ajv-formats", "--allow-union-types", "--errors=line",
						"-s", schema, "-d", "exceptions/*/*.yaml"}}
			},
			invalid: func(o Output, corpus string) (map[string]bool, error) {
				if n := strings.Count(string(o.Stdout), " valid\n") + strings.Count(string(o.Stderr), " invalid\n"); n == 0 {
					return nil, fmt.Errorf("ajv-cli validated no file: %s", firstLines(o.Stderr, 3))
				}
				return AjvInvalid(o.Stderr, corpus), nil
			},
			note: "stops at the first error in each file",
		})
	} else {
		missing = append(missing, "ajv-cli")
	}
	js := filepath.Join(modules, ".bin", "jsonschema")
	if exists(js) {
		name := "@sourcemeta/jsonschema " + npmVersion(modules, "@sourcemeta/jsonschema")
		found = append(found, peer{
			command: func(schema, corpus string) Command {
				// -F asserts formats (uuid, date, date-time, email) as exctl
				// does; --continue reports every failing file, not the first.
				// The record folders rather than exceptions/ keep policy.yaml,
				// which is not a record, out of its input (ajv's glob does too).
				args := []string{js, "validate", schema}
				for _, t := range typeMix {
					args = append(args, "exceptions/"+t.name)
				}
				args = append(args, "--extension", ".yaml", "--format-assertion", "--continue")
				return Command{Name: name, Dir: corpus, Exits: []int{0, 2}, Args: args}
			},
			invalid: func(o Output, corpus string) (map[string]bool, error) {
				return JSONSchemaInvalid(append(o.Stdout, o.Stderr...), corpus), nil
			},
			note: "the npm wrapper starts the native binary",
		})
	} else {
		missing = append(missing, "@sourcemeta/jsonschema")
	}
	return found, missing
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func npmVersion(modules, pkg string) string {
	data, err := os.ReadFile(filepath.Join(modules, filepath.FromSlash(pkg), "package.json"))
	if err != nil {
		return ""
	}
	var meta struct{ Version string }
	if json.Unmarshal(data, &meta) != nil {
		return ""
	}
	return meta.Version
}

func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " *?'\"$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// cpus is how many cores the tools may use.
func cpus() int { return runtime.NumCPU() }

// gcEnv is the environment that gives a process the collector settings
// exctl chooses for n records.
func gcEnv(n int) []string {
	percent, limit, ok := cli.GCFor(n, cli.ValidateKept, func(string) string { return "" })
	if !ok {
		return nil
	}
	return []string{fmt.Sprintf("GOGC=%d", percent), fmt.Sprintf("GOMEMLIMIT=%d", limit)}
}
