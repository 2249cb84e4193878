package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"strings"
	"sync"
)

// Routes of the demo's own pictures and files, served on the same loopback port without a token
// (like a QQ CDN link), so image and file segments open with no internet.
const (
	imageRoute = "/_demo/img/"
	fileRoute  = "/_demo/file/"
)

// demoImages are drawn once, on first use: small PNGs that look like something.
var demoImages = []struct {
	file string
	draw func(x, y, w, h int) color.RGBA
}{
	{"sunset.png", func(x, y, w, h int) color.RGBA { // an orange sky, a sun, the sea
		dx, dy := float64(x-w/2), float64(y-h*11/20)
		switch {
		case y > h*3/5:
			return color.RGBA{20, uint8(60 + 40*math.Sin(float64(x)/9+float64(y)/3)), 120, 255}
		case dx*dx+dy*dy < float64(h*h)/25:
			return color.RGBA{255, 220, 90, 255}
		}
		return color.RGBA{255, uint8(90 + 100*y/h), uint8(60 + 60*y/h), 255}
	}},
	{"cake.png", func(x, y, w, h int) color.RGBA { // a layered birthday cake on pink
		switch {
		case x > w/4 && x < w*3/4 && y > h/3 && y < h*4/5:
			if (y/12)%2 == 0 {
				return color.RGBA{250, 240, 230, 255}
			}
			return color.RGBA{200, 120, 80, 255}
		case x > w/2-3 && x < w/2+3 && y > h/6 && y <= h/3:
			return color.RGBA{240, 200, 60, 255}
		}
		return color.RGBA{255, 200, 215, 255}
	}},
	{"badminton.png", func(x, y, w, h int) color.RGBA { // a green court with white lines
		if x%(w/4) < 3 || y%(h/3) < 3 || (y > h/2-2 && y < h/2+2) {
			return color.RGBA{250, 250, 250, 255}
		}
		return color.RGBA{40, 140, 80, 255}
	}},
}

var (
	imagesOnce sync.Once
	images     map[string][]byte
)

// imageBytes is the PNG of a demo image, nil for a name that is not one.
func imageBytes(file string) []byte {
	imagesOnce.Do(func() {
		images = map[string][]byte{}
		const w, h = 240, 160
		for _, d := range demoImages {
			img := image.NewRGBA(image.Rect(0, 0, w, h))
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					img.SetRGBA(x, y, d.draw(x, y, w, h))
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err == nil {
				images[d.file] = buf.Bytes()
			}
		}
	})
	return images[file]
}

// demoFiles are the files people share in the groups.
var demoFiles = []struct {
	name, path, body string
}{
	{"会议纪要.txt", "notes.txt", "UCBI 演示群 周会纪要\n1. 机器人升级到最新版\n2. 周末羽毛球照常\n3. 下周一发布新版本\n"},
	{"活动报名表.csv", "signup.csv", "姓名,电话,项目\n张三,13800000000,羽毛球\n王小美,13900000000,羽毛球\n"},
}

// serveMedia answers GET imageRoute… and fileRoute…; it reports whether the path was one of them.
func serveMedia(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case strings.HasPrefix(r.URL.Path, imageRoute):
		b := imageBytes(strings.TrimPrefix(r.URL.Path, imageRoute))
		if b == nil {
			http.NotFound(w, r)
			return true
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(b)
		return true
	case strings.HasPrefix(r.URL.Path, fileRoute):
		name := strings.TrimPrefix(r.URL.Path, fileRoute)
		for _, f := range demoFiles {
			if f.path == name {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.Write([]byte(f.body))
				return true
			}
		}
		http.NotFound(w, r)
		return true
	}
	return false
}
