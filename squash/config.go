package squash

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/shipshape-dev/shipshape/layers"
)

// newConfig rewrites the input's raw config: rootfs.diff_ids and history
// change, and created when a build time is forced; every other field
// (Env, Entrypoint, Cmd, User, WorkingDir, ExposedPorts, Volumes, Labels,
// Healthcheck, StopSignal, OnBuild, Shell, and fields this version does not
// know) is carried over as the input has it.
func newConfig(raw []byte, diffIDs []string, history []json.RawMessage, created *time.Time) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parsing the input's config: %w", err)
	}
	ids := make([]v1.Hash, len(diffIDs))
	for i, d := range diffIDs {
		h, err := v1.NewHash(d)
		if err != nil {
			return nil, err
		}
		ids[i] = h
	}
	set := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		doc[key] = b
		return nil
	}
	if err := set("rootfs", v1.RootFS{Type: "layers", DiffIDs: ids}); err != nil {
		return nil, err
	}
	if history != nil {
		if err := set("history", history); err != nil {
			return nil, err
		}
	}
	if created != nil {
		if err := set("created", v1.Time{Time: created.UTC()}); err != nil {
			return nil, err
		}
	}
	return json.Marshal(doc) // keys sorted: the same input makes the same bytes
}

// newHistory keeps the base's history entries as they are and puts one
// entry for the new layer in place of the user's, its comment listing the
// instructions it replaces.
func newHistory(raw []byte, im *layers.Image, b layers.Boundary, when time.Time, createdBy string) ([]json.RawMessage, error) {
	var doc struct {
		History []json.RawMessage `json:"history"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parsing the input's history: %w", err)
	}
	if len(doc.History) == 0 {
		return nil, nil // history is optional; an image without keeps none
	}
	keep := min(b.History, len(doc.History))
	out := append([]json.RawMessage{}, doc.History[:keep]...)
	var lines []string
	layersReplaced := 0
	for _, h := range im.History[keep:] {
		if h.Layer >= 0 {
			layersReplaced++
		}
		lines = append(lines, oneLine(h.CreatedBy))
	}
	comment := fmt.Sprintf("shipshape squash: one layer for %d layers and %d history entries:\n%s", layersReplaced, len(lines), strings.Join(lines, "\n"))
	e, err := json.Marshal(v1.History{Created: v1.Time{Time: when.UTC()}, CreatedBy: createdBy, Comment: comment})
	if err != nil {
		return nil, err
	}
	return append(out, e), nil
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "#(nop) "); i >= 0 {
		s = strings.TrimSpace(s[i+len("#(nop) "):])
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(no created_by)"
	}
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// squashTime is when the new layer was made: SOURCE_DATE_EPOCH when given,
// else the newest created time in the input's history, else the image's
// own created time; never the clock, so the same input gives the same
// digests.
func squashTime(epoch *time.Time, cfg *v1.ConfigFile, im *layers.Image) time.Time {
	if epoch != nil {
		return epoch.UTC()
	}
	var t time.Time
	for _, h := range im.History {
		if h.Created.After(t) {
			t = h.Created
		}
	}
	if t.IsZero() && cfg != nil {
		t = cfg.Created.Time
	}
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Truncate(time.Second)
}
