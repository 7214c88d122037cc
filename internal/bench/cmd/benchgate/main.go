// Command benchgate is the gate part of `make bench`: a synthetic Trivy
// report of 100,000 findings against 10,000 exceptions, timed against the
// floor of decoding the report's JSON. See bench.RunGate.
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
	var cfg bench.GateConfig
	flag.StringVar(&cfg.Work, "work", ".bench/gate", "scratch `dir`ectory (replaced)")
	flag.IntVar(&cfg.Findings, "findings", 100000, "findings in the synthetic report")
	flag.IntVar(&cfg.Exceptions, "exceptions", 10000, "approved exceptions")
	flag.IntVar(&cfg.Runs, "runs", 3, "timed runs (median reported)")
	flag.StringVar(&cfg.Exctl, "exctl", "bin/exctl", "the exctl `binary`")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := bench.RunGate(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchgate:", err)
		stop()
		os.Exit(1)
	}
}
