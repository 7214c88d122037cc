// Package scantest writes synthetic scanner reports for tests and
// benchmarks that need reports larger than any real one in testdata.
package scantest

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// TrivyVuln describes vulnerability i of a synthetic report, so that a test
// can build exceptions that match (or miss) chosen findings.
type TrivyVuln struct {
	ID       string // CVE-2020-10000 …
	Package  string // pkg-0 … pkg-4999: packages repeat, as in a real image
	Version  string
	PURL     string
	Severity string // Trivy's spelling: CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
	Target   string
}

// trivySeverities cycles so that a fifth of the findings has each rating.
var trivySeverities = [...]string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}

// VulnsPerResult is how many vulnerabilities each Result of a synthetic
// report holds; a real image scan has one large os-pkgs Result.
const VulnsPerResult = 10000

// TrivyAt returns vulnerability i of every synthetic Trivy report.
func TrivyAt(i int) TrivyVuln {
	pkg := fmt.Sprintf("pkg-%d", i%5000)
	version := fmt.Sprintf("1.%d.%d", i%97, i%13)
	return TrivyVuln{
		ID:       fmt.Sprintf("CVE-%d-%d", 2020+i%5, 10000+i),
		Package:  pkg,
		Version:  version,
		PURL:     fmt.Sprintf("pkg:deb/debian/%s@%s?arch=amd64&distro=debian-12.5", pkg, version),
		Severity: trivySeverities[i%len(trivySeverities)],
		Target:   fmt.Sprintf("registry.example.com/app:%d (debian 12.5)", i/VulnsPerResult),
	}
}

// description pads each vulnerability to the size of a real one (about
// 2 KB with references and CVSS data), so that a report of n findings has
// the byte size a real report of n findings would have.
var description = strings.Repeat("A flaw was found in the parser where a crafted input leads to an out-of-bounds read. ", 7)

// ImageID is the image ID of the report WriteTrivy writes: a deployment
// intent deploys that image by listing it as an artifact's digest.
const ImageID = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// WriteTrivy writes a Trivy JSON report (SchemaVersion 2) with n
// vulnerabilities as TrivyAt describes them. It returns the bytes written.
func WriteTrivy(w io.Writer, n int) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	fmt.Fprint(bw, `{
  "SchemaVersion": 2,
  "CreatedAt": "2026-01-02T03:04:05Z",
  "ArtifactName": "registry.example.com/app:1.0.0",
  "ArtifactType": "container_image",
  "Metadata": {"OS": {"Family": "debian", "Name": "12.5"}, "ImageID": "`+ImageID+`"},
  "Results": [`)
	for i := 0; i < n; i++ {
		v := TrivyAt(i)
		if i%VulnsPerResult == 0 {
			if i > 0 {
				fmt.Fprint(bw, "\n      ]\n    },")
			}
			fmt.Fprintf(bw, "\n    {\n      \"Target\": %q,\n      \"Class\": \"os-pkgs\",\n      \"Type\": \"debian\",\n      \"Vulnerabilities\": [", v.Target)
		} else {
			fmt.Fprint(bw, ",")
		}
		fmt.Fprintf(bw, `
        {
          "VulnerabilityID": %q,
          "PkgID": "%s@%s",
          "PkgName": %q,
          "PkgIdentifier": {"PURL": %q, "UID": "%016x"},
          "InstalledVersion": %q,
          "FixedVersion": "%s-1",
          "Status": "fixed",
          "Layer": {"DiffID": "sha256:%064x"},
          "SeveritySource": "nvd",
          "PrimaryURL": "https://avd.aquasec.com/nvd/%s",
          "DataSource": {"ID": "debian", "Name": "Debian Security Tracker", "URL": "https://salsa.debian.org/security-tracker-team/security-tracker"},
          "Title": "%s: out-of-bounds read in parser",
          "Description": %q,
          "Severity": %q,
          "CweIDs": ["CWE-125"],
          "VendorSeverity": {"debian": 2, "nvd": 3},
          "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "V3Score": 7.5}},
          "References": [
            "https://security-tracker.debian.org/tracker/%s",
            "https://nvd.nist.gov/vuln/detail/%s",
            "https://www.cve.org/CVERecord?id=%s",
            "https://ubuntu.com/security/notices/USN-%d-1",
            "https://lists.debian.org/debian-lts-announce/2024/01/msg%05d.html"
          ],
          "PublishedDate": "2024-01-15T10:15:00Z",
          "LastModifiedDate": "2024-02-20T18:30:00Z"
        }`,
			v.ID, v.Package, v.Version, v.Package, v.PURL, i, v.Version, v.Version, i, v.ID, v.ID,
			description, v.Severity, v.ID, v.ID, v.ID, 6000+i, i)
	}
	if n > 0 {
		fmt.Fprint(bw, "\n      ]\n    }")
	}
	fmt.Fprint(bw, "\n  ]\n}\n")
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("write synthetic Trivy report: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
