// compose-config loads a Compose file the way `docker compose config` does, offline and without Docker,
// using compose-go (the library Docker Compose itself is built on): YAML anchors and merges, variable
// interpolation (including ${VAR:?error} checks), validation against the Compose Specification JSON
// schema, normalization, and the model's consistency (depends_on targets, named volumes, networks...).
// On success it prints the resolved project as JSON on stdout (every profile enabled); on failure it
// prints the error on stderr and exits 1. Used by infra/check/check-infra.mjs.
//
//	compose-config [-env-file FILE] compose.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	envFile := flag.String("env-file", "", "file of variables for interpolation (default: .env beside the compose file, if any)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [-env-file FILE] compose.yaml")
		os.Exit(2)
	}
	file, err := filepath.Abs(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	var envFiles []string
	if *envFile != "" {
		envFiles = append(envFiles, *envFile)
	}
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-config: %v\n", err)
	os.Exit(1)
}
