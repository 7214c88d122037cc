// Command benchvalidate is `make bench`: it generates a corpus of exception
// records, times exctl validate on it against a bare yaml.v3 parse and the
// npm JSON Schema CLIs, and times the one-record --base case. See package
// bench.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/exctl/exctl/internal/bench"
)

func main() {
	var cfg bench.Config
	flag.StringVar(&cfg.Root, "root", ".", "the exctl module `dir`ectory")
	flag.StringVar(&cfg.Work, "work", ".bench", "scratch `dir`ectory for the corpus and binaries (replaced)")
	flag.IntVar(&cfg.N, "n", 10000, "records to generate")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "generator seed")
	flag.Float64Var(&cfg.InvalidRate, "invalid", 0.02, "fraction of records with a planted schema error")
	flag.IntVar(&cfg.Runs, "runs", 3, "timed runs per tool (median reported)")
	flag.IntVar(&cfg.BaseRuns, "base-runs", 10, "timed runs of each --base case")
	flag.StringVar(&cfg.Exctl, "exctl", "", "prebuilt exctl `binary` (default: build ./cmd/exctl)")
	flag.StringVar(&cfg.Peers, "peers", ".bench/peers", "npm `prefix` holding ajv-cli and @sourcemeta/jsonschema (see install-peers.sh)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := bench.Run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchvalidate:", err)
		stop()
		os.Exit(1)
	}
}
