package scan

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// cvssBaseScore computes the base score of a CVSS v2 or v3.x vector, because
// OSV records carry only the vector, never the number. Temporal and
// environmental metrics are ignored: the base score is what scanners rate by.
// CVSS v4 is not computed (its score comes from a lookup table of macro
// vectors); for v4 the caller falls back to the other ratings in the record.
func cvssBaseScore(vector string) (float64, error) {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.0/"), strings.HasPrefix(vector, "CVSS:3.1/"):
		return cvss3BaseScore(vector[len("CVSS:3.x/"):])
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return 0, errors.New("CVSS v4 scores are not computed")
	case strings.HasPrefix(vector, "CVSS:2.0/"):
		return cvss2BaseScore(vector[len("CVSS:2.0/"):])
	case strings.HasPrefix(vector, "(") && strings.HasSuffix(vector, ")"):
		// NVD used to write v2 vectors in parentheses.
		return cvss2BaseScore(vector[1 : len(vector)-1])
	case strings.HasPrefix(vector, "AV:"):
		return cvss2BaseScore(vector)
	}
	return 0, fmt.Errorf("parse CVSS vector %q: unknown version", vector)
}

// cvssMetrics splits "AV:N/AC:L/..." into a map, rejecting repeated metrics
// so that a vector cannot be read two ways.
func cvssMetrics(vector string) (map[string]string, error) {
	m := make(map[string]string, 11)
	for _, part := range strings.Split(vector, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("parse CVSS vector: bad metric %q", part)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("parse CVSS vector: metric %s repeated", k)
		}
		m[k] = v
	}
	return m, nil
}

func cvssWeight(m map[string]string, metric string, weights map[string]float64) (float64, error) {
	v, ok := m[metric]
	if !ok {
		return 0, fmt.Errorf("parse CVSS vector: metric %s missing", metric)
	}
	w, ok := weights[v]
	if !ok {
		return 0, fmt.Errorf("parse CVSS vector: metric %s has unknown value %q", metric, v)
	}
	return w, nil
}

var (
	cvss3AV  = map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
	cvss3AC  = map[string]float64{"L": 0.77, "H": 0.44}
	cvss3PRU = map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	cvss3PRC = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	cvss3UI  = map[string]float64{"N": 0.85, "R": 0.62}
	cvss3CIA = map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	cvss3S   = map[string]float64{"U": 0, "C": 1}
)

// cvss3BaseScore follows section 7.1 of the CVSS v3.1 specification; v3.0
// differs only in its rounding, which the v3.1 Roundup reproduces except in
// floating-point corner cases.
func cvss3BaseScore(vector string) (float64, error) {
	m, err := cvssMetrics(vector)
	if err != nil {
		return 0, err
	}
	scope, err := cvssWeight(m, "S", cvss3S)
	if err != nil {
		return 0, err
	}
	changed := scope == 1
	prWeights := cvss3PRU
	if changed {
		prWeights = cvss3PRC
	}
	var w [7]float64
	for i, mw := range []struct {
		metric  string
		weights map[string]float64
	}{{"AV", cvss3AV}, {"AC", cvss3AC}, {"PR", prWeights}, {"UI", cvss3UI}, {"C", cvss3CIA}, {"I", cvss3CIA}, {"A", cvss3CIA}} {
		if w[i], err = cvssWeight(m, mw.metric, mw.weights); err != nil {
			return 0, err
		}
	}
	av, ac, pr, ui, c, i, a := w[0], w[1], w[2], w[3], w[4], w[5], w[6]

	iss := 1 - (1-c)*(1-i)*(1-a)
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0, nil
	}
	exploitability := 8.22 * av * ac * pr * ui
	if changed {
		return cvss3Roundup(math.Min(1.08*(impact+exploitability), 10)), nil
	}
	return cvss3Roundup(math.Min(impact+exploitability, 10)), nil
}

// cvss3Roundup is the v3.1 Roundup: the smallest number with one decimal
// that is not below x, computed on integers to avoid 4.000000001 → 4.1.
func cvss3Roundup(x float64) float64 {
	n := int64(math.Round(x * 100000))
	if n%10000 == 0 {
		return float64(n) / 100000
	}
	return float64(n/10000+1) / 10
}

var (
	cvss2AV  = map[string]float64{"L": 0.395, "A": 0.646, "N": 1.0}
	cvss2AC  = map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}
	cvss2Au  = map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}
	cvss2CIA = map[string]float64{"N": 0, "P": 0.275, "C": 0.660}
)

// cvss2BaseScore follows section 3.2.1 of the CVSS v2 guide.
func cvss2BaseScore(vector string) (float64, error) {
	m, err := cvssMetrics(vector)
	if err != nil {
		return 0, err
	}
	var w [6]float64
	for i, mw := range []struct {
		metric  string
		weights map[string]float64
	}{{"AV", cvss2AV}, {"AC", cvss2AC}, {"Au", cvss2Au}, {"C", cvss2CIA}, {"I", cvss2CIA}, {"A", cvss2CIA}} {
		if w[i], err = cvssWeight(m, mw.metric, mw.weights); err != nil {
			return 0, err
		}
	}
	av, ac, au, c, i, a := w[0], w[1], w[2], w[3], w[4], w[5]
	impact := 10.41 * (1 - (1-c)*(1-i)*(1-a))
	exploitability := 20 * av * ac * au
	f := 1.176
	if impact == 0 {
		f = 0
	}
	score := (0.6*impact + 0.4*exploitability - 1.5) * f
	return math.Round(score*10) / 10, nil
}
