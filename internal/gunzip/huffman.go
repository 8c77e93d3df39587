package gunzip

import "math/bits"

// Decoding tables. A Huffman code is looked up with the next bits of the
// stream as an index: a primary table covers the short codes directly, and a
// code longer than the primary width sends the lookup on to a subtable. Each
// entry is one uint32 so the hot loop touches a single word per symbol:
//
//	bits 0-5    bits the entry consumes: its code and the extra bits after it
//	            (a subtable entry counts the code bits past the primary width;
//	            a link counts the primary width)
//	bits 8-11   bits of the code alone (a link: the width of its subtable)
//	bits 12-15  kind flags (literal, subtable link, end of block, invalid);
//	            none means a length or distance
//	bits 16-31  literal byte, base length, base distance or subtable offset
//
// Consuming code and extra bits with one shift keeps the chain from one
// lookup to the next short: the extra bits are taken from the bits saved
// before the shift.
const (
	entryLiteral = 1 << 12
	entryLink    = 1 << 13
	entryEnd     = 1 << 14
	entryInvalid = 1 << 15
	entryStop    = entryEnd | entryInvalid

	litBits  = 11 // primary width of the literal/length table
	distBits = 8  // primary width of the distance table
	lenBits  = 7  // the code-length code has codes of at most 7 bits

	maxCodeLen = 15

	// A subtable hangs off a primary slot shared by at least one long code,
	// and is at most 2^(15-primary) entries: at most one per symbol.
	litTableSize  = 1<<litBits + 288<<(maxCodeLen-litBits)
	distTableSize = 1<<distBits + 32<<(maxCodeLen-distBits)
)

// entry makes a symbol's entry without its code length, which build adds.
func entry(value uint32, extra uint32, flags uint32) uint32 {
	return value<<16 | flags | extra
}

// withCode adds a code of n bits to a symbol's entry.
func withCode(e uint32, n int) uint32 { return e + uint32(n) + uint32(n)<<8 }

// lengthBase and lengthExtra describe length symbols 257..285 (RFC 1951, 3.2.5).
var lengthBase = [29]uint32{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
var lengthExtra = [29]uint32{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}

// distBase and distExtra describe distance symbols 0..29.
var distBase = [30]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
var distExtra = [30]uint32{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

// litEntry is what symbol sym of the literal/length alphabet decodes to.
func litEntry(sym int) uint32 {
	switch {
	case sym < 256:
		return entry(uint32(sym), 0, entryLiteral)
	case sym == 256:
		return entry(0, 0, entryEnd)
	case sym < 286:
		return entry(lengthBase[sym-257], lengthExtra[sym-257], 0)
	}
	return entry(0, 0, entryInvalid) // 286 and 287 exist only in the fixed code
}

func distEntry(sym int) uint32 {
	if sym < 30 {
		return entry(distBase[sym], distExtra[sym], 0)
	}
	return entry(0, 0, entryInvalid) // 30 and 31 exist only in the fixed code
}

func lenEntry(sym int) uint32 { return entry(uint32(sym), 0, 0) }

// build fills table from the code lengths of a canonical Huffman code
// (RFC 1951, 3.2.2). It refuses an over-subscribed code, and an incomplete
// one unless it is a single one-bit code (zlib and compress/flate accept
// that); slots no code reaches decode as invalid. An empty code is accepted
// too: every slot is invalid, and only a stream that uses it fails.
func build(table []uint32, lengths []uint8, primary uint, symbol func(int) uint32) bool {
	var count [maxCodeLen + 1]int
	maxLen := 0
	for _, l := range lengths {
		count[l]++
		if int(l) > maxLen {
			maxLen = int(l)
		}
	}
	count[0] = 0
	invalid := entry(0, 0, entryInvalid)
	if maxLen == 0 {
		fill(table[:1<<primary], invalid)
		return true
	}
	// next[l] is the first canonical code of length l.
	var next [maxCodeLen + 2]int
	code := 0
	for l := 1; l <= maxLen; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	if space := next[maxLen] + count[maxLen]; space != 1<<maxLen {
		if space > 1<<maxLen || !(space == 1 && maxLen == 1) {
			return false
		}
		fill(table[:1<<primary], invalid)
	}

	// Subtables: a primary slot whose prefix starts a long code gets a
	// subtable as wide as the longest code under it. Canonical codes of
	// increasing length sharing a prefix are contiguous, so one pass in
	// (length, symbol) order finds the widths.
	top := 1 << primary
	if maxLen > int(primary) {
		var width [1 << max(litBits, distBits)]uint8 // indexed by the reversed primary prefix
		var prefixes [288]uint16                     // in the order they first appear
		n := 0
		c := next
		for l := int(primary) + 1; l <= maxLen; l++ {
			for _, sl := range lengths {
				if int(sl) != l {
					continue
				}
				prefix := reverse(c[l]>>(l-int(primary)), primary)
				c[l]++
				if width[prefix] == 0 {
					prefixes[n] = uint16(prefix)
					n++
				}
				width[prefix] = uint8(l - int(primary)) // lengths only grow
			}
		}
		for _, prefix := range prefixes[:n] {
			w := width[prefix]
			table[prefix] = uint32(top)<<16 | entryLink | uint32(w)<<8 | uint32(primary)
			top += 1 << w
		}
	}
	if top > len(table) {
		return false
	}

	for sym, sl := range lengths {
		l := int(sl)
		if l == 0 {
			continue
		}
		rev := reverse(next[l], uint(l))
		next[l]++
		if l <= int(primary) {
			e := withCode(symbol(sym), l)
			for i := rev; i < 1<<primary; i += 1 << l {
				table[i] = e
			}
			continue
		}
		link := table[rev&(1<<primary-1)]
		base, w := int(link>>16), uint(link>>8&15)
		rest := l - int(primary)
		e := withCode(symbol(sym), rest)
		for i := rev >> primary; i < 1<<w; i += 1 << rest {
			table[base+i] = e
		}
	}
	return true
}

// reverse returns the low n bits of code in reverse order: deflate packs
// Huffman codes from their most significant bit, into a stream read from the
// least significant bit.
func reverse(code int, n uint) int {
	return int(bits.Reverse16(uint16(code)) >> (16 - n))
}

func fill(t []uint32, v uint32) {
	for i := range t {
		t[i] = v
	}
}

// fixed tables (RFC 1951, 3.2.6), built once.
var fixedLit, fixedDist = func() (*[litTableSize]uint32, *[distTableSize]uint32) {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	lit, dist := new([litTableSize]uint32), new([distTableSize]uint32)
	if !build(lit[:], l[:], litBits, litEntry) || !build(dist[:], d[:], distBits, distEntry) {
		panic("gunzip: fixed Huffman tables do not build")
	}
	return lit, dist
}()
