package approval

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkEvaluate200Records is the budget (under 1 s): 200 records
// in one PR, each approved at an earlier commit, half of them changed since
// in controller fields only, against an in-memory Members.
func BenchmarkEvaluate200Records(b *testing.B) {
	in := Input{PR: defaultPR(), Policy: testPolicy()}
	for i := range 200 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		var data []byte
		if i%2 == 0 {
			data = vulnRecord(id, "alice@example.com", "x", "")
		} else {
			data = crossRecord(id, "alice@example.com", "")
		}
		head := data
		if i%4 < 2 {
			// exctl has recorded the approval since: the contents differ in
			// controller fields only, so both versions are stripped.
			head = []byte(stringsReplace(string(data), "status: pending", "status: approved") + "updated_at: \"2026-03-02T10:00:00Z\"\n")
		}
		in.Records = append(in.Records, change(b, id+".yaml", head, map[string][]byte{firstSHA: data}))
	}
	in.Reviews = []Review{
		approve(1, "bob", firstSHA),
		reviewOf(2, "bob", ReviewCommented, "nit"),
		approve(3, "erin", headSHA),
		approve(4, "mallory", headSHA),
	}
	b.ReportAllocs()
	for b.Loop() {
		v := Evaluate(context.Background(), newMembers(), in)
		if v.State != StateApproved {
			b.Fatalf("state %s", v.State)
		}
	}
}
