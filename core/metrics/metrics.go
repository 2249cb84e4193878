// Package metrics exposes the console's counters in Prometheus' text format (GET /metrics).
//
// It observes what the engine already produces rather than reaching into it: every history row
// (one per call, from every door), every stored event, every delivery, every link change. So the
// figures cannot disagree with History and the event log, and no engine package imports
// Prometheus.
package metrics

import (
	"net/http"
	"regexp"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ucbi-console/core"
)

// Sizes reports the stores' sizes (rows, events) at scrape time.
type Sizes func() (historyRows, events uint64)

// Lags reports, at scrape time, how many stored events each named consumer has not yet
// acknowledged.
type Lags func() map[string]uint64

// Metrics is the console's registry. The zero value is not usable; call New.
type Metrics struct {
	reg *prometheus.Registry

	calls      *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	eventsIn   *prometheus.CounterVec
	eventsBad  *prometheus.CounterVec
	delivered  *prometheus.CounterVec
	linkUp     *prometheus.GaugeVec
	reconnects *prometheus.CounterVec

	mu      sync.Mutex
	actions map[string]bool // the action label values seen so far (bounded)
	links   map[string]bool // source+link → up, to count reconnects
}

// maxActionLabels bounds the action label's values: `*name` actions come from callers, and an
// unbounded label would let any caller grow the scrape without limit.
const maxActionLabels = 256

// New makes a registry with the Go runtime and process collectors. sizes and lags may be nil.
func New(sizes Sizes, lags Lags) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), actions: map[string]bool{}, links: map[string]bool{}}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ucbi_calls_total", Help: "Calls by door (origin), action, message source and outcome.",
	}, []string{"door", "action", "source", "outcome"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ucbi_call_duration_seconds", Help: "Call latency, from the door to the backend's answer.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"door", "action"})
	m.eventsIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ucbi_events_in_total", Help: "Events stored, by message source and type.",
	}, []string{"source", "type"})
	m.eventsBad = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ucbi_events_rejected_total", Help: "Event input refused (not stored), by message source and reason.",
	}, []string{"source", "reason"})
	m.delivered = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ucbi_events_delivered_total", Help: "Events delivered, by consumer.",
	}, []string{"consumer"})
	m.linkUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ucbi_source_link_up", Help: "1 while a message source's event link is up, 0 while down.",
	}, []string{"source", "link"})
	m.reconnects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ucbi_source_reconnects_total", Help: "Event links re-established after a drop.",
	}, []string{"source", "link"})
	m.reg.MustRegister(m.calls, m.latency, m.eventsIn, m.eventsBad, m.delivered, m.linkUp, m.reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sizes != nil {
		m.reg.MustRegister(sizeCollector{sizes})
	}
	if lags != nil {
		m.reg.MustRegister(lagCollector{lags})
	}
	return m
}

// Handler serves the registry in the text exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveCall counts one call from its history row.
func (m *Metrics) ObserveCall(rec *core.HistoryRecord) {
	if m == nil || rec == nil {
		return
	}
	action := m.actionLabel(rec.Action)
	m.calls.WithLabelValues(rec.Origin, action, rec.Source, rec.Outcome).Inc()
	m.latency.WithLabelValues(rec.Origin, action).Observe(rec.Latency().Seconds())
}

// ObserveEvent counts one stored event.
func (m *Metrics) ObserveEvent(ev *core.StoredEvent) {
	if m == nil || ev == nil {
		return
	}
	m.eventsIn.WithLabelValues(ev.Source, ev.Event.Type).Inc()
}

// Rejected counts event input that was refused.
func (m *Metrics) Rejected(source, reason string) {
	if m == nil {
		return
	}
	m.eventsBad.WithLabelValues(source, reason).Inc()
}

// Delivered counts events handed to a consumer ("poll", "sse", "post:<url>", "bot:<id>", "ui").
func (m *Metrics) Delivered(consumer string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.delivered.WithLabelValues(consumer).Add(float64(n))
}

// Link records a source link going up or down; a link that comes up again after a drop counts
// as a reconnect.
func (m *Metrics) Link(source, link string, up bool) {
	if m == nil {
		return
	}
	key := source + "\x00" + link
	m.mu.Lock()
	was, known := m.links[key]
	m.links[key] = up
	m.mu.Unlock()
	if up && known && !was {
		m.reconnects.WithLabelValues(source, link).Inc()
	}
	if up {
		m.linkUp.WithLabelValues(source, link).Set(1)
	} else {
		m.linkUp.WithLabelValues(source, link).Set(0)
	}
}

var plainAction = regexp.MustCompile(`^[*^]?[A-Za-z0-9_.]{1,64}$`)

// actionLabel bounds the action label: names of a sane shape, up to maxActionLabels distinct
// ones, then "other".
func (m *Metrics) actionLabel(a string) string {
	if !plainAction.MatchString(a) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.actions[a] {
		return a
	}
	if len(m.actions) >= maxActionLabels {
		return "other"
	}
	m.actions[a] = true
	return a
}

// sizeCollector reads the stores' sizes at scrape time.
type sizeCollector struct{ sizes Sizes }

var (
	historyRowsDesc = prometheus.NewDesc("ucbi_history_rows", "Rows in the history store.", nil, nil)
	eventsDesc      = prometheus.NewDesc("ucbi_events_stored", "Events in the event store.", nil, nil)
	lagDesc         = prometheus.NewDesc("ucbi_consumer_lag_events", "Stored events a consumer has not acknowledged yet.", []string{"consumer"}, nil)
)

func (c sizeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- historyRowsDesc; ch <- eventsDesc }
func (c sizeCollector) Collect(ch chan<- prometheus.Metric) {
	h, e := c.sizes()
	ch <- prometheus.MustNewConstMetric(historyRowsDesc, prometheus.GaugeValue, float64(h))
	ch <- prometheus.MustNewConstMetric(eventsDesc, prometheus.GaugeValue, float64(e))
}

type lagCollector struct{ lags Lags }

func (c lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }
func (c lagCollector) Collect(ch chan<- prometheus.Metric) {
	for name, lag := range c.lags() {
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(lag), name)
	}
}
