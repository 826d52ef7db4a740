package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testsupport.TestFiles;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.RestClient;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real OpenSearch node processes for fault tests: the distribution bin/test unpacked for its own node (with the freshly
 * built plugin installed; its home comes as the system property {@value #HOME_PROPERTY}), started as separate JVMs on
 * loopback and killed with SIGKILL. A cluster of these shares nothing with the bin/test node but the installation.
 *
 * <p>Node {@code i} listens on HTTP {@code 9290 + i} and transport {@code 9390 + i} (i &lt; 10; other bases through
 * the system properties be.local.nodes.http.base / .transport.base, which bin/test takes from BE_LOCAL_HTTP_BASE /
 * BE_LOCAL_TRANSPORT_BASE), waiting while another run holds them, and keeps its data, logs and tmp dir in
 * {@code <java.io.tmpdir>/local-nodes/<cluster>/node-<i>} (below target/, where the test JVM may read and write): starting node {@code i} again reuses its data, as a restart after a crash does. Each node gets a
 * 512 MB heap, its own GC log and only the default model (bge-small-en-v1.5-q), so a start costs what it must.
 *
 * <p>{@link #close} kills every process still running; tests call it from {@code @After}, so nothing outlives a
 * failed test (a JVM shutdown hook covers an aborted test run).
 */
public final class LocalNodes implements Closeable {

    public static final String HOME_PROPERTY = "be.node.home";
    /** First HTTP port (system property be.local.nodes.http.base, default 9290); node i gets this + i. */
    public static final int HTTP_BASE = Integer.getInteger("be.local.nodes.http.base", 9290);
    /** First transport port (be.local.nodes.transport.base, default 9390). */
    public static final int TRANSPORT_BASE = Integer.getInteger("be.local.nodes.transport.base", 9390);
    /** How long a launch waits for its ports while another test run (another checkout) holds them. */
    private static final long PORT_WAIT_SECONDS = 600;
    public static final int MAX_NODES = 10;
    public static final String MODEL = "bge-small-en-v1.5-q";

    /** Node start is a JVM start, plugin and model loading on a loaded 2-core machine: be patient. */
    private static final long START_TIMEOUT_SECONDS = 300;

    private final Path home;
    private final String clusterName;
    private final Path root;
    private final Map<Integer, Node> nodes = new TreeMap<>();
    /** Nodes started with a config folder of their own ({@link #ownConfig}). */
    private final Map<Integer, Path> ownConfigs = new TreeMap<>();
    private final Thread shutdownHook;

    /**
     * @param clusterName unique per test; the nodes' files live in a folder of that name, emptied first
     */
    public LocalNodes(String clusterName) throws IOException {
        this.home = home();
        this.clusterName = clusterName;
        this.root = Path.of(System.getProperty("java.io.tmpdir"), "local-nodes", clusterName).toAbsolutePath();
        TestFiles.deleteRecursively(root);
        Files.createDirectories(root.resolve("repo"));
        this.shutdownHook = new Thread(this::killAll, "local-nodes-cleanup-" + clusterName);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The unpacked distribution bin/test passes in; without it these tests cannot run (never skipped). */
    public static Path home() {
        String h = System.getProperty(HOME_PROPERTY, "");
        if (h.isEmpty() || Files.isDirectory(Path.of(h)) == false) {
            throw new IllegalStateException(
                "system property " + HOME_PROPERTY + " must name the OpenSearch home with the plugin installed (bin/test sets it), got [" + h + "]"
            );
        }
        return Path.of(h);
    }

    public String clusterName() {
        return clusterName;
    }

    /**
     * Gives node {@code i} a config folder of its own ({@code OPENSEARCH_PATH_CONF}): a copy of the installation's
     * (opensearch.yml, jvm.options, log4j2 and the plugin's folder with its bundled models), made once and kept across
     * restarts of the node, so a test can change it as an operator would (e.g. drop a model folder into
     * {@code binary-embeddings/models/}) without touching the shared installation. Call before starting the node.
     */
    public Path ownConfig(int i) throws IOException, InterruptedException {
        Path conf = root.resolve("node-" + i).resolve("config");
        if (Files.isDirectory(conf) == false) {
            Files.createDirectories(conf.getParent());
            // a child process copies it: the test JVM's policy lets it read only below its tmpdir, not the installation
            Process cp = new ProcessBuilder("cp", "-a", home.resolve("config").toString(), conf.toString()).redirectErrorStream(true).start();
            String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (cp.waitFor() != 0) {
                throw new IOException("copying " + home.resolve("config") + " failed: " + out);
            }
        }
        ownConfigs.put(i, conf);
        return conf;
    }

    /** The shared file-system snapshot repository (path.repo of every node). */
    public Path repo() {
        return root.resolve("repo");
    }

    /** Settings of a one-node cluster. */
    public static Map<String, String> singleNode() {
        return Map.of("discovery.type", "single-node");
    }

    /**
     * Settings of node {@code i} of an {@code n}-node cluster bootstrapped by node 0 (the only node that must be up
     * for the cluster to form); {@code roles} null keeps the default roles.
     */
    public static Map<String, String> clusterOf(int n, String roles) {
        Map<String, String> s = new LinkedHashMap<>();
        List<String> seeds = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            seeds.add("127.0.0.1:" + (TRANSPORT_BASE + j));
        }
        s.put("discovery.seed_hosts", String.join(",", seeds));
        s.put("cluster.initial_cluster_manager_nodes", "node-0");
        if (roles != null) {
            s.put("node.roles", roles);
        }
        return s;
    }

    /**
     * Starts node {@code i} with {@code settings} (on top of the fixed ones: cluster name, ports, paths, loopback, one
     * model) and {@code extraJvmOptions}; returns once its HTTP port answers as this very process. Does not wait for
     * the cluster to form or the model to load.
     */
    public Node start(int i, Map<String, String> settings, String... extraJvmOptions) throws IOException, InterruptedException {
        Node node = launch(i, settings, extraJvmOptions);
        node.awaitStarted();
        return node;
    }

    /** Like {@link #start} but returns as soon as the process runs: nodes launched together start in parallel. */
    public Node launch(int i, Map<String, String> settings, String... extraJvmOptions) throws IOException {
        if (i < 0 || i >= MAX_NODES) {
            throw new IllegalArgumentException("node ordinal must be in [0, " + MAX_NODES + "), got " + i);
        }
        Node existing = nodes.get(i);
        if (existing != null && existing.alive()) {
            throw new IllegalStateException(existing + " is still running");
        }
        Node node = new Node(i);
        awaitFreePorts(node.httpPort(), TRANSPORT_BASE + i);
        Files.createDirectories(node.dir.resolve("data"));
        Files.createDirectories(node.dir.resolve("logs"));
        Files.createDirectories(node.dir.resolve("tmp"));
        Map<String, String> all = new LinkedHashMap<>();
        all.put("cluster.name", clusterName);
        all.put("node.name", node.name);
        all.put("path.data", node.dir.resolve("data").toString());
        all.put("path.logs", node.dir.resolve("logs").toString());
        all.put("path.repo", repo().toString());
        all.put("network.host", "127.0.0.1");
        all.put("http.port", Integer.toString(node.httpPort()));
        all.put("transport.port", Integer.toString(TRANSPORT_BASE + i));
        all.put("cluster.routing.allocation.disk.threshold_enabled", "false");
        all.put("plugins.binary_embeddings.models.enabled", MODEL);
        all.putAll(settings);
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin").resolve("opensearch").toString());
        all.forEach((k, v) -> command.add("-E" + k + "=" + v));
        Path logs = node.dir.resolve("logs");
        // jvm.options of the shared installation logs GC into its own folder: disable that, log into the node's
        List<String> jvm = new ArrayList<>(List.of(
            "-Xms512m",
            "-Xmx512m",
            "-Xlog:disable",
            "-Xlog:all=warning:stderr",
            "-Xlog:gc*:file=" + logs.resolve("gc.log") + ":utctime,pid,tags:filecount=2,filesize=16m",
            "-XX:ErrorFile=" + logs.resolve("hs_err_pid%p.log"),
            "-XX:HeapDumpPath=" + node.dir
        ));
        jvm.addAll(List.of(extraJvmOptions));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("console.out").toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("OPENSEARCH_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS"));
        String javaHome = System.getProperty("java.home");
        env.put("JAVA_HOME", javaHome);
        env.put("OPENSEARCH_JAVA_HOME", javaHome);
        env.put("OPENSEARCH_TMPDIR", node.dir.resolve("tmp").toString());
        if (ownConfigs.containsKey(i)) {
            env.put("OPENSEARCH_PATH_CONF", ownConfigs.get(i).toString());
        }
        env.put("OPENSEARCH_JAVA_OPTS", String.join(" ", jvm));
        node.builder = pb;
        node.startProcess();
        nodes.put(i, node);
        node.client = RestClient.builder(new HttpHost("http", "127.0.0.1", node.httpPort()))
            .setRequestConfigCallback(b -> b.setResponseTimeout(Timeout.ofMinutes(5)))
            .build();
        return node;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until both ports can be bound: a node of another test run on this machine (another checkout running these
     * tests) may hold them for a while; then we queue behind it instead of failing.
     */
    private static void awaitFreePorts(int http, int transport) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PORT_WAIT_SECONDS);
        boolean said = false;
        while (free(http) == false || free(transport) == false) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ports " + http + "/" + transport + " still in use after " + PORT_WAIT_SECONDS + " s:\n" + Node.listeningSockets());
            }
            if (said == false) {
                System.out.println("ports " + http + "/" + transport + " in use, waiting for them:\n" + Node.listeningSockets());
                said = true;
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Node {@code i} as last started (running or not). */
    public Node node(int i) {
        Node n = nodes.get(i);
        if (n == null) {
            throw new IllegalArgumentException("node " + i + " was never started");
        }
        return n;
    }

    /** SIGKILLs every process still running (and anything it started) and closes the clients. */
    public void killAll() {
        for (Node n : nodes.values()) {
            n.kill();
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down already: the hook runs anyway
        }
    }

    /** One node process. */
    public final class Node {
        public final int ordinal;
        public final String name;
        public final Path dir;
        private Process process;
        private RestClient client;
        private ProcessBuilder builder;
        private long consoleOffset;
        private int bindRetries;

        private Node(int ordinal) {
            this.ordinal = ordinal;
            this.name = "node-" + ordinal;
            this.dir = root.resolve(name);
        }

        public int httpPort() {
            return HTTP_BASE + ordinal;
        }

        private void startProcess() throws IOException {
            Path console = dir.resolve("logs").resolve("console.out");
            consoleOffset = Files.exists(console) ? Files.size(console) : 0;
            process = builder.start();
        }

        /** What the process printed since its last start. */
        private String consoleSinceStart() {
            try {
                byte[] all = Files.readAllBytes(dir.resolve("logs").resolve("console.out"));
                int from = (int) Math.min(all.length, consoleOffset);
                return new String(all, from, all.length - from, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        /** The listening TCP sockets with their processes, for a failure message. */
        private static String listeningSockets() {
            try {
                Process ss = new ProcessBuilder("ss", "-ltnp").redirectErrorStream(true).start();
                String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                ss.waitFor(10, TimeUnit.SECONDS);
                return out;
            } catch (IOException | InterruptedException e) {
                return "(ss failed: " + e + ")";
            }
        }

        /** The java process id (bin/opensearch execs java, so the launched process is the JVM). */
        public long pid() {
            return process.pid();
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }

        public RestClient client() {
            return client;
        }

        /** The node's data path ({@code path.data}). */
        public Path dataPath() {
            return dir.resolve("data");
        }

        /** The node's main log file. */
        public Path logFile() {
            return dir.resolve("logs").resolve(clusterName + ".log");
        }

        /** The last {@code lines} lines of the node's log and console output, for failure messages. */
        public String logTail(int lines) {
            StringBuilder sb = new StringBuilder();
            for (Path p : new Path[] { dir.resolve("logs").resolve("console.out"), logFile() }) {
                try {
                    if (Files.exists(p)) {
                        List<String> all = Files.readAllLines(p, StandardCharsets.UTF_8);
                        sb.append("---- ").append(p).append('\n');
                        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append(l).append('\n'));
                    }
                } catch (IOException | UncheckedIOException e) {
                    sb.append("(cannot read ").append(p).append(": ").append(e).append(")\n");
                }
            }
            return sb.toString();
        }

        /** SIGKILL of the JVM (and of any child of it, e.g. a launcher step still running), then waits for it. */
        public void kill() {
            if (process != null) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                try {
                    if (process.waitFor(60, TimeUnit.SECONDS) == false) {
                        throw new IllegalStateException(this + " survived SIGKILL for 60 s");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (client != null) {
                try {
                    client.close();
                } catch (IOException e) {
                    // the process is gone; nothing to release
                }
                client = null;
            }
        }

        /** Sends a request and returns the parsed JSON answer; an HTTP error throws {@link ResponseException}. */
        public Map<String, Object> call(String method, String path, String jsonBody) throws IOException {
            Request request = new Request(method, path);
            if (jsonBody != null) {
                request.setJsonEntity(jsonBody);
            }
            Response response = client.performRequest(request);
            try (InputStream in = response.getEntity().getContent()) {
                return XContentHelper.convertToMap(JsonXContent.jsonXContent, in, false);
            }
        }

        /** Waits until the HTTP port answers as this process (not a stray node of an earlier run on the same port). */
        public void awaitStarted() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            String last = "no answer yet";
            while (System.nanoTime() < deadline) {
                if (alive() == false) {
                    String console = consoleSinceStart();
                    if (console.contains("Address already in use") && bindRetries < 3) {
                        // another run (another checkout of these tests) took the port between our check and our bind:
                        // say who holds it, wait for it, start again
                        bindRetries++;
                        String sockets = listeningSockets();
                        System.out.println(this + ": a port was in use (attempt " + bindRetries + "), starting again; listening sockets:\n" + sockets);
                        awaitFreePorts(httpPort(), TRANSPORT_BASE + ordinal);
                        try {
                            startProcess();
                        } catch (IOException e) {
                            throw new IllegalStateException(this + " could not be started again", e);
                        }
                        continue;
                    }
                    throw new IllegalStateException(this + " exited with " + process.exitValue() + " during start\n" + logTail(60));
                }
                try {
                    Map<String, Object> r = call("GET", "/_nodes/_local/process", null);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> info = (Map<String, Object>) ((Map<String, Object>) r.get("nodes")).values().iterator().next();
                    @SuppressWarnings("unchecked")
                    Number id = (Number) ((Map<String, Object>) info.get("process")).get("id");
                    if (id.longValue() == pid() && clusterName.equals(r.get("cluster_name"))) {
                        return;
                    }
                    last = "port " + httpPort() + " answered as pid " + id + " of cluster " + r.get("cluster_name");
                } catch (IOException e) {
                    last = e.toString();
                }
                Thread.sleep(500);
            }
            kill();
            throw new IllegalStateException(this + " did not come up in " + START_TIMEOUT_SECONDS + " s (" + last + ")\n" + logTail(60));
        }

        /** Waits for cluster health {@code status} (or better) with {@code nodeCount} nodes, as this node sees it. */
        public void awaitHealth(String status, int nodeCount, String index) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            String path = "/_cluster/health" + (index == null ? "" : "/" + index) + "?wait_for_status=" + status + "&wait_for_nodes=" + nodeCount
                + "&wait_for_no_initializing_shards=true&timeout=10s";
            Map<String, Object> last = null;
            while (System.nanoTime() < deadline) {
                if (alive() == false) {
                    throw new IllegalStateException(this + " is not running\n" + logTail(60));
                }
                try {
                    last = call("GET", path, null);
                    if (Boolean.FALSE.equals(last.get("timed_out"))) {
                        return;
                    }
                } catch (ResponseException e) {
                    // 408 when the wait timed out: try again
                    last = Map.of("error", e.getMessage());
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("cluster not " + status + " with " + nodeCount + " node(s) in time: " + last + "\n" + logTail(60));
        }

        /** Waits until the default model reports {@code loaded} on this node. */
        @SuppressWarnings("unchecked")
        public void awaitModel() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            Object status = null;
            while (System.nanoTime() < deadline) {
                Map<String, Object> r = call("GET", "/_plugins/_binary_embeddings/models/" + MODEL, null);
                Map<String, Object> m = ((List<Map<String, Object>>) r.get("models")).get(0);
                status = m.get("status");
                if ("loaded".equals(status)) {
                    return;
                }
                if ("failed".equals(status)) {
                    throw new IllegalStateException("model failed on " + this + ": " + m);
                }
                Thread.sleep(500);
            }
            throw new IllegalStateException("model not loaded on " + this + " in time (status " + status + ")");
        }

        @Override
        public String toString() {
            return name + " of " + clusterName + " (pid " + (process == null ? "-" : process.pid()) + ", http " + httpPort() + ")";
        }
    }

}
