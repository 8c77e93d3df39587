package rules

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/shipshape-dev/shipshape/dockerfile"
	"github.com/shipshape-dev/shipshape/lint"
	"github.com/shipshape-dev/shipshape/shell"
)

// JVMContainerMemory: P52.
var JVMContainerMemory = &lint.Rule{
	Code:  "DF413",
	Name:  "jvm-container-memory",
	Title: "Size the Java heap from the container's memory limit",
	Rationale: "A fixed `-Xmx` pins the heap whatever memory the container is given: under a smaller limit the " +
		"kernel OOM-kills the JVM, under a larger one the memory sits unused, and every deployment size needs a " +
		"rebuilt image. Since Java 10 (8u191) the JVM reads the container limit, so `-XX:MaxRAMPercentage` " +
		"scales the heap with it; an explicit -Xmx overrides that percentage.",
	Severity: lint.Warning,
	Practice: []string{"P52"},
	Bad:      "FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\nENV JAVA_OPTS=\"-Xms512m -Xmx2g\"\nCMD [\"sh\", \"-c\", \"exec java $JAVA_OPTS -jar /app.jar\"]\n",
	Good:     "FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\nENV JAVA_TOOL_OPTIONS=\"-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError\"\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n",
	Check: func(p *lint.Pass) {
		var spots []rtHeapFlag
		percent, sized := "", false // a limit-based maximum; any limit-based size
		note := func(s rtHeapFlag) {
			if rtIsPercentFlag(s.Text) {
				sized = true
				if percent == "" && !strings.HasPrefix(s.Text, "-XX:InitialRAMPercentage=") {
					percent = s.Text
				}
			}
			if rtHeapKind(s.Text) != "" {
				spots = append(spots, s)
			}
		}
		for _, in := range rtShipping(p.File) {
			for _, s := range rtEnvHeapFlags(in) {
				note(s)
			}
		}
		for _, r := range rtFinalRuns(p) {
			for _, c := range r.Script.Commands {
				for _, w := range append([]shell.Word{c.Prog}, c.Args...) {
					if w.Literal {
						note(rtHeapFlag{Text: w.Value, Start: dockerfile.Pos(w.Pos), End: dockerfile.Pos(w.End)})
					}
				}
			}
		}
		hasMax := false
		for _, s := range spots {
			if rtHeapKind(s.Text) == "max" {
				hasMax = true
			}
		}
		for _, s := range spots {
			kind := rtHeapKind(s.Text)
			switch {
			case kind == "max" && percent != "":
				p.Report(s.Start, s.End, "`"+s.Text+"` overrides `"+percent+"`: an explicit maximum heap wins over the "+
					"percentage, so the heap stays fixed whatever memory limit the container gets; drop `"+s.Text+
					"` and let `"+percent+"` size the heap")
			case kind == "max":
				p.Report(s.Start, s.End, "`"+s.Text+"` fixes the Java heap whatever memory limit the container gets: "+
					"under a smaller limit the JVM is OOM-killed, under a larger one the memory is wasted; size the heap "+
					"from the limit with `-XX:MaxRAMPercentage=75.0` instead, and add `-XX:+ExitOnOutOfMemoryError` "+
					"so an exhausted heap restarts the container")
			case kind == "initial" && !hasMax && !sized:
				p.Report(s.Start, s.End, "`"+s.Text+"` fixes the initial Java heap whatever memory limit the container "+
					"gets: in a container whose limit is near or below it the JVM is OOM-killed; let both sizes follow the "+
					"limit with `-XX:InitialRAMPercentage=50.0 -XX:MaxRAMPercentage=75.0`")
			}
		}
	},
}

// rtHeapFlag is one JVM option found in the final image's ENV or command line.
type rtHeapFlag struct {
	Text       string
	Start, End dockerfile.Pos
}

// rtHeapKind classifies a JVM option: "max" for a fixed maximum heap, "initial"
// for a fixed initial heap, "" otherwise.
func rtHeapKind(v string) string {
	switch {
	case strings.HasPrefix(v, "-Xmx") && len(v) > 4, strings.HasPrefix(v, "-XX:MaxHeapSize="):
		return "max"
	case strings.HasPrefix(v, "-Xms") && len(v) > 4, strings.HasPrefix(v, "-XX:InitialHeapSize="):
		return "initial"
	}
	return ""
}

func rtIsPercentFlag(v string) bool {
	return strings.HasPrefix(v, "-XX:MaxRAMPercentage=") || strings.HasPrefix(v, "-XX:MaxRAM=") ||
		strings.HasPrefix(v, "-XX:MaxRAMFraction=") || strings.HasPrefix(v, "-XX:InitialRAMPercentage=")
}

// Build tools' JVM options size the build, not the app the image runs.
var rtBuildToolOpts = map[string]bool{"MAVEN_OPTS": true, "GRADLE_OPTS": true, "SBT_OPTS": true, "ANT_OPTS": true}

// rtEnvHeapFlags finds the JVM options written in the values of an ENV
// instruction, each placed on its text in the Dockerfile.
func rtEnvHeapFlags(in *dockerfile.Instruction) []rtHeapFlag {
	c, ok := in.Command.(*instructions.EnvCommand)
	if !ok {
		return nil
	}
	var out []rtHeapFlag
	from := 0
	for _, kv := range c.Env {
		at := strings.Index(in.Args.S[from:], kv.Key)
		if at < 0 {
			continue
		}
		from += at + len(kv.Key)
		if rtBuildToolOpts[kv.Key] {
			continue
		}
		for _, f := range strings.Fields(strings.NewReplacer(`"`, " ", `'`, " ").Replace(kv.Value)) {
			if strings.Contains(f, "$") || (rtHeapKind(f) == "" && !rtIsPercentFlag(f)) {
				continue
			}
			i := strings.Index(in.Args.S[from:], f)
			if i < 0 {
				continue
			}
			start := from + i
			from = start + len(f)
			end := in.Args.PosAt(from - 1)
			end.Col++
			out = append(out, rtHeapFlag{Text: f, Start: in.Args.PosAt(start), End: end})
		}
	}
	return out
}
