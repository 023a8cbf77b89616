package access_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"nexusos/access"
)

func ExampleCheckHTTP() {
	h := http.Header{}
	h.Set("Authorization", "bearer  s3cret ")
	fmt.Println(access.CheckHTTP("s3cret", h))
	h.Set("api-key", "other")
	fmt.Println(access.CheckHTTP("s3cret", h))
	fmt.Println(access.CheckHTTP("", h)) // no key configured: open
	// Output:
	// <nil>
	// access: the request carries different API keys
	// <nil>
}

func ExampleLoopback() {
	for _, h := range []string{"localhost:7777", "[::1]:6333", "app.localhost", "0.0.0.0:7777", ":7777", "evil.example"} {
		fmt.Println(h, access.Loopback(h))
	}
	// Output:
	// localhost:7777 true
	// [::1]:6333 true
	// app.localhost true
	// 0.0.0.0:7777 false
	// :7777 false
	// evil.example false
}

func ExampleOpenInside() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(dir, "out"))

	f, err := access.OpenInside([]string{dir}, filepath.Join(dir, "a.txt"))
	fmt.Println(err)
	f.Close()
	_, err = access.OpenInside([]string{dir}, filepath.Join(dir, "out"))
	fmt.Println(errors.Is(err, access.ErrOutside))
	// Output:
	// <nil>
	// true
}
