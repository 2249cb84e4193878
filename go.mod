module ucbi-console

go 1.25.0

require (
	fyne.io/fyne/v2 v2.8.1 // indirect
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/net v0.43.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
)
