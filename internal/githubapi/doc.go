// Package githubapi is exctl's only door to the GitHub REST API.
//
// It wraps go-github so that no other package imports it: callers see small
// exctl-owned types (PR, Review, Membership, …) and three sentinel errors,
// ErrNotFound, ErrRateLimited and ErrUnavailable, which they match with
// errors.Is to tell "GitHub said no" from "GitHub could not answer".
//
// Every list is read to its last page. Every request is retried with
// exponential backoff on 5xx answers and waits out primary and secondary rate
// limits, bounded both in the number of attempts and in the total time spent
// waiting, so a run either gets an answer or fails in a bounded time; it never
// guesses.
package githubapi
