package squash

// Preset is a named group of paths that images carry but rarely need at run
// time. Patterns follow the --remove syntax (see Match): a pattern with a
// slash is anchored at the root, one without matches a name anywhere, `**`
// crosses directories, and a matched directory goes with everything below
// it. Keep patterns win over Patterns; "{locale}" in one stands for each
// spelling of the locale the image's config sets (LANG, LC_ALL, …).
type Preset struct {
	Name      string
	Title     string
	Patterns  []string
	Keep      []string
	FilesOnly bool // only non-directories go; directories stay (services expect /var/log/nginx)
}

// Presets is every preset --remove knows, in the order help lists them.
// Image checks use the same table to say what a squash would reclaim.
var Presets = []Preset{
	{
		Name:  "package-caches",
		Title: "package manager caches: apt lists and archives, apk, yum/dnf, pip, npm, yarn, Go, Maven, Gradle",
		Patterns: []string{
			"var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb",
			"var/cache/apk/*", "etc/apk/cache/*",
			"var/cache/yum/*", "var/cache/dnf/*",
			"**/.cache/pip", "**/.npm/_cacache", "**/.cache/yarn", "usr/local/share/.cache/yarn",
			"**/.cache/go-build", "root/go/pkg/mod", "go/pkg/mod",
			"root/.m2", "home/*/.m2", "root/.gradle", "home/*/.gradle",
		},
	},
	{
		Name:     "vcs",
		Title:    "version control metadata: .git, .svn, .hg",
		Patterns: []string{".git", ".svn", ".hg"},
	},
	{
		Name:     "docs",
		Title:    "documentation: usr/share/doc (copyright files kept), man and info pages, locales other than the configured one",
		Patterns: []string{"usr/share/doc/*", "usr/share/man/*", "usr/share/info/*", "usr/local/share/doc/*", "usr/local/share/man/*", "usr/share/locale/*"},
		Keep:     []string{"usr/share/doc/*/copyright", "usr/share/locale/locale.alias", "usr/share/locale/{locale}"},
	},
	{
		Name:     "pycache",
		Title:    "Python bytecode: __pycache__ directories, .pyc and .pyo files",
		Patterns: []string{"__pycache__", "*.pyc", "*.pyo"},
	},
	{
		Name:      "logs",
		Title:     "log files: everything under var/log and *.log files (directories stay)",
		Patterns:  []string{"var/log/**", "*.log"},
		FilesOnly: true,
	},
	{
		Name:     "tmp",
		Title:    "temporary files: the contents of /tmp and /var/tmp (the directories stay)",
		Patterns: []string{"tmp/*", "var/tmp/*"},
	},
}

// PresetNamed returns the preset called name.
func PresetNamed(name string) (Preset, bool) {
	for _, p := range Presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}
