package onebottest

import (
	"net"
	"sync"
)

// switchListener is a listener that can go down (its socket closed: connections are refused)
// and come back up on the same address, under one http.Server that keeps serving.
type switchListener struct {
	mu     sync.Mutex
	addr   net.Addr
	cur    net.Listener  // nil while down
	wake   chan struct{} // closed while up or closed; Accept waits on it while down
	closed bool
}

func newSwitchListener(l net.Listener) *switchListener {
	wake := make(chan struct{})
	close(wake)
	return &switchListener{addr: l.Addr(), cur: l, wake: wake}
}

func (l *switchListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		closed, cur, wake := l.closed, l.cur, l.wake
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if cur == nil {
			<-wake
			continue
		}
		c, err := cur.Accept()
		if err == nil {
			return c, nil
		}
		l.mu.Lock()
		replaced := l.cur != cur || l.closed
		l.mu.Unlock()
		if !replaced {
			return nil, err
		}
	}
}

// down closes the socket; Accept waits for up or Close.
func (l *switchListener) down() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.cur == nil {
		return
	}
	l.cur.Close()
	l.cur = nil
	l.wake = make(chan struct{})
}

// up listens again on the same address.
func (l *switchListener) up() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.cur != nil {
		return nil
	}
	nl, err := net.Listen(l.addr.Network(), l.addr.String())
	if err != nil {
		return err
	}
	l.cur = nl
	close(l.wake)
	return nil
}

func (l *switchListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.cur != nil {
		return l.cur.Close()
	}
	close(l.wake)
	return nil
}

func (l *switchListener) Addr() net.Addr { return l.addr }
