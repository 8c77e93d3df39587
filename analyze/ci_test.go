package analyze

import (
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"1048576": 1048576, "20MB": 20_000_000, "20 MB": 20_000_000, "1.5kB": 1500,
		"512KiB": 512 << 10, "2GiB": 2 << 30, "3b": 3,
	} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "-5", "12 parsecs"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
}

func TestParseRatio(t *testing.T) {
	for in, want := range map[string]float64{"0.9": 0.9, "90%": 0.9, "0": 0, "1": 1} {
		if got, err := ParseRatio(in); err != nil || got != want {
			t.Errorf("ParseRatio(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"1.5", "-0.1", "ninety", "150%"} {
		if _, err := ParseRatio(bad); err == nil {
			t.Errorf("ParseRatio(%q) accepted", bad)
		}
	}
}

func TestEvaluateGates(t *testing.T) {
	r := &Result{Dive: Dive{Efficiency: 0.95, WastedBytes: 5000, UserWastedPercent: 0.2}, Waste: Waste{ReclaimableBytes: 7000}}
	eff, wasted, user, recl := 0.9, int64(4000), 0.5, int64(8000)
	gates, ok := Evaluate(r, Thresholds{LowestEfficiency: &eff, HighestWastedBytes: &wasted, HighestUserWastedPercent: &user, MaxReclaimableBytes: &recl})
	if ok {
		t.Error("5000 wasted bytes over a 4000 limit passed")
	}
	var got []string
	for _, g := range gates {
		got = append(got, g.Name+"="+g.Status)
	}
	want := "lowest-efficiency=PASS highest-wasted-bytes=FAIL highest-user-wasted-percent=PASS max-reclaimable-bytes=PASS"
	if strings.Join(got, " ") != want {
		t.Errorf("gates %v, want %s", got, want)
	}
	if _, ok := Evaluate(r, Thresholds{}); !ok {
		t.Error("all gates disabled should pass")
	}
	if _, ok := Evaluate(r, DiveDefaults()); ok {
		t.Error("dive's defaults allow 10 % user waste; 20 % must fail")
	}
}
