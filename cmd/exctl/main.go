// Command exctl manages security policy exceptions as code.
package main

import (
	"context"
	"os"
	"os/signal"
	_ "time/tzdata" // policy time zones must resolve on machines without zoneinfo

	"github.com/exctl/exctl/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
