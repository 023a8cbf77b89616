// Command loopback-go runs a TCP echo server and an HTTP server on
// 127.0.0.1 and talks to both from the same program: in a tier-2 microVM
// granted a loopback network, the connections never leave the VM. The
// output is the same natively.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 3; i++ {
			c, err := ln.Accept()
			if err != nil {
				fmt.Println("accept:", err)
				return
			}
			go func() {
				defer c.Close()
				s := bufio.NewScanner(c)
				for s.Scan() {
					fmt.Fprintf(c, "%s\n", strings.ToUpper(s.Text()))
				}
			}()
		}
	}()
	var mu sync.Mutex
	var answers []string
	var cw sync.WaitGroup
	for i := 0; i < 3; i++ {
		cw.Add(1)
		go func() {
			defer cw.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				fmt.Println("dial:", err)
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			for j := 0; j < 100; j++ {
				fmt.Fprintf(c, "client %d line %d\n", i, j)
				line, err := r.ReadString('\n')
				if err != nil {
					fmt.Println("read:", err)
					return
				}
				if j == 99 {
					mu.Lock()
					answers = append(answers, strings.TrimSpace(line))
					mu.Unlock()
				}
			}
			if c.LocalAddr().(*net.TCPAddr).IP.IsLoopback() && c.RemoteAddr().String() == ln.Addr().String() {
				mu.Lock()
				answers = append(answers, "addresses ok")
				mu.Unlock()
			}
		}()
	}
	cw.Wait()
	wg.Wait()
	ln.Close()
	fmt.Printf("echo: %d answers, e.g. %q\n", len(answers), answers[0][:len("CLIENT ")])

	port := ln.Addr().(*net.TCPAddr).Port
	_, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	fmt.Printf("dial a closed port: refused %v\n", errors.Is(err, syscall.ECONNREFUSED))

	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %d bytes", r.Method, r.URL.Path, len(body))
	})}
	go srv.Serve(hl)
	base := "http://" + hl.Addr().String()
	for _, path := range []string{"/a", "/b/c"} {
		resp, err := http.Get(base + path)
		if err != nil {
			fmt.Println("get:", err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("GET %s: %d %s\n", path, resp.StatusCode, b)
	}
	resp, err := http.Post(base+"/upload", "text/plain", strings.NewReader(strings.Repeat("x", 200000)))
	if err != nil {
		fmt.Println("post:", err)
		os.Exit(1)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("POST /upload: %d %s\n", resp.StatusCode, b)
	srv.Close()
}
