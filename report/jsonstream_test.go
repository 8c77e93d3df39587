package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/shipshape-dev/shipshape/analyze"
)

// The streamed object must be byte for byte what json.Encoder writes for the
// whole value, so that streaming changes nothing a consumer can see.
func TestObjectStreamMatchesEncoder(t *testing.T) {
	type item struct {
		Path string   `json:"path"`
		Tags []string `json:"tags"`
		Note string   `json:"note,omitempty"`
	}
	type doc struct {
		Version int      `json:"version"`
		Command string   `json:"command"`
		Items   []item   `json:"items"`
		Empty   []item   `json:"empty"`
		None    []item   `json:"none"`
		Names   []string `json:"names"`
	}
	d := doc{
		Version: 1,
		Command: `RUN a && b > /dev/null <<EOF "quoted" \ é`,
		Items:   []item{{Path: "/a", Tags: []string{"x", "<y>"}}, {Path: "/b & c", Tags: []string{}, Note: "n"}},
		Empty:   []item{},
		Names:   []string{"one"},
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		t.Fatal(err)
	}

	var got bytes.Buffer
	s := newObjectStream(&got)
	s.field("version", d.Version)
	s.field("command", d.Command)
	s.array("items", length(d.Items), func(i int) any { return d.Items[i] })
	s.array("empty", length(d.Empty), func(i int) any { return d.Empty[i] })
	s.array("none", length(d.None), func(i int) any { return d.None[i] })
	s.field("names", d.Names)
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Fatalf("streamed:\n%s\nencoder:\n%s", got.String(), want.String())
	}

	var empty bytes.Buffer
	if err := newObjectStream(&empty).close(); err != nil || empty.String() != "{}\n" {
		t.Fatalf("an empty object streams as %q, %v", empty.String(), err)
	}
}

func TestDeadPathsMatchEncoder(t *testing.T) {
	run := analyze.Attribution{Layer: 2, CreatedBy: `/bin/sh -c rm -rf /data/* && echo "<done>" \ é`, File: "Dockerfile", Line: 7}
	cases := map[string][]analyze.DeadPath{
		"nil":   nil,
		"empty": {},
		"some": {
			{Path: "/data/a", Bytes: 16, Files: 1, How: "deleted", AddedBy: analyze.Attribution{Layer: 1, CreatedBy: "COPY . /data"}, RemovedBy: run},
			{Path: "/data/\"odd\"\tname", Bytes: 0, Files: 3, How: "hidden by an opaque directory", AddedBy: run, RemovedBy: analyze.Attribution{Layer: 3, Line: 9}},
		},
	}
	for name, dps := range cases {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(struct {
			DeadPaths []analyze.DeadPath `json:"deadPaths"`
		}{dps})
		var got bytes.Buffer
		s := newObjectStream(&got)
		s.deadPaths("deadPaths", dps)
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: streamed:\n%s\nencoder:\n%s", name, got.String(), want.String())
		}
	}
}
