package report

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaFile = "../docs/report.schema.json"

// loadSchema compiles docs/report.schema.json. strict forbids properties the
// schema does not list: the published schema lets consumers ignore fields a
// later release adds, but our own output must not carry undocumented ones.
func loadSchema(t *testing.T, strict bool) *jsonschema.Schema {
	t.Helper()
	return loadSchemaFile(t, schemaFile, strict)
}

func loadSchemaFile(t *testing.T, schemaFile string, strict bool) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", schemaFile, err)
	}
	if strict {
		closeObjects(doc)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compiling %s: %v", schemaFile, err)
	}
	return s
}

// closeObjects sets additionalProperties: false on every schema that lists
// properties.
func closeObjects(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["properties"]; ok {
			v["additionalProperties"] = false
		}
		for _, c := range v {
			closeObjects(c)
		}
	case []any:
		for _, c := range v {
			closeObjects(c)
		}
	}
}

func validate(s *jsonschema.Schema, data []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

func TestJSONMatchesSchema(t *testing.T) {
	for _, strict := range []bool{false, true} {
		s := loadSchema(t, strict)
		for _, r := range []*Report{fixture(), empty()} {
			if err := validate(s, render(t, "json", r, Options{})); err != nil {
				t.Errorf("strict=%v, %d findings: %v", strict, len(r.Findings), err)
			}
		}
	}
}

// The schema must reject what the writer promises never to write, or the
// test above proves nothing.
func TestJSONSchemaRejects(t *testing.T) {
	s := loadSchema(t, true)
	good := string(render(t, "json", fixture(), Options{}))
	for name, bad := range map[string]string{
		"null aliases":     strings.Replace(good, `"aliases": []`, `"aliases": null`, 1),
		"unknown severity": strings.Replace(good, `"severity": "style"`, `"severity": "hint"`, 1),
		"undocumented key": strings.Replace(good, `"files": 2`, `"files": 2, "extra": true`, 1),
		"line 0":           strings.Replace(good, `"line": 1`, `"line": 0`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if validate(s, []byte(bad)) == nil {
			t.Errorf("%s: schema accepted it", name)
		}
	}
}

// Every property in the schemas has a row in docs/json-schema.md.
func TestJSONSchemaDocumented(t *testing.T) {
	for _, f := range []string{schemaFile, contextSchemaFile} {
		t.Run(f, func(t *testing.T) { schemaDocumented(t, f) })
	}
}

func schemaDocumented(t *testing.T, schemaFile string) {
	md, err := os.ReadFile("../docs/json-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for k := range props {
					names[k] = true
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	var missing []string
	for n := range names {
		if !bytes.Contains(md, []byte("| `"+n+"` |")) {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/json-schema.md has no table row for %v", missing)
	}
}
