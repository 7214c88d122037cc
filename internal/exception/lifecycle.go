package exception

// transitions are the status changes the process allows between two
// versions of a record. An extension re-opens an approved or expired record
// as pending with a new expiry date.
var transitions = map[Status][]Status{
	Pending:  {Pending, Approved, Denied},
	Approved: {Approved, Expired, Pending},
	Expired:  {Expired, Pending},
	Denied:   {Denied},
}

// CanTransition reports whether a record may go from status from to status to.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// KnownStatus reports whether s is a lifecycle status.
func KnownStatus(s Status) bool {
	_, ok := transitions[s]
	return ok
}
