package doc

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"

	"github.com/coplan/coplan/internal/atomicfile"
)

// contentCacheFile holds, in a plan's folder, the plan as plain data. The
// window shows it at once while Automerge rebuilds the document, which takes
// seconds on a large plan. It is only ever a preview: the document wins.
const contentCacheFile = "content.json"

// cacheMu keeps cache writes in the order their content was read, so an
// older snapshot never lands after a newer one.
var cacheMu sync.Mutex

// ContentCache reads the plan's cached content. It reports false when there
// is none or it cannot be used (damaged, another plan, another schema).
func (l *Library) ContentCache(id string) (Content, bool) {
	if !ValidPlanID(id) {
		return Content{}, false
	}
	data, err := os.ReadFile(filepath.Join(l.planDir(id), contentCacheFile))
	if err != nil {
		return Content{}, false
	}
	var c Content
	if err := json.Unmarshal(data, &c); err != nil || c.ID != id || c.Schema != SchemaVersion {
		return Content{}, false
	}
	return c, true
}

// WriteContentCache commits pending edits and writes the plan's content to
// its folder for the next ContentCache. The cache then never shows an edit
// the document on disk does not have.
func (p *Plan) WriteContentCache() error {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	p.mu.Lock()
	if p.store == nil {
		p.mu.Unlock()
		return errors.New("the plan has no folder (closed or in memory)")
	}
	dir := p.store.Dir()
	err := p.commitLocked()
	c := p.contentLocked()
	p.mu.Unlock()
	if err != nil {
		return err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	// Quick: a cache lost to a crash is rebuilt from the document.
	return atomicfile.WriteFileQuick(filepath.Join(dir, contentCacheFile), data, 0o600)
}
