// Command fakenapcat runs the test suite's fake OneBot 11 server on a fixed address, so the
// console can be tried (and screenshotted) without a real NapCat:
//
//	go run ./cmd/fakenapcat --listen 127.0.0.1:3000 --flavor napcat
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"ucbi-console/core/onebot/onebottest"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:3000", "address to listen on (loopback)")
	flavor := flag.String("flavor", "napcat", "napcat, go-cqhttp, lagrange or llonebot")
	token := flag.String("token", "", "access token to require")
	delay := flag.Duration("delay", 0, "delay before every answer")
	flag.Parse()
	fake := onebottest.New(onebottest.Options{Flavor: *flavor, Token: *token, Delay: *delay})
	defer fake.Close()
	srv := &http.Server{Addr: *listen, Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("fake %s listening on http://%s\n", *flavor, *listen)
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
