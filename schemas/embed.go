// Package schemas embeds the JSON Schemas that define exctl's files, so the
// binary validates exactly what the repository documents.
package schemas

import "embed"

// FS holds every *.schema.json file of this directory.
//
//go:embed *.schema.json
var FS embed.FS

// Base is the URL prefix of every schema's $id; records point editors at it
// through the yaml-language-server modeline.
const Base = "https://exctl.dev/schemas/"

const (
	Exception        = "exception.schema.json"
	Policy           = "policy.schema.json"
	DeploymentIntent = "deployment-intent.schema.json"
)
