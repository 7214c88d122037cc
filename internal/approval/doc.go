// Package approval decides whether a pull request's exception records are
// approved, from the policy of the base revision, the pull request's reviews
// and commits, and team memberships. It does no I/O of its own: memberships
// come through the small Members interface and earlier versions of a record
// through RecordChange.ContentAt, so every rule is tested with tables.
//
// The rules, each of which exists because the obvious alternative can be
// forged or gamed:
//
//   - Required seats come from the policy: the type's approver groups, plus
//     the CAB when the risk score is above the threshold or the record
//     involves privileged tooling. A change never needs fewer seats than its
//     base version did. A type the policy does not cover, a group it does
//     not define and a group without a team can never be approved.
//   - Only each reviewer's latest state-changing review counts. Comments
//     change nothing; a dismissed review counts for nothing and does not
//     revive the review before it.
//   - An approval counts only from an active member of the group's team who
//     is not the PR author, not the record's requested_by (by login, or by
//     an e-mail requested_by carried on commits the reviewer made), and not
//     the author or committer of any commit of the pull request.
//   - One person fills at most one seat; seats are assigned with a maximum
//     matching, so a person in both Security and CAB fills one of them and
//     someone else must fill the other.
//   - An approval is for content: it counts after later pushes only when the
//     record, with the controller-owned fields set aside by
//     StripControllerFields, is byte for byte the same at the reviewed commit
//     as at the head. Whoever writes controller fields (exctl approvals
//     --record) must therefore change only those fields' lines and never
//     re-encode the file, or every approval goes stale.
//   - A request for changes from a member of a required group blocks; a
//     review whose body starts with /deny, from an independent member, on
//     the current content, denies.
//   - approved_by and cab_approved_by may name only people whose approval of
//     this content counts (names the base version already carried aside).
//   - A change to policy.yaml or CODEOWNERS needs one approval from each
//     policy-owner group.
//   - A failed membership lookup or an unreadable earlier version is "cannot
//     decide" (StateError), never "yes"; it is "no" (StatePending) when the
//     answer would be no whatever the lookup had said.
package approval
