package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// Command is one process to time.
type Command struct {
	Name  string   // the tool, for the table
	Args  []string // argv; Args[0] is the program
	Dir   string   // working directory
	Exits []int    // exit codes that mean the tool did its job
	Env   []string // added to the environment, KEY=value
}

// Output is what one run of a command printed.
type Output struct {
	Stdout, Stderr []byte
	Exit           int
}

// Sample is one timed run.
type Sample struct {
	Wall time.Duration
	CPU  time.Duration // user + system, of the process and its children
	RSS  int64         // peak resident set in bytes, the largest of the process tree
}

// Timing is the median of several runs.
type Timing struct {
	Samples []Sample
	Wall    time.Duration
	CPU     time.Duration
	RSS     int64
}

// RunOnce starts c, waits for it and reads its resource use from wait4:
// Maxrss there is the peak of the process and of the children it waited
// for, so a Node wrapper that spawns a native binary is measured whole.
func RunOnce(ctx context.Context, c Command) (Sample, Output, error) {
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	out := Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return Sample{}, out, fmt.Errorf("run %s: %w", c.Name, err)
	}
	out.Exit = cmd.ProcessState.ExitCode()
	if len(c.Exits) > 0 && !slices.Contains(c.Exits, out.Exit) {
		return Sample{}, out, fmt.Errorf("run %s: exit %d, want one of %v: %s", c.Name, out.Exit, c.Exits, firstLines(out.Stderr, 5))
	}
	s := Sample{Wall: wall, CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.RSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return s, out, nil
}

// Measure runs c once to warm the page cache and the binary, then runs
// times more and returns the medians; the output is the warm-up's, since
// every run prints the same.
func Measure(ctx context.Context, c Command, runs int) (Timing, Output, error) {
	ts, outs, err := MeasureAll(ctx, []Command{c}, runs)
	if err != nil {
		return Timing{}, Output{}, err
	}
	return ts[0], outs[0], nil
}

// MeasureAll is Measure for several commands, run in rounds (each command
// once per round) rather than one after another: a machine whose speed
// drifts, because of other work or of its own clock, then slows every
// command alike and the ratios between them hold.
func MeasureAll(ctx context.Context, cmds []Command, runs int) ([]Timing, []Output, error) {
	timings := make([]Timing, len(cmds))
	outs := make([]Output, len(cmds))
	for round := range runs + 1 {
		for i, c := range cmds {
			s, out, err := RunOnce(ctx, c)
			if err != nil {
				return nil, nil, err
			}
			if round == 0 {
				outs[i] = out // the warm-up
				continue
			}
			timings[i].Samples = append(timings[i].Samples, s)
		}
	}
	for i := range timings {
		t := &timings[i]
		t.Wall = median(t.Samples, func(s Sample) time.Duration { return s.Wall })
		t.CPU = median(t.Samples, func(s Sample) time.Duration { return s.CPU })
		t.RSS = median(t.Samples, func(s Sample) int64 { return s.RSS })
	}
	return timings, outs, nil
}

func median[T any, N ~int64](xs []T, key func(T) N) N {
	if len(xs) == 0 {
		return 0
	}
	ks := make([]N, len(xs))
	for i, x := range xs {
		ks[i] = key(x)
	}
	slices.Sort(ks)
	if len(ks)%2 == 1 {
		return ks[len(ks)/2]
	}
	return (ks[len(ks)/2-1] + ks[len(ks)/2]) / 2
}

func firstLines(b []byte, n int) string {
	lines := bytes.SplitN(bytes.TrimSpace(b), []byte("\n"), n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return string(bytes.Join(lines, []byte("; ")))
}
