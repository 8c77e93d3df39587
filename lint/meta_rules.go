package lint

// ParseErrorRule is reported, alone, for a Dockerfile that BuildKit rejects.
var ParseErrorRule = &Rule{
	Code:      "DF901",
	Name:      "parse-error",
	Title:     "The Dockerfile must parse",
	Rationale: "A Dockerfile that BuildKit's parser rejects cannot be built; no other rule runs on it until it parses.",
	Severity:  Error,
	Bad:       "FROM debian:12\nRUN <<EOF\necho never terminated\n",
	Good:      "FROM debian:12\nRUN <<EOF\necho terminated\nEOF\n",
}

// UnusedIgnoreRule is reported for an ignore comment that suppresses nothing.
var UnusedIgnoreRule = &Rule{
	Code:      "DF902",
	Name:      "unused-ignore",
	Title:     "Ignore comments must suppress something",
	Rationale: "An ignore comment that matches no finding is either stale (the problem was fixed) or names the wrong rule, and it hides nothing but confuses readers.",
	Severity:  Info,
	Bad:       "FROM debian:12.5\n# shipshape ignore=DF201\nCOPY . /app\n",
	Good:      "FROM debian:12.5\nCOPY . /app\n",
}
