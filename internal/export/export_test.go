package export

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func records() []*exception.Exception {
	approved := func(id string, v exception.Vulnerability, mut ...func(*exception.Exception)) *exception.Exception {
		d := exception.Date{Year: 2026, Month: 11, Day: 2}
		x := &exception.Exception{ID: id, Type: exception.VulnerabilityScan, Status: exception.Approved, Justification: "Accepted while the vendor ships a fix.",
			Vulnerabilities: []exception.Vulnerability{v}, ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 31}, ApprovedBy: []string{"@sec-bob"}, ApprovalDate: &d}
		for _, m := range mut {
			m(x)
		}
		return x
	}
	return []*exception.Exception{
		approved("a", exception.Vulnerability{CVE: "CVE-2019-18224", Severity: "Critical", Component: "libidn2-0", PURL: "pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64"}),
		approved("b", exception.Vulnerability{CVE: "CVE-2024-1234", Severity: "High", Component: "library-v1.2.3"}),
		approved("c", exception.Vulnerability{CVE: "CVE-2020-8165", Severity: "High", Component: "activesupport", PURL: "pkg:gem/activesupport"}, func(x *exception.Exception) {
			x.VEXJustification = "vulnerable_code_not_in_execute_path"
		}),
		approved("expired", exception.Vulnerability{CVE: "CVE-2018-0001", Severity: "High", Component: "x", PURL: "pkg:npm/x"}, func(x *exception.Exception) {
			x.ExpiryDate = exception.Date{Year: 2026, Month: 11, Day: 28}
		}),
		approved("pending", exception.Vulnerability{CVE: "CVE-2018-0002", Severity: "High", Component: "y", PURL: "pkg:npm/y"}, func(x *exception.Exception) { x.Status = exception.Pending }),
		approved("scoped", exception.Vulnerability{CVE: "CVE-2018-0003", Severity: "High", Component: "z", PURL: "pkg:npm/z"}, func(x *exception.Exception) {
			x.Scope.Applications = []string{"payments"}
		}),
	}
}

// trivyIgnore is the shape Trivy reads (pkg/result/ignore.go), with a real
// time for expired_at as Trivy decodes it.
type trivyIgnore struct {
	Vulnerabilities []struct {
		ID        string    `yaml:"id"`
		Paths     []string  `yaml:"paths"`
		PURLs     []string  `yaml:"purls"`
		ExpiredAt time.Time `yaml:"expired_at"`
		Statement string    `yaml:"statement"`
	} `yaml:"vulnerabilities"`
}

func TestTrivyReadsBack(t *testing.T) {
	// The real file decodes into the same shape, so the shape is Trivy's.
	var real trivyIgnore
	data, err := os.ReadFile("testdata/trivyignore.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &real))
	require.NotEmpty(t, real.Vulnerabilities)

	var buf bytes.Buffer
	skipped, err := Trivy(&buf, records(), Options{Now: now, Location: time.UTC})
	require.NoError(t, err)
	var got trivyIgnore
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got), buf.String())
	require.Len(t, got.Vulnerabilities, 2, "expired, pending and out-of-scope records are not exported")
	v := got.Vulnerabilities[0]
	assert.Equal(t, "CVE-2019-18224", v.ID)
	assert.Equal(t, []string{"pkg:deb/debian/libidn2-0"}, v.PURLs)
	assert.Equal(t, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), v.ExpiredAt, "Trivy stops at the instant the exception ends")
	assert.Equal(t, "CVE-2020-8165", got.Vulnerabilities[1].ID)
	require.Len(t, skipped, 1)
	assert.Equal(t, "b", skipped[0].ExceptionID, "no purl: an id alone would ignore every package")

	buf.Reset()
	_, err = Trivy(&buf, records(), Options{Now: now, Location: time.UTC, Application: "payments"})
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got))
	assert.Len(t, got.Vulnerabilities, 3, "the scoped record is exported for its application")
}

func TestTrivyExpiryNeverLater(t *testing.T) {
	x := &exception.Exception{ExpiryDate: exception.Date{Year: 2027, Month: 1, Day: 31}}
	for _, zone := range []string{"UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		trivyStops := TrivyExpiry(x, loc).Start(time.UTC)
		ends := x.ValidThrough(loc)
		assert.False(t, trivyStops.After(ends), "%s: Trivy would honour it after it ends", zone)
		assert.Less(t, ends.Sub(trivyStops), 24*time.Hour, "%s: and stops less than a day early", zone)
	}
}

func TestGrypeReadsBack(t *testing.T) {
	var buf bytes.Buffer
	_, err := Grype(&buf, records(), Options{Now: now, Location: time.UTC})
	require.NoError(t, err)
	var got struct {
		Ignore []struct {
			Vulnerability string `yaml:"vulnerability"`
			Package       struct{ Name, Version, Type string }
		} `yaml:"ignore"`
	}
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got), buf.String())
	require.Len(t, got.Ignore, 3)
	assert.Equal(t, "CVE-2019-18224", got.Ignore[0].Vulnerability)
	assert.Equal(t, "libidn2-0", got.Ignore[0].Package.Name)
	assert.Equal(t, "2.0.5-1", got.Ignore[0].Package.Version)
	assert.Equal(t, "deb", got.Ignore[0].Package.Type)
	assert.Equal(t, "library", got.Ignore[1].Package.Name, "the seed's name-vX.Y.Z form")
	assert.Equal(t, "1.2.3", got.Ignore[1].Package.Version)
	assert.Equal(t, "gem", got.Ignore[2].Package.Type)

	buf.Reset()
	_, err = Grype(&buf, records(), Options{Now: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC})
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &got))
	assert.Empty(t, got.Ignore, "nothing is valid any more")
}

func TestOpenVEXValidatesAgainstTheSpec(t *testing.T) {
	var buf bytes.Buffer
	skipped, err := OpenVEX(&buf, records(), Options{Now: now, Location: time.UTC}, "Acme Security")
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	f, err := os.Open("testdata/openvex_json_schema.json")
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, c.AddResource("openvex.json", f))
	schema, err := c.Compile("openvex.json")
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	require.NoError(t, schema.Validate(doc), buf.String())

	var got struct {
		Author     string
		Statements []struct {
			Vulnerability struct{ Name string }
			Products      []struct {
				ID string `json:"@id"`
			}
			Status, Justification string
		}
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	assert.Equal(t, "Acme Security", got.Author)
	require.Len(t, got.Statements, 1, "only the record with a vex_justification")
	assert.Equal(t, "CVE-2020-8165", got.Statements[0].Vulnerability.Name)
	assert.Equal(t, "not_affected", got.Statements[0].Status)
	assert.Equal(t, "vulnerable_code_not_in_execute_path", got.Statements[0].Justification)
	assert.Equal(t, "pkg:gem/activesupport", got.Statements[0].Products[0].ID)
	assert.Len(t, skipped, 2, "risk acceptances are not published as not_affected")
}
