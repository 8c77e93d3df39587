package squash

import (
	"reflect"
	"testing"
)

func TestPatterns(t *testing.T) {
	cases := []struct {
		glob  string
		path  string
		isDir bool
		want  bool
	}{
		{"*.log", "var/log/app.log", false, true},
		{"*.log", "app.log", false, true},
		{"*.log", "app.log.1", false, false},
		{"/var/cache/**", "var/cache", true, true},
		{"var/cache/**", "var/cache/apt/x", false, true},
		{"var/cache/*", "var/cache", true, false},
		{"var/cache/*", "var/cache/apt", true, true},
		{"tmp/*", "app/tmp/x", false, false},
		{"node_modules/", "app/node_modules", true, true},
		{"node_modules/", "app/node_modules", false, false},
		{"**/.git", ".git", true, true},
		{"home/*/.m2", "home/alice/.m2", true, true},
		{"home/*/.m2", "home/alice/x/.m2", true, false},
		{"a/**/b", "a/b", true, true},
		{"a/**/b", "a/x/y/b", true, true},
	}
	for _, c := range cases {
		p, err := Compile(c.glob)
		if err != nil {
			t.Fatalf("%s: %v", c.glob, err)
		}
		if got := p.Match(c.path, c.isDir); got != c.want {
			t.Errorf("%s matches %s (dir %v): %v, want %v", c.glob, c.path, c.isDir, got, c.want)
		}
	}
	for _, bad := range []string{"/", "a//b", "../x", "[", "a/./b"} {
		if _, err := Compile(bad); err == nil {
			t.Errorf("%q compiles", bad)
		}
	}
}

func TestPresetsCompile(t *testing.T) {
	var names []string
	for _, p := range Presets {
		names = append(names, p.Name)
	}
	groups, err := compileGroups(names, []string{"de_DE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != len(Presets) {
		t.Fatalf("%d groups", len(groups))
	}
	docs := groups[2]
	for _, c := range []struct {
		path         string
		dir, removed bool
	}{
		{"usr/share/doc/bash", true, true}, // and what it holds, but for…
		{"usr/share/doc/bash/copyright", false, false},
		{"usr/share/locale/fr", true, true},
		{"usr/share/locale/de_DE", true, false},
		{"usr/share/locale/locale.alias", false, false},
		{"usr/share/man/man1", true, true},
	} {
		if got := docs.matches(c.path, c.dir) && !docs.keeps(c.path, c.dir); got != c.removed {
			t.Errorf("docs removes %s: %v, want %v", c.path, got, c.removed)
		}
	}
	logs := groups[4]
	if logs.matches("var/log/nginx", true) || !logs.matches("var/log/nginx/error.log", false) {
		t.Error("logs must take files, never directories")
	}
}

func TestConfiguredLocales(t *testing.T) {
	got := configuredLocales([]string{"PATH=/bin", "LANG=de_DE.UTF-8", "LANGUAGE=pt_BR:pt", "LC_ALL=C.UTF-8"})
	want := []string{"de_DE.UTF-8", "de_DE.utf8", "de_DE", "de", "pt_BR", "pt"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("locales %q, want %q", got, want)
	}
}

func TestTreeLess(t *testing.T) {
	// A directory's subtree comes right after it, before a sibling that
	// sorts after it by bytes ("a/…" before "a-b" although '-' < '/').
	ordered := []string{"a", "a/b", "a/b/c", "a/c", "a-b", "b"}
	for i := range ordered {
		for j := range ordered {
			if got := treeLess(ordered[i], ordered[j]); got != (i < j) {
				t.Errorf("treeLess(%q, %q) = %v", ordered[i], ordered[j], got)
			}
		}
	}
}
