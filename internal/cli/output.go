package cli

import (
	"bufio"
	"io"
	"os"
)

// writeStreamed runs write on a buffered writer over path (created with mode
// 0644), or over stdout when path is empty.
func writeStreamed(stdout io.Writer, path string, write func(io.Writer) error) error {
	dst := stdout
	var f *os.File
	if path != "" {
		var err error
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
			return err
		}
		dst = f
	}
	bw := bufio.NewWriterSize(dst, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
