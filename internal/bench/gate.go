package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/gate"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/scan"
)

// GateConfig sizes the gate benchmark.
type GateConfig struct {
	Work       string // scratch directory (replaced)
	Findings   int    // findings in the synthetic Trivy report
	Exceptions int    // approved vulnerability_scan exceptions
	Runs       int
	Exctl      string // the exctl binary, for the end-to-end run
}

// gateSeverities cycles so that half of the findings block.
var gateSeverities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}

// benchImageID is the image the report scanned and the intent deploys.
const benchImageID = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// writeTrivyReport writes a Trivy JSON report (schema 2) with n findings
// over 100 results, each a distinct CVE in one of n/20 packages.
func writeTrivyReport(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprint(w, `{"SchemaVersion":2,"CreatedAt":"2026-11-29T12:00:00Z","ArtifactName":"bench:latest","ArtifactType":"container_image","Metadata":{"ImageID":"`+benchImageID+`"},"Results":[`)
	perResult := max(n/100, 1)
	for i := 0; i < n; i++ {
		if i%perResult == 0 {
			if i > 0 {
				fmt.Fprint(w, `]},`)
			}
			fmt.Fprintf(w, `{"Target":"layer-%d","Class":"lang-pkgs","Type":"npm","Vulnerabilities":[`, i/perResult)
		} else {
			fmt.Fprint(w, ",")
		}
		pkg := i % max(n/20, 1)
		fmt.Fprintf(w, `{"VulnerabilityID":"CVE-2025-%06d","PkgName":"pkg-%d","PkgIdentifier":{"PURL":"pkg:npm/pkg-%d@1.%d.0"},"InstalledVersion":"1.%d.0","FixedVersion":"1.%d.1","Status":"fixed","Severity":"%s","Title":"Synthetic vulnerability %d","Description":"A synthetic finding for the gate benchmark, long enough to look like a real description of a real problem.","References":["https://example.com/CVE-2025-%06d"]}`,
			i, pkg, pkg, pkg%10, pkg%10, pkg%10, gateSeverities[i%len(gateSeverities)], i, i)
	}
	fmt.Fprint(w, `]}]}`)
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// gateExceptions returns m approved exceptions; exception k covers the
// findings 10k … 10k+4 (five CVEs in their packages).
func gateExceptions(m, n int) []*exception.Exception {
	out := make([]*exception.Exception, 0, m)
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	approval := exception.Date{Year: 2026, Month: 11, Day: 2}
	for k := 0; k < m; k++ {
		x := &exception.Exception{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", k), Type: exception.VulnerabilityScan, Status: exception.Approved,
			RequestedBy: "dev@example.com", ApprovedBy: []string{"sec"}, ApprovalDate: &approval, CreatedAt: created,
			ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 29},
			Controls:   []exception.Control{{ID: "net", Specific: "s", Measurable: "m", Enforceable: "e"}},
		}
		for j := 0; j < 5; j++ {
			i := (10*k + j) % max(n, 1)
			pkg := i % max(n/20, 1)
			x.Vulnerabilities = append(x.Vulnerabilities, exception.Vulnerability{CVE: fmt.Sprintf("CVE-2025-%06d", i), Severity: "High", Component: fmt.Sprintf("pkg-%d", pkg), PURL: fmt.Sprintf("pkg:npm/pkg-%d", pkg)})
		}
		out = append(out, x)
	}
	return out
}

// writeGateRecords writes the exceptions as records of a repository.
func writeGateRecords(dir string, xs []*exception.Exception) error {
	folder := filepath.Join(dir, "exceptions", "vulnerability_scan")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return err
	}
	for _, x := range xs {
		var b bytes.Buffer
		fmt.Fprintf(&b, "exception_id: %s\ntype: vulnerability_scan\nstatus: approved\njustification: Synthetic exception for the gate benchmark.\nrequested_by: dev@example.com\nvulnerabilities:\n", x.ID)
		for _, v := range x.Vulnerabilities {
			fmt.Fprintf(&b, "  - {cve: %s, severity: High, component: %s, purl: %q}\n", v.CVE, v.Component, v.PURL)
		}
		fmt.Fprint(&b, "compensating_controls:\n  - {id: net, specific: Isolated network, measurable: Flow logs, enforceable: Firewall}\nrisk: {exposure: internal}\nscope: {environments: [staging]}\n")
		fmt.Fprint(&b, "expiry_date: 2027-01-29\napproved_by: sec\napproval_date: 2026-11-02\ncreated_at: 2026-11-01T00:00:00Z\n")
		if err := os.WriteFile(filepath.Join(folder, x.ID+".yaml"), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// RunGate measures exctl's gate on a synthetic report against the floor of
// decoding the same report's JSON, and the whole command end to end.
func RunGate(ctx context.Context, cfg GateConfig, out io.Writer) error {
	if err := os.RemoveAll(cfg.Work); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Work, 0o755); err != nil {
		return err
	}
	report := filepath.Join(cfg.Work, "trivy.json")
	if err := writeTrivyReport(report, cfg.Findings); err != nil {
		return err
	}
	fi, err := os.Stat(report)
	if err != nil {
		return err
	}
	xs := gateExceptions(cfg.Exceptions, cfg.Findings)
	pol := policy.Default()
	intent := &gate.Intent{ID: "bench", Application: "bench", Environment: "staging"}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

	floor := medianDuration(cfg.Runs, func() error {
		f, err := os.Open(report)
		if err != nil {
			return err
		}
		defer f.Close()
		var v any
		return json.NewDecoder(bufio.NewReader(f)).Decode(&v)
	})
	var d *gate.Decision
	decide := medianDuration(cfg.Runs, func() error {
		rep, err := scan.ReadFile(report)
		if err != nil {
			return err
		}
		d = gate.Decide(gate.Input{Intent: intent, Findings: rep.Findings, Suppressed: rep.Suppressed, Exceptions: xs, Policy: pol, Now: now})
		return nil
	})
	if d == nil {
		return fmt.Errorf("gate benchmark: no decision")
	}
	covered := len(d.Needs) - len(d.Blocked())

	// End to end: the records on disk, the report, the binary.
	repo := filepath.Join(cfg.Work, "repo")
	if err := writeGateRecords(repo, xs); err != nil {
		return err
	}
	intentPath := filepath.Join(cfg.Work, "intent.yaml")
	if err := os.WriteFile(intentPath, []byte("intent_id: bench\napplication: bench\nversion: '1'\nenvironment: staging\n"+
		"artifacts: [{name: bench, digest: '"+benchImageID+"', signed: true}]\n"), 0o644); err != nil {
		return err
	}
	cmd := Command{Name: "exctl gate", Args: []string{cfg.Exctl, "gate", "--repo", repo, "--intent", intentPath, "--scan", report, "--now", now.Format(time.RFC3339), "--format", "json"}, Exits: []int{0, 1}}
	e2e, _, err := Measure(ctx, cmd, cfg.Runs)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== exctl gate: %d findings (%.0f MB Trivy report) against %d exceptions, %d core(s)\n", cfg.Findings, float64(fi.Size())/1e6, cfg.Exceptions, runtime.GOMAXPROCS(0))
	fmt.Fprintf(out, "%-44s %10s %8s\n", "what", "wall", "ratio")
	fmt.Fprintf(out, "%-44s %10s %8s\n", "floor: encoding/json decode of the report", gateMS(floor), "1.00×")
	fmt.Fprintf(out, "%-44s %10s %7.2f×\n", "read report + decide (in process)", gateMS(decide), float64(decide)/float64(floor))
	fmt.Fprintf(out, "%-44s %10s %7.2f×   peak RSS %d MB\n", "exctl gate end to end (+ 10,000 records)", gateMS(e2e.Wall), float64(e2e.Wall)/float64(floor), e2e.RSS>>20)
	fmt.Fprintf(out, "decision: %d needs, %d covered, %d blocked (targets: decide < 1 s, ≤ 3× the floor, RSS < 500 MB)\n", len(d.Needs), covered, len(d.Blocked()))
	return nil
}

func medianDuration(runs int, f func() error) time.Duration {
	var ds []time.Duration
	for range max(runs, 1) {
		runtime.GC()
		start := time.Now()
		if err := f(); err != nil {
			return -1
		}
		ds = append(ds, time.Since(start))
	}
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			if ds[j] < ds[i] {
				ds[i], ds[j] = ds[j], ds[i]
			}
		}
	}
	return ds[len(ds)/2]
}

func gateMS(d time.Duration) string {
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}
