package bench

// The vocabulary of generated records, after the bundled examples: real
// package names and purls, controls in the specific/measurable/enforceable
// form, justifications a reviewer would accept.

var (
	people = []string{
		"alice", "bob", "carol", "dave", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
	}
	// Approvers never share a login with a requester, so no record is a
	// self-approval by accident.
	secApprovers = []string{"sec-bob", "sec-lena", "sec-omar", "sec-priya", "sec-tomas"}
	cabApprovers = []string{"cab-erin", "cab-kofi", "cab-mei", "cab-ruth"}
	teams        = []string{
		"@acme/payments", "@acme/platform", "@acme/integrations", "@acme/identity",
		"@acme/data", "@acme/mobile", "@acme/sre", "@acme/checkout",
	}
	apps = []string{
		"payments-api", "checkout-web", "ledger-service", "fluentd", "hsm-gateway",
		"initech-billing", "search-indexer", "auth-proxy", "report-worker", "mobile-bff",
		"inventory-sync", "notification-hub", "billing-batch", "image-resizer",
		"data-exporter", "kyc-service",
	}
	envs       = []string{"production", "staging", "qa", "dev", "sandbox", "dr"}
	exposures  = []string{"internet", "partner", "internal", "internal", "isolated"}
	severities = []string{"Critical", "High", "High", "High", "Medium", "Low"}

	components = []struct{ name, purl string }{
		{"libidn2-0", "pkg:deb/debian/libidn2-0"},
		{"openssl", "pkg:deb/debian/openssl"},
		{"zlib1g", "pkg:deb/debian/zlib1g"},
		{"libxml2", "pkg:deb/debian/libxml2"},
		{"curl", "pkg:deb/debian/curl"},
		{"glibc", "pkg:rpm/redhat/glibc"},
		{"busybox", "pkg:apk/alpine/busybox"},
		{"log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core"},
		{"jackson-databind", "pkg:maven/com.fasterxml.jackson.core/jackson-databind"},
		{"netty-codec-http", "pkg:maven/io.netty/netty-codec-http"},
		{"spring-web", "pkg:maven/org.springframework/spring-web"},
		{"protobuf-java", "pkg:maven/com.google.protobuf/protobuf-java"},
		{"lodash", "pkg:npm/lodash"},
		{"axios", "pkg:npm/axios"},
		{"express", "pkg:npm/express"},
		{"urllib3", "pkg:pypi/urllib3"},
		{"requests", "pkg:pypi/requests"},
		{"pyyaml", "pkg:pypi/pyyaml"},
		{"nokogiri", "pkg:gem/nokogiri"},
		{"golang.org/x/net", "pkg:golang/golang.org/x/net"},
		{"golang.org/x/crypto", "pkg:golang/golang.org/x/crypto"},
		{"library-v1.2.3", ""},
		{"base-image-v4.1.0", ""},
	}

	vendorPackages = []string{
		"acme-hsm-client", "vendor-monitoring-agent", "legacy-payments-sdk",
		"gpu-driver-bundle", "oracle-instantclient", "scanner-firmware",
		"mainframe-connector", "edge-proxy-plugin",
	}
	boundaries = []string{
		"acme-prod", "initech-prod", "globex-prod", "acme-corp-net",
		"initech-corp-net", "partner-dmz", "acme-staging", "hooli-prod",
	}
	blastSummaries = []string{
		"Read-only access from the acquired billing service to the ledger replica",
		"Service account of the partner may call the orders API for its own tenant",
		"Batch export of anonymised usage data to the acquired analytics cluster",
		"Shared message bus topic bridged between the two production networks",
	}
	rollbackPlans = []string{
		"Remove the service mesh AuthorizationPolicy for the bridge; traffic stops within a minute.",
		"Revoke the cross-account IAM role; the export job fails closed on its next run.",
		"Delete the bus bridge deployment; producers buffer for up to an hour.",
		"Disable the peering connection from the network console; no data is lost.",
	}
	gates = []struct {
		name              string
		threshold, actual any
	}{
		{"integration-coverage", "80", "76.5"},
		{"unit-coverage", 85, 81.2},
		{"mutation-score", 60, 54},
		{"sast-high-findings", 0, 2},
		{"perf-p99-ms", 250, 310},
		{"dast-medium-findings", 5, 9},
		{"license-scan", "pass", "review"},
	}

	reasons = map[string][]string{
		"vulnerability_scan": {
			"The vendor patch for this library is not released yet and the affected code path is not reachable from requests.",
			"The fixed package needs a base image upgrade that the platform team schedules for the next sprint.",
			"The scanner flags the component in a build-time tool that never runs in the shipped image.",
			"Upgrading the library breaks the serialisation format shared with two downstream services.",
		},
		"unsigned_package": {
			"The vendor ships the client only as an unsigned tarball; we pin it by digest until their signed release.",
			"The firmware bundle is signed with a key our verifier does not support yet.",
			"The legacy SDK predates the signing pipeline and is rebuilt from source next quarter.",
		},
		"cross_boundary": {
			"The acquired service must read the shared ledger until its data migration completes.",
			"The partner integration needs direct API access while the federated gateway is built.",
			"Usage analytics move to the acquired cluster; both networks talk until the cut-over.",
		},
		"gate_override": {
			"Coverage dropped below the gate after removing flaky tests; replacements land within two weeks.",
			"A hotfix for a payment outage must ship before the performance suite is re-baselined.",
			"The scanner reports findings in generated code that the fix for the gate excludes next release.",
		},
	}
	mitigations = []string{
		"The service only resolves internal hostnames.",
		"Egress is limited by a NetworkPolicy.",
		"A WAF rule blocks the known exploit path.",
		"Monitoring alerts on any unexpected traffic.",
		"The release goes to the canary ring only.",
	}
	timelines = []string{
		"Review at the end of the sprint.",
		"The owning team tracks the fix in its backlog.",
		"We re-scan weekly and close this as soon as a fix ships.",
		"Expected to be resolved within the quarter.",
	}
	denialReasons = []string{
		"Compensating controls do not cover internet exposure.",
		"A patched version is available; upgrade instead.",
		"Blast radius analysis is incomplete.",
	}

	// structuredControls are {id, specific, measurable, enforceable}.
	structuredControls = [][4]string{
		{"net-isolation", "Deploy to isolated VLAN 192.168.100.0/24", "Network monitoring confirms isolation", "Firewall rules enforce VLAN boundaries"},
		{"egress-allowlist", "Egress limited to log-sink.internal:24224 by NetworkPolicy", "Flow logs show no other destinations", "Admission policy rejects pods without the NetworkPolicy"},
		{"waf-rule", "WAF rule 942100 blocks the injection pattern", "WAF dashboard counts blocked requests", "WAF config is deployed from the platform repo only"},
		{"digest-pin", "Pipeline verifies the tarball against the pinned sha256 before install", "Pipeline logs record the verified digest", "Build fails on any digest mismatch"},
		{"read-only-replica", "The service connects only to the read-only replica", "Database audit log shows only SELECT statements", "Replica user has SELECT grants only"},
		{"canary-only", "Release goes to ring 1 (canary) only", "Deployment intent ring is checked by the gate", "Control plane rejects promotion past ring 1"},
		{"enhanced-monitoring", "Alert on any request to the vulnerable endpoint", "Alert count is reviewed daily", "Alert rule lives in the monitored monitoring repo"},
		{"feature-flag-off", "The vulnerable feature is disabled by flag", "Flag state is exported as a metric", "Flag changes need two approvals"},
		{"rate-limit", "Rate limit of 10 requests per second per client", "Gateway metrics show throttled clients", "Gateway policy is enforced in the mesh"},
		{"runtime-sensor", "Runtime sensor blocks shell spawns in the container", "Sensor reports are sent to the SIEM", "Admission requires the sensor sidecar"},
	}
	plainControls = []string{
		"Network isolation", "Enhanced monitoring", "Quarterly review", "WAF rule blocks the exploit path",
		"Manual approval for each deploy",
	}
)
