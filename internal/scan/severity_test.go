package scan

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeverityOrder(t *testing.T) {
	order := []Severity{Unknown, Negligible, Low, Medium, High, Critical}
	for i := 1; i < len(order); i++ {
		assert.Less(t, order[i-1], order[i])
	}
	var zero Severity
	assert.Equal(t, Unknown, zero)
}

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in   string
		want Severity
	}{
		{"UNKNOWN", Unknown},
		{"unknown", Unknown},
		{"Negligible", Negligible},
		{"none", Negligible},
		{"INFO", Negligible},
		{"informational", Negligible},
		{"LOW", Low},
		{"Medium", Medium},
		{"MODERATE", Medium},
		{"high", High},
		{"Important", High},
		{"CRITICAL", Critical},
		{" critical ", Critical},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSeverity(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", " ", "severe", "4", "hi"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := ParseSeverity(bad)
			assert.Error(t, err)
		})
	}
}

func TestSeverityString(t *testing.T) {
	for s, want := range map[Severity]string{
		Unknown: "Unknown", Negligible: "Negligible", Low: "Low", Medium: "Medium", High: "High", Critical: "Critical",
		Severity(42): "Severity(42)", Severity(-1): "Severity(-1)",
	} {
		assert.Equal(t, want, s.String())
	}
	// Every name parses back to itself.
	for s := Unknown; s <= Critical; s++ {
		got, err := ParseSeverity(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
}

func TestSeverityJSON(t *testing.T) {
	b, err := json.Marshal(map[string]Severity{"a": High, "b": Unknown})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a": "High", "b": "Unknown"}`, string(b))

	var got struct{ S Severity }
	require.NoError(t, json.Unmarshal([]byte(`{"S": "moderate"}`), &got))
	assert.Equal(t, Medium, got.S)
	assert.Error(t, json.Unmarshal([]byte(`{"S": "bogus"}`), &got))

	_, err = json.Marshal(Severity(9))
	assert.Error(t, err)
}

func TestSeverityFromScore(t *testing.T) {
	tests := []struct {
		score float64
		want  Severity
	}{
		{10, Critical}, {9.0, Critical}, {8.9, High}, {7.0, High}, {6.9, Medium},
		{4.0, Medium}, {3.9, Low}, {0.1, Low}, {0, Negligible},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SeverityFromScore(tt.score), "score %v", tt.score)
	}
}
