package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/guichet/guichet/api"
)

// printVersion writes Guichet's version, and the commit it was built
// from when the build recorded it.
func printVersion(w io.Writer) {
	line := "guichet " + api.Version
	if info, ok := debug.ReadBuildInfo(); ok {
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if revision := settings["vcs.revision"]; revision != "" {
			line += " (révision " + revision[:min(12, len(revision))]
			if at := settings["vcs.time"]; at != "" {
				line += " du " + at
			}
			if settings["vcs.modified"] == "true" {
				line += ", avec des modifications non enregistrées"
			}
			line += ")"
		}
	}
	fmt.Fprintf(w, "%s, %s %s/%s\n", line, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
