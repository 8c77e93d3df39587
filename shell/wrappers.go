package shell

import (
	"path"
	"strings"
)

// wrapperFlagsWithValue lists, per wrapper, the flags that consume the next word.
var wrapperFlagsWithValue = map[string]map[string]bool{
	"sudo":      set("-u", "-g", "-h", "-p", "-C", "-D", "-U", "-r", "-t", "-T", "--user", "--group", "--prompt", "--chdir"),
	"doas":      set("-u", "-C"),
	"env":       set("-u", "-C", "-S", "--unset", "--chdir"),
	"nice":      set("-n", "--adjustment"),
	"ionice":    set("-c", "-n", "-p"),
	"timeout":   set("-s", "-k", "--signal", "--kill-after"),
	"stdbuf":    set("-i", "-o", "-e"),
	"xargs":     set("-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s"),
	"time":      set("-f", "-o"),
	"nohup":     {},
	"exec":      set("-a"),
	"command":   {},
	"builtin":   {},
	"eatmydata": {},
}

// Wrappers whose first positional argument is not the command (a user, a duration).
var wrapperPositionalsBeforeCommand = map[string]int{
	"timeout": 1,
	"gosu":    1,
	"su-exec": 1,
	"chpst":   0,
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// peelWrappers strips sudo, env, nice, gosu and similar from the front of words,
// recording them on cmd, and returns the words of the wrapped command.
func peelWrappers(cmd *Command, words []Word) []Word {
	for len(words) > 0 && words[0].Literal {
		name := path.Base(words[0].Value)
		flags, isWrapper := wrapperFlagsWithValue[name]
		skipPos, takesPos := wrapperPositionalsBeforeCommand[name]
		if !isWrapper && !takesPos {
			return words
		}
		cmd.Wrappers = append(cmd.Wrappers, name)
		i := 1
		for i < len(words) {
			v := words[i].Value
			switch {
			case v == "--":
				i++
				goto positionals
			case strings.HasPrefix(v, "-") && len(v) > 1:
				if flags[v] {
					i++
				}
				i++
			case (name == "env" || name == "sudo" || name == "doas") && isAssignment(v):
				cmd.Assigns = append(cmd.Assigns, v)
				i++
			default:
				goto positionals
			}
		}
	positionals:
		i += skipPos
		if i > len(words) {
			i = len(words)
		}
		words = words[i:]
	}
	return words
}

// isAssignment reports whether w has the shape NAME=value.
func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
