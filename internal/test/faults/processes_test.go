//go:build faults

package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// nodeEnv, when set, makes the test binary run one NATS node instead of
// the tests: the suite starts its cluster's nodes as separate processes
// so that it can kill them.
const nodeEnv = "GUICHET_FAULT_NODE"

// nodeSpec is one NATS node of a loopback cluster.
type nodeSpec struct {
	Name        string
	Port        int
	ClusterPort int
	MonitorPort int
	Routes      []string
	StoreDir    string
}

// runNode runs a NATS node with JetStream, as configured in production
// (sync_interval: always), until the process is killed.
func runNode(raw string) {
	var spec nodeSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "node spec:", err)
		os.Exit(2)
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: spec.Name, Host: "127.0.0.1", Port: spec.Port, HTTPHost: "127.0.0.1", HTTPPort: spec.MonitorPort,
		JetStream: true, StoreDir: spec.StoreDir, SyncAlways: true,
		Cluster: server.ClusterOpts{Name: "guichet", Host: "127.0.0.1", Port: spec.ClusterPort},
		Routes:  server.RoutesFromStr(strings.Join(spec.Routes, ",")),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		os.Exit(2)
	}
	ns.ConfigureLogger()
	ns.Start()
	ns.WaitForShutdown()
}

// freePorts reserves n loopback ports and releases them for the processes.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// process is a child process whose output goes to a file, shown if the
// test fails.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	// done is closed once the process has exited, with its status in err.
	done chan struct{}
	err  error
}

func startProcess(t *testing.T, name, binary string, args, env []string) *process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); out.Close(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			if raw, err := os.ReadFile(logPath); err == nil {
				t.Logf("--- %s output (last 6000 bytes, without route chatter):\n%s", name, tail(withoutRouteChatter(raw), 6000))
			}
		}
	})
	return p
}

// withoutRouteChatter drops the NATS nodes' lines about route
// connections, which fill their logs while a node is down.
func withoutRouteChatter(raw []byte) []byte {
	var kept []byte
	for line := range bytes.Lines(raw) {
		if !bytes.Contains(line, []byte("Route connection")) && !bytes.Contains(line, []byte("Router connection")) &&
			!bytes.Contains(line, []byte("connect to route")) {
			kept = append(kept, line...)
		}
	}
	return kept
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// terminate sends SIGTERM, as an orchestrator does, and waits up to a
// minute for the process to stop by itself.
func (p *process) terminate(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("%s stopped with %v", p.name, p.err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("%s did not stop within a minute of SIGTERM", p.name)
	}
}

// cluster is a three-node NATS cluster on loopback, each node its own process.
type cluster struct {
	t     *testing.T
	specs []nodeSpec
	nodes map[string]*process
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	ports := freePorts(t, 9)
	c := &cluster{t: t, nodes: map[string]*process{}}
	var routes []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[3+i]))
	}
	for i := range 3 {
		c.specs = append(c.specs, nodeSpec{Name: fmt.Sprintf("n%d", i+1), Port: ports[i], ClusterPort: ports[3+i], MonitorPort: ports[6+i],
			Routes: routes, StoreDir: filepath.Join(t.TempDir(), "jetstream")})
	}
	for _, s := range c.specs {
		c.start(s.Name)
	}
	c.waitJetStream()
	return c
}

// start starts a node, or starts it again on its data after a kill.
func (c *cluster) start(name string) {
	c.t.Helper()
	for _, s := range c.specs {
		if s.Name == name {
			raw, _ := json.Marshal(s)
			c.nodes[name] = startProcess(c.t, name, os.Args[0], []string{"-test.run=^$"}, []string{nodeEnv + "=" + string(raw)})
			return
		}
	}
	c.t.Fatalf("no node %s", name)
}

// kill kills a node with SIGKILL.
func (c *cluster) kill(name string) { c.nodes[name].kill() }

// URLs lists the client URLs of every node, as GUICHET_NATS_URL takes them.
func (c *cluster) URLs() string {
	var urls []string
	for _, s := range c.specs {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", s.Port))
	}
	return strings.Join(urls, ",")
}

// waitJetStream waits until the cluster has elected its JetStream meta leader.
func (c *cluster) waitJetStream() {
	c.t.Helper()
	nc, js := connect(c.t, c.URLs())
	defer nc.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the cluster's JetStream is not ready: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// leader names the node leading a stream.
func (c *cluster) leader(stream string) string {
	c.t.Helper()
	nc, js := connect(c.t, c.URLs())
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		c.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil || info.Cluster.Leader == "" {
		c.t.Fatalf("no leader for %s: %+v, %v", stream, info, err)
	}
	return info.Cluster.Leader
}

func connect(t *testing.T, urls string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !nc.IsConnected(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no NATS server answers at %s", urls)
		}
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// guichet is a running guichet process.
type guichet struct {
	*process
	URL string
	env []string
}

// adminToken is the bootstrap admin's token in every process of the suite.
const adminToken = "fault-suite-admin-token"

// startGuichet runs the guichet binary with env on a free port and waits
// until it is ready.
func startGuichet(t *testing.T, name string, env ...string) *guichet {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	return startGuichetOn(t, name, addr, env)
}

func startGuichetOn(t *testing.T, name, addr string, env []string) *guichet {
	t.Helper()
	full := append([]string{
		"GUICHET_ADDR=" + addr,
		"GUICHET_ADMIN_TOKEN=" + adminToken,
		"GUICHET_SUBMIT_RATE=0",
		"GUICHET_LOG_FORMAT=json",
	}, env...)
	g := &guichet{process: startProcess(t, name, guichetBinary, []string{"serve"}, full), URL: "http://" + addr, env: env}
	g.waitReady(t)
	return g
}

// restart starts the same process again on the same address and data.
func (g *guichet) restart(t *testing.T) *guichet {
	t.Helper()
	return startGuichetOn(t, g.name, strings.TrimPrefix(g.URL, "http://"), g.env)
}

func (g *guichet) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(g.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-g.done:
			t.Fatalf("%s exited before it was ready: %v", g.name, g.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 90 s", g.name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
