package analyze_test

import (
	"fmt"
	"testing"

	"github.com/shipshape-dev/shipshape/analyze"
	"github.com/shipshape-dev/shipshape/layers"
)

// whiteoutImage is a base of files, a layer adding n small files, and a layer
// deleting each of them: the case where dive's time grows much faster than n.
func whiteoutImage(n int) *layers.Image {
	base := &layers.Layer{Index: 0}
	for i := 0; i < 5000; i++ {
		base.Entries = append(base.Entries, layers.Entry{Path: fmt.Sprintf("usr/lib/d%d/f%d", i%50, i), Size: 4096, Kind: layers.Regular})
	}
	add, del := &layers.Layer{Index: 1}, &layers.Layer{Index: 2}
	add.Entries = append(add.Entries, layers.Entry{Path: "data", Kind: layers.Dir})
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("data/d%d/f%d", i%100, i)
		add.Entries = append(add.Entries, layers.Entry{Path: p, Size: 16, Kind: layers.Regular})
		del.Entries = append(del.Entries, layers.Entry{Path: p, Whiteout: true})
	}
	return &layers.Image{Layers: []*layers.Layer{base, add, del}}
}

// BenchmarkAnalyzeWhiteouts shows the analysis growing linearly with files
// and whiteouts: ns/op divided by n stays flat from 1,000 to 100,000.
//
//	go test ./analyze -run '^$' -bench AnalyzeWhiteouts -benchmem
func BenchmarkAnalyzeWhiteouts(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		im := whiteoutImage(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				r := analyze.Analyze(im, nil)
				if r.Dive.WastedBytes != int64(16*n) {
					b.Fatalf("wasted %d", r.Dive.WastedBytes)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+5000), "ns/entry")
		})
	}
}
