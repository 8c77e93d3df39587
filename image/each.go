package image

import (
	"cmp"
	"context"
	"io"
	"slices"

	"golang.org/x/sync/errgroup"
)

// eachParallel opens layers independently, parallel at a time, biggest first,
// and reads each to its end so its digests are checked even when fn stops early.
func eachParallel(ctx context.Context, layers []*Layer, parallel int, fn func(l *Layer, r io.Reader) error) error {
	if parallel < 1 {
		parallel = 1
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	// Biggest blobs first: one large layer started last would run alone at
	// the end while the other cores idle.
	order := slices.Clone(layers)
	slices.SortStableFunc(order, func(a, b *Layer) int { return cmp.Compare(b.Size, a.Size) })
	for _, l := range order {
		g.Go(func() error {
			rc, err := l.Open(ctx)
			if err != nil {
				return err
			}
			return feed(l, rc, fn)
		})
	}
	return g.Wait()
}

// feed hands a layer to fn and reads it to its end so its digests are
// checked even when fn stops early.
func feed(l *Layer, rc io.ReadCloser, fn func(*Layer, io.Reader) error) error {
	defer rc.Close()
	if err := fn(l, rc); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, rc) // the stream's errors name the layer
	return err
}
