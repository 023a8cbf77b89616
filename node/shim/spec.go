package shim

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"nexusos/microvm"
	"nexusos/node/shim/front"
)

// Annotations of the OCI runtime spec (config.json) the shim reads. ctr
// sets them with --annotation; in Kubernetes they are container
// annotations that containerd's CRI plugin passes through.
const (
	// AnnotationImage names the image to run: a reference in containerd's
	// image store of the container's namespace (as `ctr image ls` lists
	// it). Without it, the process's first argument names it.
	AnnotationImage = "io.nexusos.image"
	// AnnotationTimeout tightens the wall-time limit (a Go duration: 30s).
	AnnotationTimeout = "io.nexusos.timeout"
	// AnnotationOutputLimit tightens the stdout+stderr limit (64KiB, 1MiB).
	AnnotationOutputLimit = "io.nexusos.output-limit"
	// AnnotationVCPUs tightens a tier-2 app's vCPU (thread) limit.
	AnnotationVCPUs = "io.nexusos.vcpus"
	// AnnotationGroup puts containers with the same value in one shim
	// process (as containerd's CRI sandbox id does for a pod's
	// containers).
	AnnotationGroup = front.AnnotationGroup
	// annotationSandboxID is the pod sandbox id containerd's CRI plugin
	// sets on every container of a pod.
	annotationSandboxID = front.AnnotationSandboxID
	// annotationContainerType is "sandbox" on the pod sandbox (pause)
	// container containerd's CRI plugin creates, "container" on the
	// pod's containers.
	annotationContainerType = "io.kubernetes.cri.container-type"
	// annotationCRIImage is the image a CRI container was created from.
	annotationCRIImage = "io.kubernetes.cri.image-name"
)

// groupAnnotations are the annotations that group containers into one
// shim process, in order of precedence (the front's, which starts the
// shims).
var groupAnnotations = front.GroupAnnotations

// maxSpecSize bounds the config.json the shim reads.
const maxSpecSize = 4 << 20

// runSpec is what a container's OCI spec asks of its microVM.
type runSpec struct {
	// Image is the containerd image reference to run.
	Image string
	// Args are appended after the image's entry arguments.
	Args []string
	// Limits tighten the image's limits.
	Limits microvm.Limits
	// Binds are the OCI spec's bind mounts: guest path → host path.
	Binds map[string]string
	// Terminal is the spec's process.terminal.
	Terminal bool
	// Sandbox marks a Kubernetes pod sandbox: it runs no image and holds
	// the pod until it is killed, as the pause container does.
	Sandbox bool
}

// readSpec reads the OCI runtime spec of the bundle in dir.
func readSpec(dir string) (*specs.Spec, error) {
	f, err := os.Open(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxSpecSize {
		return nil, fmt.Errorf("config.json: %d bytes, above the %d the shim reads", st.Size(), maxSpecSize)
	}
	var s specs.Spec
	if err := json.NewDecoder(f).Decode(&s); err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	return &s, nil
}

// parseSpec turns an OCI runtime spec into a runSpec. The image is named
// by the AnnotationImage annotation, else by the image a Kubernetes
// container was created from, else by process.args[0] (as it names the
// executable for runc); process.args[1:] are the app's arguments either
// way.
func parseSpec(s *specs.Spec) (*runSpec, error) {
	rs := &runSpec{Image: s.Annotations[AnnotationImage], Binds: map[string]string{}}
	switch s.Annotations[annotationContainerType] {
	case "sandbox":
		rs.Sandbox = true
		return rs, nil
	case "container":
		if rs.Image == "" {
			rs.Image = s.Annotations[annotationCRIImage]
		}
	}
	if p := s.Process; p != nil {
		rs.Terminal = p.Terminal
		if len(p.Args) > 0 {
			if rs.Image == "" {
				rs.Image = p.Args[0]
			}
			rs.Args = slices.Clone(p.Args[1:])
		}
	}
	if rs.Image == "" {
		return nil, fmt.Errorf("no image: set annotation %s or name the image as the process's first argument", AnnotationImage)
	}
	if l := s.Linux; l != nil && l.Resources != nil && l.Resources.Memory != nil && l.Resources.Memory.Limit != nil {
		if n := *l.Resources.Memory.Limit; n > 0 {
			rs.Limits.MemoryBytes = uint64(n)
		}
	}
	if v, ok := s.Annotations[AnnotationTimeout]; ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("annotation %s=%q: want a positive duration such as 30s", AnnotationTimeout, v)
		}
		rs.Limits.Timeout = microvm.Duration(d)
	}
	if v, ok := s.Annotations[AnnotationOutputLimit]; ok {
		n, err := microvm.ParseSize(v)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("annotation %s=%q: want a size such as 1MiB", AnnotationOutputLimit, v)
		}
		rs.Limits.OutputBytes = int64(n)
	}
	if v, ok := s.Annotations[AnnotationVCPUs]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > microvm.MaxVCPUs {
			return nil, fmt.Errorf("annotation %s=%q: want 1..%d", AnnotationVCPUs, v, microvm.MaxVCPUs)
		}
		rs.Limits.VCPUs = n
	}
	for _, m := range s.Mounts {
		if !isBind(m) || !path.IsAbs(m.Destination) || !filepath.IsAbs(m.Source) {
			continue
		}
		rs.Binds[path.Clean(m.Destination)] = m.Source
	}
	return rs, nil
}

// isBind reports whether m is a bind mount (type bind, or an options list
// with bind or rbind, as runc reads it).
func isBind(m specs.Mount) bool {
	return m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind")
}

// grantMounts returns the mounts a run of an image with the grants in
// caps gets from the spec's bind mounts: each granted guest folder that a
// bind mount targets, read-only from the bind mount's source. A granted
// folder no bind mount targets is not mounted (the host path sealed in
// the image names a folder on the machine that built it); a bind mount to
// a folder the image was not granted is not mounted either. Nothing else
// of the host is reachable.
func grantMounts(caps microvm.Capabilities, binds map[string]string) []microvm.Mount {
	var out []microvm.Mount
	for _, g := range caps.Mounts {
		if src, ok := binds[path.Clean(g.Guest)]; ok {
			out = append(out, microvm.Mount{Host: src, Guest: g.Guest})
		}
	}
	return out
}
