package analyze

import (
	"fmt"
	"strconv"
	"strings"
)

// Thresholds are the CI gates. A nil field is disabled. The first three keep
// dive's meaning and names (lowestEfficiency, highestWastedBytes,
// highestUserWastedPercent); MaxReclaimableBytes gates shipshape's own figure.
type Thresholds struct {
	LowestEfficiency         *float64
	HighestWastedBytes       *int64
	HighestUserWastedPercent *float64 // a fraction, as in dive: 0.1 is 10 %
	MaxReclaimableBytes      *int64
}

// DiveDefaults are dive's own defaults for --ci, so a pipeline that used
// dive keeps passing and failing on the same images.
func DiveDefaults() Thresholds {
	eff, user := 0.9, 0.1
	return Thresholds{LowestEfficiency: &eff, HighestUserWastedPercent: &user}
}

// Gate is the outcome of one threshold.
type Gate struct {
	Name      string `json:"name"`
	Status    string `json:"status"` // PASS, FAIL or SKIP
	Value     string `json:"value"`
	Threshold string `json:"threshold"`
	Message   string `json:"message"`
}

// Evaluate checks r against t; ok is false when any gate fails.
func Evaluate(r *Result, t Thresholds) (gates []Gate, ok bool) {
	ok = true
	// gate adds one gate; set is false when its threshold is disabled.
	gate := func(name string, set bool, value, threshold string, fail bool, msg string) {
		g := Gate{Name: name, Status: "PASS", Value: value, Threshold: threshold, Message: msg}
		switch {
		case !set:
			g = Gate{Name: name, Status: "SKIP", Threshold: "disabled", Message: "disabled"}
		case fail:
			g.Status, ok = "FAIL", false
		}
		gates = append(gates, g)
	}
	d := r.Dive
	if e := t.LowestEfficiency; e != nil {
		gate("lowest-efficiency", true, fmt.Sprintf("%.4f", d.Efficiency), fmt.Sprintf("%g", *e), d.Efficiency < *e,
			fmt.Sprintf("dive-compatible efficiency %.2f %% (at least %g %% wanted)", d.Efficiency*100, *e*100))
	} else {
		gate("lowest-efficiency", false, "", "", false, "")
	}
	if w := t.HighestWastedBytes; w != nil {
		gate("highest-wasted-bytes", true, strconv.FormatInt(d.WastedBytes, 10), strconv.FormatInt(*w, 10), d.WastedBytes > *w,
			fmt.Sprintf("dive-compatible wasted bytes %d (at most %d allowed)", d.WastedBytes, *w))
	} else {
		gate("highest-wasted-bytes", false, "", "", false, "")
	}
	if u := t.HighestUserWastedPercent; u != nil {
		gate("highest-user-wasted-percent", true, fmt.Sprintf("%.4f", d.UserWastedPercent), fmt.Sprintf("%g", *u), d.UserWastedPercent > *u,
			fmt.Sprintf("dive-compatible user wasted %.2f %% of the bytes your layers add (at most %g %% allowed)", d.UserWastedPercent*100, *u*100))
	} else {
		gate("highest-user-wasted-percent", false, "", "", false, "")
	}
	if m := t.MaxReclaimableBytes; m != nil {
		rb := r.Waste.ReclaimableBytes
		gate("max-reclaimable-bytes", true, strconv.FormatInt(rb, 10), strconv.FormatInt(*m, 10), rb > *m,
			fmt.Sprintf("reclaimable %d bytes not in the final filesystem (at most %d allowed)", rb, *m))
	} else {
		gate("max-reclaimable-bytes", false, "", "", false, "")
	}
	return gates, ok
}

// ParseBytes reads a byte count as dive's CI file writes it: a plain number,
// or one with a unit; kB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a byte count (want e.g. 20MB, 512KiB or 1048576)", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
		"ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20, "gi": 1 << 30, "gib": 1 << 30, "ti": 1 << 40, "tib": 1 << 40,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("%q has an unknown unit %q (want B, kB, MB, GB, KiB, MiB or GiB)", s, unit)
	}
	return int64(f * mult), nil
}

// ParseRatio reads a fraction between 0 and 1; "12%" is accepted as 0.12.
func ParseRatio(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number (want a ratio between 0 and 1, e.g. 0.9, or a percentage such as 90%%)", s)
	}
	if pct {
		f /= 100
	}
	if f < 0 || f > 1 {
		return 0, fmt.Errorf("%q is outside 0..1 (a ratio: 0.9 means 90 %%)", s)
	}
	return f, nil
}
