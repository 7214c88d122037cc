package load

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	record := []byte("exception_id: x\ntype: gate_override\n")
	big := bytes.Repeat([]byte("a: b\n"), MaxFileSize/5+10)

	tests := []struct {
		name string
		path string
		size int64 // what a stat said
		want []byte
	}{
		{"whole file", write("r.yaml", record), int64(len(record)), record},
		{"empty file", write("e.yaml", nil), 0, []byte{}},
		{"grew since the stat", write("g.yaml", record), 4, record},
		{"shrank since the stat", write("s.yaml", record[:5]), int64(len(record)), record[:5]},
		{"oversize: one byte past the limit", write("big.yaml", big), int64(len(big)), big[:MaxFileSize+1]},
		{"oversize, stat said small", write("big2.yaml", big), 10, big[:MaxFileSize+1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readFile(tt.path, tt.size)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("missing file", func(t *testing.T) {
		_, err := readFile(filepath.Join(dir, "absent.yaml"), 0)
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
}
