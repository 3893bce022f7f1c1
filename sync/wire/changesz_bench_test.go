package wire

import "testing"

// A level frame's cost on a stream with context, as a live edit pays it.
func BenchmarkCompressSmall(b *testing.B) {
	c := NewCompressor()
	for _, k := range keystrokes(200) {
		c.Compress(k)
	}
	level := AppendInner(nil, FrameLevel, make([]byte, 64))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Compress(level); err != nil {
			b.Fatal(err)
		}
	}
}
