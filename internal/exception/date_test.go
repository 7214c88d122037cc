package exception

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below must resolve on machines without zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A day starts at its first instant in the zone, also where summer time
// begins at midnight and 00:00 never happens on the clock.
func TestDateStart(t *testing.T) {
	tests := []struct {
		zone string
		date Date
		want string // RFC 3339 in the zone
	}{
		{"UTC", Date{2026, 9, 6}, "2026-09-06T00:00:00Z"},
		{"Europe/Berlin", Date{2026, 3, 29}, "2026-03-29T00:00:00+01:00"}, // the jump is at 02:00
		{"America/Santiago", Date{2026, 9, 6}, "2026-09-06T01:00:00-03:00"},
		// Clocks go back from 00:00 to 23:00: the day before ends when the
		// clock last leaves it.
		{"America/Santiago", Date{2026, 4, 5}, "2026-04-05T00:00:00-04:00"},
		{"Atlantic/Azores", Date{2026, 3, 29}, "2026-03-29T01:00:00Z"},
		{"America/Havana", Date{2026, 3, 8}, "2026-03-08T01:00:00-04:00"},
		{"Pacific/Apia", Date{2011, 12, 31}, "2011-12-31T00:00:00+14:00"}, // the day after the skipped 30 December
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.date.String(), func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			require.NoError(t, err)
			got := tt.date.Start(loc)
			assert.Equal(t, tt.want, got.In(loc).Format(time.RFC3339))
			assert.Equal(t, tt.date, DateOf(got, loc))
			assert.NotEqual(t, tt.date, DateOf(got.Add(-time.Nanosecond), loc), "an earlier instant is already this day")
		})
	}
}
