package gunzip

import (
	"archive/tar"
	"bytes"
	stdflate "compress/flate"
	stdgzip "compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/iotest"

	kflate "github.com/klauspost/compress/flate"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
)

// corpus is data shaped like what image layers hold: a tar of this
// repository's sources, random bytes, long runs, short-period repeats, and
// text with matches at every distance.
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || tarball.Len() > 8<<20 {
			return err
		}
		if filepath.Base(filepath.Dir(path)) == ".git" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		tw.WriteHeader(&tar.Header{Name: path, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 1<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	runs := make([]byte, 0, 1<<20)
	for len(runs) < 1<<20 {
		runs = append(runs, bytes.Repeat([]byte{byte(rng.IntN(4))}, 1+rng.IntN(600))...)
	}
	periodic := make([]byte, 0, 1<<20)
	for len(periodic) < 1<<20 {
		p := 2 + rng.IntN(40)
		unit := random[:p]
		for range 1 + rng.IntN(50) {
			periodic = append(periodic, unit...)
		}
	}
	// Words drawn from a small vocabulary give matches near and far.
	words := bytes.Fields(tarball.Bytes()[:min(tarball.Len(), 200<<10)])
	var text []byte
	for len(text) < 2<<20 && len(words) > 0 {
		text = append(text, words[rng.IntN(len(words))]...)
		text = append(text, ' ')
	}
	return map[string][]byte{
		"empty":    nil,
		"byte":     {'x'},
		"tar":      tarball.Bytes(),
		"random":   random,
		"runs":     runs,
		"periodic": periodic,
		"text":     text,
	}
}

// compressors give the same data in the shapes real writers produce.
var compressors = map[string]func(testing.TB, []byte) []byte{
	"stdlib-1":    stdLevel(1),
	"stdlib-6":    stdLevel(6),
	"stdlib-9":    stdLevel(9),
	"stdlib-huff": stdLevel(stdflate.HuffmanOnly),
	"stdlib-0":    stdLevel(0),
	"klauspost-1": kLevel(1),
	"klauspost-5": kLevel(5),
	"klauspost-9": kLevel(9),
	"klauspost-2": kLevel(-2), // Huffman only
	"pgzip": func(t testing.TB, b []byte) []byte {
		var buf bytes.Buffer
		w := pgzip.NewWriter(&buf)
		w.SetConcurrency(64<<10, 4)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	"gzip-cli-9": func(t testing.TB, b []byte) []byte {
		if _, err := exec.LookPath("gzip"); err != nil {
			t.Skip("gzip(1) is not installed")
		}
		cmd := exec.Command("gzip", "-9", "-c")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return out
	},
}

func stdLevel(level int) func(testing.TB, []byte) []byte {
	return func(t testing.TB, b []byte) []byte {
		var buf bytes.Buffer
		w, err := stdgzip.NewWriterLevel(&buf, level)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
}

func kLevel(level int) func(testing.TB, []byte) []byte {
	return func(t testing.TB, b []byte) []byte {
		var def bytes.Buffer
		w, err := kflate.NewWriter(&def, level)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		w.Close()
		return frame(def.Bytes(), b)
	}
}

// frame wraps raw deflate data in a minimal gzip member for plain.
func frame(deflate, plain []byte) []byte {
	out := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}
	out = append(out, deflate...)
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(plain))
	return binary.LittleEndian.AppendUint32(out, uint32(len(plain)))
}

func gunzipAll(t testing.TB, r io.Reader) ([]byte, error) {
	t.Helper()
	z, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

func TestDecompressesWhatWritersWrite(t *testing.T) {
	data := corpus(t)
	for cname, compress := range compressors {
		for dname, plain := range data {
			t.Run(cname+"/"+dname, func(t *testing.T) {
				gz := compress(t, plain)
				got, err := gunzipAll(t, bytes.NewReader(gz))
				if err != nil {
					t.Fatalf("decompressing %d bytes: %v", len(gz), err)
				}
				if !bytes.Equal(got, plain) {
					t.Fatalf("got %d bytes, want %d; first difference at %d", len(got), len(plain), firstDiff(got, plain))
				}
			})
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// The reader must not depend on how its source splits the input, nor on
// how its caller sizes reads.
func TestReadShapes(t *testing.T) {
	plain := corpus(t)["tar"][:1<<20]
	gz := stdLevel(6)(t, plain)
	sources := map[string]func() io.Reader{
		"one-byte":    func() io.Reader { return iotest.OneByteReader(bytes.NewReader(gz)) },
		"half":        func() io.Reader { return iotest.HalfReader(bytes.NewReader(gz)) },
		"data-err":    func() io.Reader { return iotest.DataErrReader(bytes.NewReader(gz)) },
		"all-at-once": func() io.Reader { return bytes.NewReader(gz) },
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			z, err := NewReader(src())
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			buf := make([]byte, 7)
			for {
				n, err := z.Read(buf)
				got.Write(buf[:n])
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got.Bytes(), plain) {
				t.Fatalf("output differs at byte %d", firstDiff(got.Bytes(), plain))
			}
		})
	}
}

func TestMultipleMembers(t *testing.T) {
	a, b := []byte("first member\n"), bytes.Repeat([]byte("second "), 5000)
	gz := append(stdLevel(9)(t, a), stdLevel(1)(t, b)...)
	got, err := gunzipAll(t, bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{}, a...), b...); !bytes.Equal(got, want) {
		t.Fatalf("got %q…, want the two members joined", got[:min(len(got), 40)])
	}

	// Anything after a member that is not another member is an error, as
	// with compress/gzip: padding is not silently accepted.
	_, err = gunzipAll(t, bytes.NewReader(append(stdLevel(6)(t, a), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
	if !errors.Is(err, ErrHeader) {
		t.Fatalf("zero padding after a member: got %v, want ErrHeader", err)
	}
}

func TestHeaderFields(t *testing.T) {
	var buf bytes.Buffer
	w := stdgzip.NewWriter(&buf)
	w.Name, w.Comment, w.Extra = "layer.tar", "a comment", []byte("extra field")
	w.Write([]byte("body"))
	w.Close()
	gz := buf.Bytes()
	if got, err := gunzipAll(t, bytes.NewReader(gz)); err != nil || string(got) != "body" {
		t.Fatalf("got %q, %v", got, err)
	}

	// A header CRC that matches is accepted; one that does not is refused.
	h := []byte{0x1f, 0x8b, 8, flagHdrCrc | flagName, 0, 0, 0, 0, 0, 3, 'n', 0}
	sum := crc32.ChecksumIEEE(h)
	rest := gz[10+len("layer.tar")+1+len("a comment")+1+2+len("extra field"):]
	good := append(binary.LittleEndian.AppendUint16(append([]byte{}, h...), uint16(sum)), rest...)
	if got, err := gunzipAll(t, bytes.NewReader(good)); err != nil || string(got) != "body" {
		t.Fatalf("valid header CRC: got %q, %v", got, err)
	}
	bad := append(binary.LittleEndian.AppendUint16(append([]byte{}, h...), uint16(sum)+1), rest...)
	if _, err := gunzipAll(t, bytes.NewReader(bad)); !errors.Is(err, ErrHeader) {
		t.Fatalf("wrong header CRC: got %v, want ErrHeader", err)
	}
}

func TestDamage(t *testing.T) {
	plain := corpus(t)["tar"][:256<<10]
	gz := stdLevel(6)(t, plain)

	// Every truncation is an error, never a short success.
	for cut := 0; cut < len(gz); cut += 1 + cut/50 {
		if _, err := gunzipAll(t, bytes.NewReader(gz[:cut])); err == nil {
			t.Fatalf("stream cut at %d of %d bytes decompressed without error", cut, len(gz))
		}
	}

	// A wrong CRC or size in the trailer is named as such.
	for _, at := range []int{len(gz) - 8, len(gz) - 1} {
		bad := bytes.Clone(gz)
		bad[at] ^= 0x40
		if _, err := gunzipAll(t, bytes.NewReader(bad)); !errors.Is(err, ErrChecksum) {
			t.Fatalf("trailer byte %d flipped: got %v, want ErrChecksum", at, err)
		}
	}

	// Flipped bits anywhere: fail exactly when compress/gzip fails, and
	// agree on the bytes when neither does.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		bad := bytes.Clone(gz)
		bad[10+rng.IntN(len(gz)-18)] ^= 1 << rng.IntN(8)
		compare(t, bad)
	}
}

// compare requires this package and compress/gzip to agree on gz.
func compare(t *testing.T, gz []byte) {
	t.Helper()
	want, wantErr := func() ([]byte, error) {
		r, err := stdgzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}()
	got, err := gunzipAll(t, bytes.NewReader(gz))
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("compress/gzip says %v, gunzip says %v", wantErr, err)
	}
	if err == nil && !bytes.Equal(got, want) {
		t.Fatalf("outputs differ at byte %d", firstDiff(got, want))
	}
}

// FuzzInflate feeds arbitrary deflate data to compress/flate and to this
// package (in a gzip frame whose trailer matches what compress/flate made of
// it): both fail, or both give the same bytes.
func FuzzInflate(f *testing.F) {
	for _, level := range []int{0, 1, 6, 9, stdflate.HuffmanOnly} {
		for _, s := range []string{"", "a", "hello hello hello hello", "abcabcabcabcabcabcabc\x00\x01\x02xyzxyz"} {
			var b bytes.Buffer
			w, _ := stdflate.NewWriter(&b, level)
			w.Write([]byte(s))
			w.Close()
			f.Add(b.Bytes())
		}
	}
	f.Add([]byte{0x03, 0x00})                   // fixed block, end of block
	f.Add([]byte{0x01, 0x00, 0x00, 0xff, 0xff}) // empty stored block
	f.Fuzz(func(t *testing.T, deflate []byte) {
		src := bytes.NewReader(deflate)
		fr := stdflate.NewReader(src)
		want, wantErr := io.ReadAll(io.LimitReader(fr, 64<<20))
		if len(want) == 64<<20 {
			t.Skip("expands past 64 MiB: compress/flate's side was cut short")
		}
		used := len(deflate) - src.Len()
		gz := frame(deflate[:used], want)
		if wantErr != nil {
			// Keep the bytes compress/flate saw; the trailer is arbitrary.
			gz = frame(deflate, nil)
		}
		got, err := gunzipAll(t, bytes.NewReader(gz))
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("compress/flate says %v, gunzip says %v", wantErr, err)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("outputs differ at byte %d (%d and %d bytes)", firstDiff(got, want), len(got), len(want))
		}
		// ReadChunk, two buffers in turn, agrees too.
		got, err = nil, nil
		z, err := NewReader(bytes.NewReader(gz))
		bufs := [2][]byte{make([]byte, MinChunk), make([]byte, MinChunk)}
		for i := 0; err == nil; i++ {
			var b []byte
			b, err = z.ReadChunk(bufs[i%2])
			got = append(got, b...)
		}
		if err == io.EOF {
			err = nil
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("compress/flate says %v, ReadChunk says %v", wantErr, err)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("ReadChunk: outputs differ at byte %d (%d and %d bytes)", firstDiff(got, want), len(got), len(want))
		}
	})
}

func BenchmarkGunzip(b *testing.B) {
	data := corpus(b)
	for _, name := range []string{"tar", "text"} {
		gz := stdLevel(6)(b, data[name])
		b.Run(name+"/shipshape", func(b *testing.B) {
			b.SetBytes(int64(len(data[name])))
			z, _ := NewReader(bytes.NewReader(gz))
			for b.Loop() {
				z.Reset(bytes.NewReader(gz))
				io.Copy(io.Discard, z)
			}
		})
		b.Run(name+"/klauspost", func(b *testing.B) {
			b.SetBytes(int64(len(data[name])))
			for b.Loop() {
				r, _ := kgzip.NewReader(bytes.NewReader(gz))
				io.Copy(io.Discard, r)
			}
		})
	}
}

// BenchmarkGunzipFile measures a real layer blob: GUNZIP_BENCH_FILE=PATH.
func BenchmarkGunzipFile(b *testing.B) {
	path := os.Getenv("GUNZIP_BENCH_FILE")
	if path == "" {
		b.Skip("set GUNZIP_BENCH_FILE to a gzip file")
	}
	gz, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	b.Run("shipshape", func(b *testing.B) {
		z, _ := NewReader(bytes.NewReader(gz))
		for b.Loop() {
			z.Reset(bytes.NewReader(gz))
			n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{z}, buf)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
		}
	})
	b.Run("klauspost", func(b *testing.B) {
		for b.Loop() {
			r, _ := kgzip.NewReader(bytes.NewReader(gz))
			n, _ := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf)
			b.SetBytes(n)
		}
	})
}

// ReadChunk gives the same bytes as Read, across members, while buffers
// rotate as a read-ahead rotates them (a buffer comes back once its bytes
// are used, sometimes the very buffer just filled).
func TestReadChunk(t *testing.T) {
	data := corpus(t)
	plain := append(append([]byte{}, data["tar"]...), data["runs"]...)
	gz := append(append(stdLevel(6)(t, data["tar"]), stdLevel(0)(t, nil)...), kLevel(1)(t, data["runs"])...)
	for _, size := range []int{MinChunk, 256 << 10} {
		z, err := NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		bufs := [][]byte{make([]byte, size), make([]byte, size), make([]byte, size)}
		var got []byte
		for i := 0; ; i++ {
			b, err := z.ReadChunk(bufs[i%len(bufs)*(i/7%2)]) // runs of reusing buffer 0, then rotating
			got = append(got, b...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("chunk %d: %v", i, err)
			}
			if len(b) == 0 {
				t.Fatalf("chunk %d: no bytes and no error", i)
			}
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("buffers of %d bytes: output differs at byte %d of %d", size, firstDiff(got, plain), len(plain))
		}
	}

	z, _ := NewReader(bytes.NewReader(gz))
	if _, err := z.ReadChunk(make([]byte, MinChunk-1)); err == nil {
		t.Fatal("a buffer smaller than MinChunk was accepted")
	}

	// A damaged trailer is still caught.
	bad := stdLevel(6)(t, data["text"])
	bad[len(bad)-5] ^= 1
	z, _ = NewReader(bytes.NewReader(bad))
	buf := make([]byte, MinChunk)
	for {
		_, err := z.ReadChunk(buf)
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("damaged trailer: got %v, want ErrChecksum", err)
		}
		break
	}
}
