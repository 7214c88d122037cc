package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/exctl/exctl/internal/codeowners"
	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/validate"
)

func runCodeowners(e *env, args []string) error {
	var o common
	flags := e.flagSet("codeowners", "generate|check [--repo DIR]",
		`Keeps CODEOWNERS in step with the policy, so GitHub requests reviews from
the right teams:

  each exceptions/<type>/ folder is owned by the teams of the groups that
  approve that type; exceptions/policy.yaml and CODEOWNERS itself are owned
  by the policy owners' teams.

generate writes the managed block (between marker comments) into
.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS — whichever exists, else
.github/CODEOWNERS — and leaves every other line alone. check exits 1 when
the block is missing or stale, or when a later hand-written rule overrides a
managed path (the last matching rule wins).`)
	flags.StringVar(&o.repo, "repo", ".", "repository `dir`ectory")
	if err := e.parse(flags, args); err != nil {
		return err
	}
	if flags.NArg() != 1 || (flags.Arg(0) != "generate" && flags.Arg(0) != "check") {
		return usageErrorf("want generate or check")
	}
	_, pol, err := workTreePolicy(e, o.repo)
	if err != nil {
		return err
	}
	file, existing, err := codeowners.Find(os.DirFS(o.repo))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		file, existing = ".github/CODEOWNERS", nil
	case err != nil:
		return err
	}
	rules, err := managedRules(pol, file)
	if err != nil {
		return err
	}
	if flags.Arg(0) == "generate" {
		out, err := codeowners.Generate(existing, rules)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		full := filepath.Join(o.repo, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, out, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "wrote the managed block (%d rules) to %s\n", len(rules), file)
		return nil
	}
	return checkCodeowners(e, file, existing, rules)
}

func checkCodeowners(e *env, file string, existing []byte, rules []codeowners.Rule) error {
	ok, err := codeowners.InSync(existing, rules)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if !ok {
		fmt.Fprintf(e.stdout, "%s: the exctl managed block is missing or out of step with %s: run 'exctl codeowners generate'\n", file, load.PolicyPath)
		return ErrNo
	}
	parsed, err := codeowners.Parse(strings.NewReader(string(existing)))
	var perrs codeowners.ParseErrors
	if err != nil && !errors.As(err, &perrs) {
		return fmt.Errorf("%s: %w", file, err)
	}
	problems := 0
	for _, pe := range perrs {
		fmt.Fprintf(e.stdout, "%s:%d: %s (GitHub ignores this line)\n", file, pe.Line, validate.Printable(pe.Msg))
		problems++
	}
	// The last matching rule wins: a hand-written rule below the block
	// would silently take a managed path away from its approvers.
	for _, r := range rules {
		probe := strings.TrimPrefix(r.Pattern, "/")
		if strings.HasSuffix(probe, "/") {
			probe += "probe.yaml"
		}
		got, matched := parsed.Match(probe)
		if !matched || !sameOwners(got.Owners, r.Owners) {
			fmt.Fprintf(e.stdout, "%s:%d: rule %q overrides the managed rule for %s: its owners are %s, the policy says %s\n",
				file, got.Line, got.Pattern, r.Pattern, validate.Printable(ownerList(got.Owners)), validate.Printable(ownerList(r.Owners)))
			problems++
		}
	}
	if problems > 0 {
		return ErrNo
	}
	fmt.Fprintf(e.stdout, "%s is in step with the policy\n", file)
	return nil
}

func sameOwners(a, b []codeowners.Owner) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func ownerList(os []codeowners.Owner) string {
	if len(os) == 0 {
		return "nobody"
	}
	var out []string
	for _, o := range os {
		out = append(out, o.Value)
	}
	return strings.Join(out, " ")
}

// managedRules derives the CODEOWNERS rules from the policy. A group
// without a team cannot own anything, so it is an error, not a gap.
func managedRules(pol *policy.Policy, file string) ([]codeowners.Rule, error) {
	owners := func(groups []string) ([]codeowners.Owner, error) {
		var out []codeowners.Owner
		seen := map[string]bool{}
		for _, g := range groups {
			grp, ok := pol.Groups[g]
			if !ok || grp.Org == "" || grp.Team == "" {
				return nil, fmt.Errorf("group %q has no GitHub team in %s: set groups.%s.team", g, load.PolicyPath, g)
			}
			o, err := codeowners.ParseOwner("@" + grp.Org + "/" + grp.Team)
			if err != nil {
				return nil, fmt.Errorf("group %q: %w", g, err)
			}
			if !seen[o.Value] {
				seen[o.Value] = true
				out = append(out, o)
			}
		}
		return out, nil
	}
	var rules []codeowners.Rule
	types := append([]exception.Type(nil), exception.Types...)
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	for _, t := range types {
		rule, ok := pol.Rule(t)
		if !ok {
			continue
		}
		var groups []string
		for _, s := range rule.Approvers {
			groups = append(groups, s.Group)
		}
		os, err := owners(groups)
		if err != nil {
			return nil, err
		}
		rules = append(rules, codeowners.Rule{Pattern: "/" + path.Join(load.Dir, string(t)) + "/", Owners: os})
	}
	os, err := owners(pol.OwnerGroups())
	if err != nil {
		return nil, err
	}
	rules = append(rules,
		codeowners.Rule{Pattern: "/" + load.PolicyPath, Owners: os},
		codeowners.Rule{Pattern: "/" + file, Owners: os})
	return rules, nil
}
