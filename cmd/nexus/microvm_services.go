package main

import (
	"context"
	"os"
	"path/filepath"

	"nexusos/memex"
	"nexusos/microvm"
	"nexusos/microvm/hostsvc"
	"nexusos/vectordb"
)

func init() { registerMicroVMServices(memexForApps) }

// memexForApps opens the MemexFS index under home, when there is one, for
// the apps `nexus run` starts. While `nexus serve` holds the index, apps
// run by `nexus run` get "not available" (run them with --detach instead).
func memexForApps(ctx context.Context, home string, svc *microvm.Services) (func(), error) {
	if _, err := os.Stat(filepath.Join(home, "memex")); err != nil {
		return nil, nil
	}
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		return nil, err
	}
	m, err := memex.Open(ctx, memex.Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		db.Close()
		return nil, err
	}
	svc.Memex = hostsvc.Memex{M: m}
	return func() { m.Close(); db.Close() }, nil
}
