package shim

import (
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"nexusos/microvm"
)

func TestParseSpec(t *testing.T) {
	limit := int64(32 << 20)
	mem := &specs.Linux{Resources: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}}
	cases := []struct {
		name string
		spec specs.Spec
		want *runSpec
		err  string
	}{
		{"args name the image", specs.Spec{Process: &specs.Process{Args: []string{"hello:1.0", "a", "b"}}},
			&runSpec{Image: "hello:1.0", Args: []string{"a", "b"}, Binds: map[string]string{}}, ""},
		{"annotation wins", specs.Spec{Process: &specs.Process{Args: []string{"/app", "a"}}, Annotations: map[string]string{AnnotationImage: "hello:2"}},
			&runSpec{Image: "hello:2", Args: []string{"a"}, Binds: map[string]string{}}, ""},
		{"kubernetes container", specs.Spec{Process: &specs.Process{Args: []string{"hello", "a"}}, Annotations: map[string]string{
			annotationContainerType: "container", annotationCRIImage: "docker.io/library/hello:1.0"}},
			&runSpec{Image: "docker.io/library/hello:1.0", Args: []string{"a"}, Binds: map[string]string{}}, ""},
		{"kubernetes sandbox", specs.Spec{Process: &specs.Process{Args: []string{"/pause"}}, Annotations: map[string]string{
			annotationContainerType: "sandbox", annotationCRIImage: "registry.k8s.io/pause:3.6"}},
			&runSpec{Sandbox: true, Binds: map[string]string{}}, ""},
		{"no image", specs.Spec{Process: &specs.Process{}}, nil, "no image"},
		{"limits", specs.Spec{Process: &specs.Process{Args: []string{"x"}}, Linux: mem, Annotations: map[string]string{
			AnnotationTimeout: "1.5s", AnnotationOutputLimit: "64KiB", AnnotationVCPUs: "2"}},
			&runSpec{Image: "x", Args: []string{}, Binds: map[string]string{},
				Limits: microvm.Limits{MemoryBytes: 32 << 20, Timeout: microvm.Duration(1500 * time.Millisecond), OutputBytes: 64 << 10, VCPUs: 2}}, ""},
		{"bad timeout", specs.Spec{Process: &specs.Process{Args: []string{"x"}}, Annotations: map[string]string{AnnotationTimeout: "-1s"}}, nil, AnnotationTimeout},
		{"bad vcpus", specs.Spec{Process: &specs.Process{Args: []string{"x"}}, Annotations: map[string]string{AnnotationVCPUs: "0"}}, nil, AnnotationVCPUs},
		{"bad output", specs.Spec{Process: &specs.Process{Args: []string{"x"}}, Annotations: map[string]string{AnnotationOutputLimit: "lots"}}, nil, AnnotationOutputLimit},
		{"binds only", specs.Spec{Process: &specs.Process{Args: []string{"x"}}, Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs"},
			{Destination: "/data/", Type: "bind", Source: "/srv/data"},
			{Destination: "/etc/hosts", Source: "/var/lib/x/hosts", Options: []string{"rbind", "ro"}},
			{Destination: "relative", Type: "bind", Source: "/srv"},
		}}, &runSpec{Image: "x", Args: []string{}, Binds: map[string]string{"/data": "/srv/data", "/etc/hosts": "/var/lib/x/hosts"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseSpec(&c.spec)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want it to mention %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestGrantMounts(t *testing.T) {
	caps := microvm.Capabilities{Mounts: []microvm.Mount{{Host: "/build/data", Guest: "/data"}, {Host: "/build/models", Guest: "/models"}}}
	binds := map[string]string{"/data": "/srv/data", "/etc": "/etc", "/": "/"}
	got := grantMounts(caps, binds)
	want := []microvm.Mount{{Host: "/srv/data", Guest: "/data"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("grantMounts = %+v, want %+v (granted and bound only; never the build host's path)", got, want)
	}
	if got := grantMounts(microvm.Capabilities{}, binds); len(got) != 0 {
		t.Fatalf("an image granted nothing got %+v", got)
	}
}
