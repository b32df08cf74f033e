package fpdf

// Guichet patch: the work fpdf does for a UTF-8 font in every document
// (parsing the TrueType file, deriving the font's id from a JSON encoding of
// its 65,536 widths, cutting the subset of used characters, compressing it)
// is done once per font, and once per set of used characters, and shared by
// all documents of the process. See PATCHES.md.

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
)

// parsedFont is a TrueType font parsed once. Its file is only read by
// documents: cutting a subset parses a copy of its own.
type parsedFont struct {
	file        *utf8FontFile
	fingerprint [sha1.Size]byte
}

// fontKey identifies font bytes by their backing array, as fonts embedded
// in a program are the same slice every time.
type fontKey struct {
	data *byte
	size int
}

var parsedFonts sync.Map // fontKey → *parsedFont

func parseUTF8FontOnce(utf8Bytes []byte) (*parsedFont, error) {
	key := fontKey{&utf8Bytes[0], len(utf8Bytes)}
	if p, ok := parsedFonts.Load(key); ok {
		return p.(*parsedFont), nil
	}
	file := newUTF8Font(&fileReader{readerPosition: 0, array: utf8Bytes})
	if err := file.parseFile(); err != nil {
		return nil, err
	}
	p := &parsedFont{file: file, fingerprint: sha1.Sum(utf8Bytes)}
	actual, _ := parsedFonts.LoadOrStore(key, p)
	return actual.(*parsedFont), nil
}

// fontID is the id of a font registered under fontkey: the same font
// under the same name gets the same id, as with generateFontID.
func (p *parsedFont) fontID(fontkey string) string {
	return fmt.Sprintf("%x", sha1.Sum(append([]byte(fontkey+"\x00"), p.fingerprint[:]...)))
}

// inBase reports whether r is one of the characters embedded in every
// document besides those it uses, so that most documents share one subset:
// ASCII, Latin-1, the French œ, Œ and Ÿ, general punctuation (dashes,
// quotes, ellipsis), the narrow no-break space and the euro sign. A
// document that uses other characters gets a subset of its own, cached by
// those characters.
func inBase(r int) bool {
	switch {
	case r < 0x7f, r >= 0xa0 && r <= 0xff, r >= 0x2010 && r <= 0x2027:
		return true
	}
	return r == 0x152 || r == 0x153 || r == 0x178 || r == 0x202f || r == 0x20ac
}

// withBase is used and the base characters, as GenerateCutFont and
// cidWidths take them.
func withBase(used map[int]int) map[int]int {
	all := make(map[int]int, len(used)+256)
	for r := 0x20; r <= 0x20ac; r++ {
		if inBase(r) {
			all[r] = r
		}
	}
	for r, v := range used {
		all[r] = max(all[r], v)
	}
	return all
}

// cutFont is a subset of a font, ready to embed.
type cutFont struct {
	fontStream  []byte // compressed
	fontSize    int    // uncompressed
	cidToGIDMap []byte // compressed
	widths      string // the /W array
}

var (
	cutFontsMu sync.Mutex
	cutFonts   = map[string]*cutFont{}
)

// maxCutFonts bounds the cache of subsets; past it, the cache starts over.
const maxCutFonts = 256

// cutFontOnce returns the subset of font for the runes used, cut and
// compressed once per set of runes.
func cutFontOnce(font *fontDefType, used map[int]int) *cutFont {
	// The key is the font and the characters beyond the base: a document
	// that uses none shares the base subset.
	var extra []int
	for r, v := range used {
		if (v != 0 || r <= 255) && !inBase(r) {
			extra = append(extra, r)
		}
	}
	slices.Sort(extra)
	h := sha1.New()
	h.Write([]byte(font.i))
	var buf [8]byte
	for _, r := range extra {
		binary.LittleEndian.PutUint64(buf[:], uint64(r))
		h.Write(buf[:])
	}
	key := string(h.Sum(nil))
	cutFontsMu.Lock()
	c, ok := cutFonts[key]
	cutFontsMu.Unlock()
	if ok {
		return c
	}
	// Cutting moves the file's reader and fills its dictionary: cut a
	// copy of the shared parse.
	own := newUTF8Font(&fileReader{readerPosition: 0, array: font.utf8File.fileReader.array})
	if err := own.parseFile(); err != nil {
		panic(fmt.Errorf("fpdf: font parsed once cannot be parsed again: %w", err))
	}
	all := withBase(used)
	stream := own.GenerateCutFont(all)
	symbols := own.CodeSymbolDictionary
	delete(symbols, 0)
	cidToGidMap := make([]byte, 256*256*2)
	for cc, glyph := range symbols {
		cidToGidMap[cc*2] = byte(glyph >> 8)
		cidToGidMap[cc*2+1] = byte(glyph & 0xFF)
	}
	c = &cutFont{fontSize: len(stream), widths: cidWidths(font, all, own.LastRune)}
	mem := xmem.compress(cidToGidMap)
	c.cidToGIDMap = slices.Clone(mem.bytes())
	mem.release()
	mem = xmem.compress(stream)
	c.fontStream = slices.Clone(mem.bytes())
	mem.release()
	cutFontsMu.Lock()
	if len(cutFonts) >= maxCutFonts {
		clear(cutFonts)
	}
	cutFonts[key] = c
	cutFontsMu.Unlock()
	return c
}
