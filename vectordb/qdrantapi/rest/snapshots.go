package rest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"nexusos/access"
	"nexusos/vectordb"
)

// Snapshot endpoints: create, list, download, delete, recover from a
// file:// location and recover from an uploaded file.

// snapshotTimeLayout is how Qdrant spells creation_time (no zone, UTC).
const snapshotTimeLayout = "2006-01-02T15:04:05"

func snapshotOut(s vectordb.SnapshotDescription) map[string]any {
	m := map[string]any{"name": s.Name, "size": s.Size, "creation_time": nil, "checksum": nil}
	if !s.CreationTime.IsZero() {
		m["creation_time"] = s.CreationTime.UTC().Format(snapshotTimeLayout)
	}
	if s.Checksum != "" {
		m["checksum"] = s.Checksum
	}
	return m
}

func validSnapshotName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return fmt.Errorf("invalid snapshot name %q", name)
	}
	return nil
}

func (h *handler) createSnapshot(r *http.Request) (any, error) {
	s, err := h.db.CreateSnapshot(r.Context(), collectionName(r))
	if err != nil {
		return nil, err
	}
	if r.URL.Query().Get("wait") == "false" {
		// The snapshot is written before answering either way.
		return accepted{nil}, nil
	}
	return snapshotOut(s), nil
}

// validChecksumParam rejects a ?checksum= that is not a hex SHA-256, as
// Qdrant does before reading an upload.
func validChecksumParam(r *http.Request) error {
	c := r.URL.Query().Get("checksum")
	if c == "" {
		return nil
	}
	if b, err := hex.DecodeString(c); err != nil || len(b) != sha256.Size {
		return &validationError{where: "query parameters", path: "checksum", msg: "invalid_sha256_hash"}
	}
	return nil
}

func (h *handler) listSnapshots(r *http.Request) (any, error) {
	ss, err := h.db.ListSnapshots(collectionName(r))
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, snapshotOut(s))
	}
	return out, nil
}

func (h *handler) downloadSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("snapshot")
	if err := validSnapshotName(name); err != nil {
		writeError(w, start, vectordb.NotFound("Snapshot %s not found", name))
		return
	}
	path, err := h.db.SnapshotPath(collectionName(r), name)
	if err != nil {
		writeError(w, start, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			writeError(w, start, vectordb.NotFound("Snapshot %s not found", name))
		} else {
			writeError(w, start, fmt.Errorf("open snapshot %s: %w", name, err))
		}
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeError(w, start, fmt.Errorf("stat snapshot %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	http.ServeContent(w, r, name, st.ModTime(), f)
}

func (h *handler) deleteSnapshot(r *http.Request) (any, error) {
	name := r.PathValue("snapshot")
	if err := validSnapshotName(name); err != nil {
		return nil, badInput(err)
	}
	if err := h.db.DeleteSnapshot(collectionName(r), name); err != nil {
		return nil, err
	}
	if r.URL.Query().Get("wait") == "false" {
		return accepted{nil}, nil
	}
	return true, nil
}

func (h *handler) recoverSnapshot(r *http.Request) (any, error) {
	var w struct {
		Location *string `json:"location"`
		Priority *string `json:"priority"`
		Checksum *string `json:"checksum"`
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	if w.Location == nil {
		return nil, badInput(fmt.Errorf("missing field `location`"))
	}
	u, err := url.Parse(*w.Location)
	if err != nil {
		return nil, badInput(fmt.Errorf("location %q: %w", *w.Location, err))
	}
	var path string
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !filepath.IsAbs(u.Path) {
			return nil, &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Bad request: Invalid snapshot URI, file path must be absolute or on localhost"}
		}
		if path, err = h.recoverPath(u.Path); err != nil {
			return nil, err
		}
		if len(h.cfg.RecoverRoots) > 0 {
			// Read the file through the root it lies in (os.Root refuses
			// any escape, symbolic links included, at open time), into a
			// private copy the engine then recovers: no link swapped in
			// later can redirect the read.
			tmp, err := h.copyFromRoots(path)
			if err != nil {
				return nil, err
			}
			defer os.Remove(tmp)
			path = tmp
		}
	case "http", "https":
		if !h.cfg.HTTPRecovery {
			return nil, &vectordb.Error{Kind: vectordb.KindForbidden, Msg: "Forbidden: recovering snapshots from URLs is disabled on this server (nexus serve --snapshot-urls enables it)"}
		}
		tmp, err := h.downloadSnapshotURL(r.Context(), u)
		if err != nil {
			return nil, err
		}
		defer os.Remove(tmp)
		path = tmp
	default:
		return nil, badInput(fmt.Errorf("location %q: expected a file://, http:// or https:// URL", *w.Location))
	}
	if w.Checksum != nil && *w.Checksum != "" {
		// The engine's snapshot descriptions carry SHA-256 checksums; verify
		// before recovering.
		sum, err := fileSHA256(path)
		if err != nil {
			return nil, badInput(fmt.Errorf("location %q: %w", *w.Location, err))
		}
		if !strings.EqualFold(sum, *w.Checksum) {
			return nil, badInput(fmt.Errorf("snapshot checksum mismatch: expected %s, got %s", *w.Checksum, sum))
		}
	}
	if err := h.db.RecoverSnapshot(r.Context(), collectionName(r), path); err != nil {
		return nil, err
	}
	return true, nil
}

func (h *handler) uploadSnapshot(r *http.Request) (any, error) {
	if err := validChecksumParam(r); err != nil {
		return nil, err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badInput(fmt.Errorf("expected a multipart/form-data body with a `snapshot` file: %w", err))
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, badInput(fmt.Errorf("multipart body has no `snapshot` part"))
		}
		if err != nil {
			return nil, uploadError(err)
		}
		if part.FormName() != "snapshot" {
			_ = part.Close()
			continue
		}
		tmp, err := os.CreateTemp("", "nexus-upload-*.snapshot")
		if err != nil {
			return nil, fmt.Errorf("create upload file: %w", err)
		}
		defer os.Remove(tmp.Name())
		_, err = io.Copy(tmp, part)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, uploadError(err)
		}
		if want := r.URL.Query().Get("checksum"); want != "" {
			sum, err := fileSHA256(tmp.Name())
			if err != nil {
				return nil, fmt.Errorf("checksum upload: %w", err)
			}
			if !strings.EqualFold(sum, want) {
				return nil, badInput(fmt.Errorf("snapshot checksum mismatch: expected %s, got %s", want, sum))
			}
		}
		if err := h.db.RecoverSnapshot(r.Context(), collectionName(r), tmp.Name()); err != nil {
			return nil, err
		}
		return true, nil
	}
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &vectordb.Error{Kind: vectordb.KindTooLarge, Msg: fmt.Sprintf("Payload error: upload is larger than allowed (limit: %d bytes)", mbe.Limit), Err: err}
	}
	return badInput(fmt.Errorf("read upload: %w", err))
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// recoveryTimeout bounds the download of a snapshot from a URL.
const recoveryTimeout = 30 * time.Minute

// downloadSnapshotURL fetches a snapshot into a temporary file (at most
// Config.MaxUploadBytes) and returns its path; the caller removes it.
// Response bodies never reach the client (only status codes), so the
// server cannot be used to read other services' answers.
func (h *handler) downloadSnapshotURL(ctx context.Context, u *url.URL) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, recoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", badInput(fmt.Errorf("location: %w", err))
	}
	client := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	resp, err := client.Do(req)
	if err != nil {
		return "", &vectordb.Error{Kind: vectordb.KindBadInput, Msg: fmt.Sprintf("Bad request: Failed to download snapshot from %s: %v", u.Redacted(), errors.Unwrap(err)), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &vectordb.Error{Kind: vectordb.KindBadInput, Msg: fmt.Sprintf("Bad request: Failed to download snapshot from %s: HTTP status %d", u.Redacted(), resp.StatusCode)}
	}
	tmp, err := os.CreateTemp("", "nexus-recover-*.snapshot")
	if err != nil {
		return "", fmt.Errorf("create download file: %w", err)
	}
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, h.cfg.MaxUploadBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > h.cfg.MaxUploadBytes {
		err = &vectordb.Error{Kind: vectordb.KindTooLarge, Msg: fmt.Sprintf("Payload error: snapshot is larger than allowed (limit: %d bytes)", h.cfg.MaxUploadBytes)}
	}
	if err != nil {
		os.Remove(tmp.Name())
		var e *vectordb.Error
		if errors.As(err, &e) {
			return "", err
		}
		return "", badInput(fmt.Errorf("download snapshot from %s: %w", u.Redacted(), err))
	}
	return tmp.Name(), nil
}

// recoverPath checks a file:// location's path: absolute, and without
// Config.RecoverRoots an existing file, returned cleaned. With
// RecoverRoots the path is only cleaned here: copyFromRoots confines it
// at the moment it opens it (a check here could be outrun by a link).
func (h *handler) recoverPath(p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Bad request: Invalid snapshot URI, file path must be absolute or on localhost"}
	}
	p = filepath.Clean(p)
	if len(h.cfg.RecoverRoots) > 0 {
		return p, nil
	}
	if _, err := os.Stat(p); err != nil {
		return "", snapshotFileError(p, err)
	}
	return p, nil
}

// snapshotFileError is the answer to a snapshot location that cannot be
// read: 400 when it does not exist, as Qdrant answers.
func snapshotFileError(p string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return &vectordb.Error{Kind: vectordb.KindBadInput, Msg: fmt.Sprintf("Bad request: Snapshot file %q does not exist", p), Err: err}
	}
	return badInput(fmt.Errorf("snapshot file %s: %w", p, err))
}

// copyFromRoots opens p through an os.Root of the allowed root that
// contains it (access.OpenInside: symbolic links are followed only inside
// the root, at open time) and copies it to a temporary file
// (≤ MaxUploadBytes), which the caller recovers from and removes.
//
// A path refused as outside the roots is 403, unless it does not exist
// at all (400): Qdrant checks existence first. That check is a stat; what
// lies outside the roots is never opened.
func (h *handler) copyFromRoots(p string) (string, error) {
	f, err := access.OpenInside(h.cfg.RecoverRoots, p)
	if err != nil {
		if errors.Is(err, access.ErrOutside) {
			if _, serr := os.Stat(p); errors.Is(serr, os.ErrNotExist) {
				return "", snapshotFileError(p, serr)
			}
			return "", &vectordb.Error{Kind: vectordb.KindForbidden,
				Msg: fmt.Sprintf("Forbidden: Snapshot file path must be inside the snapshots directory (or another allowed directory): %s", p)}
		}
		return "", snapshotFileError(p, err)
	}
	defer f.Close()
	tmp, err := os.CreateTemp("", "nexus-recover-*.snapshot")
	if err != nil {
		return "", fmt.Errorf("copy snapshot: %w", err)
	}
	limit := h.cfg.MaxUploadBytes
	if limit <= 0 {
		limit = DefaultMaxUploadBytes
	}
	n, err := io.Copy(tmp, io.LimitReader(f, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = fmt.Errorf("snapshot is larger than %d bytes", limit)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", badInput(fmt.Errorf("read snapshot %s: %w", p, err))
	}
	return tmp.Name(), nil
}

func (h *handler) createFullSnapshot(r *http.Request) (any, error) {
	s, err := h.db.CreateFullSnapshot(r.Context())
	if err != nil {
		return nil, err
	}
	if r.URL.Query().Get("wait") == "false" {
		return accepted{nil}, nil
	}
	return snapshotOut(s), nil
}

func (h *handler) listFullSnapshots(r *http.Request) (any, error) {
	ss, err := h.db.ListFullSnapshots()
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, snapshotOut(s))
	}
	return out, nil
}

func (h *handler) deleteFullSnapshot(r *http.Request) (any, error) {
	if err := h.db.DeleteFullSnapshot(r.PathValue("snapshot")); err != nil {
		return nil, err
	}
	if r.URL.Query().Get("wait") == "false" {
		return accepted{nil}, nil
	}
	return true, nil
}

func (h *handler) downloadFullSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("snapshot")
	path, err := h.db.FullSnapshotPath(name)
	if err != nil {
		writeError(w, start, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		writeError(w, start, vectordb.NotFound("Snapshot %s not found", name))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeError(w, start, fmt.Errorf("stat snapshot %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	http.ServeContent(w, r, name, st.ModTime(), f)
}
