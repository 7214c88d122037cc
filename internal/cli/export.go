package cli

import (
	"bytes"
	"fmt"
	"os"

	"github.com/exctl/exctl/internal/export"
	"github.com/exctl/exctl/internal/load"
)

type exportOptions struct {
	common
	app, env string
	out      string
	author   string
}

func runExport(e *env, args []string) error {
	var o exportOptions
	fs := e.flagSet("export", "trivyignore|grype|openvex [--app A] [--env E] [--out FILE]",
		`Writes approved, unexpired vulnerability_scan exceptions in a scanner's own
format, so that the scanner honours exactly what was approved:

  trivyignore  .trivyignore.yaml with expired_at, so Trivy stops ignoring on
               time. Trivy expires an entry at the start of that day in UTC;
               exctl writes the UTC day on which the exception ends, rounded
               down, so Trivy never honours an exception longer than exctl.
  grype        .grype.yaml ignore rules. Grype has no expiry, so only what is
               valid at --now is written: regenerate it at least daily.
  openvex      OpenVEX not_affected statements, only for exceptions that carry
               vex_justification. A risk acceptance is not "not affected".

Exceptions scoped to applications or environments are exported only for the
--app/--env given. What is left out is listed on stderr.`)
	o.register(fs)
	fs.StringVar(&o.app, "app", "", "export for this `application` (includes exceptions scoped to it)")
	fs.StringVar(&o.env, "env", "", "export for this `environment` (includes exceptions scoped to it)")
	fs.StringVar(&o.out, "out", "", "write to this `file` instead of standard output")
	fs.StringVar(&o.author, "author", "exctl", "openvex: the document's author")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("want one format: trivyignore, grype or openvex")
	}
	format := fs.Arg(0)
	if !contains([]string{"trivyignore", "grype", "openvex"}, format) {
		return usageErrorf("unknown export %q: want trivyignore, grype or openvex", format)
	}
	now, err := o.clock(e)
	if err != nil {
		return err
	}
	l, err := e.loadAll(load.NewDirSource(o.repo), now)
	if err != nil {
		return err
	}
	xs, err := validExceptions(e, l)
	if err != nil {
		return err
	}
	opts := export.Options{Now: now, Location: l.policy.Location, Application: o.app, Environment: o.env}
	var buf bytes.Buffer
	var skipped []export.Skipped
	switch format {
	case "trivyignore":
		skipped, err = export.Trivy(&buf, xs, opts)
	case "grype":
		skipped, err = export.Grype(&buf, xs, opts)
	case "openvex":
		skipped, err = export.OpenVEX(&buf, xs, opts, o.author)
	}
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "skipped %s: %s\n", s.ExceptionID, s.Reason)
	}
	if o.out == "" {
		_, err = e.stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(o.out, buf.Bytes(), 0o644)
}
