package org.opensearch.binaryembeddings.bench;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounded mixed load against a running cluster on loopback (not a test; bin/load and the LoadSmokeIT test run it in a
 * JVM of its own): bulk indexing of the project's passages (looping, new ids each pass) through a local_embedding pipeline
 * into an index of 2 shards and 1 replica, while query clients alternate binary_knn and binary_hybrid with the sample
 * query texts, every request to the next node in turn.
 *
 * <p>Reports per request kind the count, errors (any failure, including a search answered with failed shards or a
 * bulk item that failed) and 429 rejections separately (the driver backs off and retries rejected bulk items), p50 and
 * p99 latency; each node's heap used (_nodes/stats) and RSS (/proc/&lt;pid&gt;/status) at the start, every 10% of the
 * run and at the end, with a trend (the largest of the last 3 samples against the largest of the first 3, which no
 * single GC cycle decides); and whether every acknowledged document is in the index at the end. Writes
 * load-results.md and load-results.json to the output folder and prints the markdown.
 *
 * <pre>
 * LoadDriver --urls=http://127.0.0.1:9290,http://127.0.0.1:9291 [--seconds=600] [--out=target/load]
 *            [--bulk-size=20] [--bulk-clients=1] [--query-clients=2] [--index=load]
 * </pre>
 */
public final class LoadDriver {

    private static final String[] KINDS = { "bulk", "binary_knn", "binary_hybrid" };
    private static final String MODEL = "bge-small-en-v1.5-q";

    private final List<String> urls;
    private final int seconds;
    private final Path out;
    private final int bulkSize;
    private final int bulkClients;
    private final int queryClients;
    private final String index;
    /** Each node by its url; a request gives up after 5 minutes. */
    private final Map<String, HttpNode> nodes = new LinkedHashMap<>();
    /** The project's passages and sentence pairs of them: a bulk's texts, the queries' texts. */
    private final Corpus data = Corpus.sample().extendedTo(2000);
    private final AtomicLong nextRequest = new AtomicLong();
    private final AtomicLong nextDoc = new AtomicLong();
    private final Map<String, Stats> stats = new LinkedHashMap<>();
    private final LongAdder acknowledged = new LongAdder();
    private final List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());
    private final List<Sample> samples = new ArrayList<>();
    private volatile boolean stop;

    /** Outcomes and latencies of one request kind. */
    private static final class Stats {
        final LongAdder requests = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder rejections = new LongAdder();
        final List<Long> micros = Collections.synchronizedList(new ArrayList<>());

        long percentileMicros(double p) {
            long[] sorted;
            synchronized (micros) {
                sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            if (sorted.length == 0) {
                return 0;
            }
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
        }
    }

    /** One memory sample of every node: seconds since the start, heap used and RSS in bytes by node name. */
    private record Sample(double seconds, Map<String, Long> heap, Map<String, Long> rss, Map<String, Long> rssAnon) {}

    private LoadDriver(Map<String, String> args) {
        this.urls = List.of(args.getOrDefault("urls", "http://127.0.0.1:9290,http://127.0.0.1:9291").split(","));
        for (String url : urls) {
            nodes.put(url, new HttpNode(url, Duration.ofMinutes(5)));
        }
        this.seconds = Integer.parseInt(args.getOrDefault("seconds", "600"));
        this.out = Path.of(args.getOrDefault("out", "target/load"));
        this.bulkSize = Integer.parseInt(args.getOrDefault("bulk-size", "20"));
        this.bulkClients = Integer.parseInt(args.getOrDefault("bulk-clients", "1"));
        this.queryClients = Integer.parseInt(args.getOrDefault("query-clients", "2"));
        this.index = args.getOrDefault("index", "load");
        for (String k : KINDS) {
            stats.put(k, new Stats());
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String a : argv) {
            if (a.startsWith("--") == false || a.indexOf('=') < 0) {
                throw new IllegalArgumentException("expected --name=value, got [" + a + "]");
            }
            args.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        new LoadDriver(args).run();
    }

    private HttpNode.Reply call(String url, String method, String path, String body) throws IOException, InterruptedException {
        return nodes.get(url).send(method, path, body);
    }

    private Map<String, Object> ok(String url, String method, String path, String body) throws IOException, InterruptedException {
        HttpNode.Reply r = call(url, method, path, body);
        if (r.status() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " → " + r.status() + " " + r.body());
        }
        return r.body();
    }

    private static void log(String format, Object... args) {
        System.out.println("[load " + Instant.now() + "] " + String.format(Locale.ROOT, format, args));
    }

    private String nextUrl() {
        return urls.get((int) (nextRequest.getAndIncrement() % urls.size()));
    }

    private void error(String kind, String message) {
        stats.get(kind).errors.increment();
        if (errorSamples.size() < 20) {
            errorSamples.add(kind + ": " + (message.length() > 500 ? message.substring(0, 500) + "…" : message));
        }
    }

    @SuppressWarnings("unchecked")
    private void setUp() throws Exception {
        String first = urls.get(0);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        for (String url : urls) {
            while (true) {
                HttpNode.Reply r = call(url, "GET", "/_plugins/_binary_embeddings/models/" + MODEL, null);
                Object status = r.status() == 200 ? ((List<Map<String, Object>>) r.body().get("models")).get(0).get("status") : r.status();
                if ("loaded".equals(status)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("model not loaded on " + url + ": " + status);
                }
                Thread.sleep(500);
            }
        }
        ok(first, "PUT", "/_ingest/pipeline/load-embed", "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"}}}]}");
        call(first, "DELETE", "/" + index, null);
        ok(first, "PUT", "/" + index, "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":2,\"number_of_replicas\":1},"
            + "\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\",\"analyzer\":\"english\"},"
            + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"" + MODEL + "\"}}}}");
        ok(first, "GET", "/_cluster/health/" + index + "?wait_for_status=green&timeout=120s", null);
        // a first bulk so the queries have something to find from the start; its documents count as acknowledged
        bulkOnce("seed", first);
        ok(first, "POST", "/" + index + "/_refresh", null);
    }

    /** One bulk request of the next bulkSize passages; rejected items are retried after a backoff. */
    @SuppressWarnings("unchecked")
    private void bulkOnce(String kind, String url) throws InterruptedException {
        long n = nextDoc.getAndAdd(bulkSize);
        List<String> lines = new ArrayList<>();
        for (long d = n; d < n + bulkSize; d++) {
            Corpus.Doc doc = data.docs.get((int) (d % data.docs.size()));
            String id = "p" + (d / data.docs.size()) + "-" + doc.id();
            lines.add("{\"index\":{\"_id\":" + Json.string(id) + "}}\n{\"text\":" + Json.string(doc.content()) + "}\n");
        }
        long backoff = 250;
        while (lines.isEmpty() == false) {
            Stats s = kind.equals("seed") ? new Stats() : stats.get(kind);
            long t0 = System.nanoTime();
            HttpNode.Reply r;
            try {
                r = call(url, "POST", "/" + index + "/_bulk?pipeline=load-embed", String.join("", lines));
            } catch (IOException e) {
                s.requests.increment();
                error("bulk", e.toString());
                return;
            }
            long micros = (System.nanoTime() - t0) / 1000;
            s.requests.increment();
            s.micros.add(micros);
            if (r.status() == 429) {
                s.rejections.increment();
            } else if (r.status() != 200) {
                error("bulk", r.status() + " " + r.body());
                return;
            } else {
                List<String> retry = new ArrayList<>();
                List<Map<String, Object>> items = (List<Map<String, Object>>) r.body().get("items");
                for (int i = 0; i < items.size(); i++) {
                    Map<String, Object> item = (Map<String, Object>) items.get(i).get("index");
                    int status = ((Number) item.get("status")).intValue();
                    if (status == 201 || status == 200) {
                        acknowledged.increment();
                    } else if (status == 429) {
                        s.rejections.increment();
                        retry.add(lines.get(i));
                    } else {
                        error("bulk", "item " + item);
                    }
                }
                lines = retry;
                if (lines.isEmpty()) {
                    return;
                }
            }
            if (stop && kind.equals("seed") == false) {
                error("bulk", lines.size() + " rejected items not retried: the run ended");
                return;
            }
            Thread.sleep(backoff);
            backoff = Math.min(8000, backoff * 2);
        }
    }

    @SuppressWarnings("unchecked")
    private void queryOnce(String kind, String text) throws InterruptedException {
        String q = Json.string(text);
        String query = kind.equals("binary_knn")
            ? "{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":" + q + ",\"k\":10}}"
            : "{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":" + q + "}},\"vector\":{\"field\":\"embedding\",\"query_text\":" + q + "}}}";
        Stats s = stats.get(kind);
        long t0 = System.nanoTime();
        try {
            HttpNode.Reply r = call(nextUrl(), "POST", "/" + index + "/_search", "{\"size\":10,\"_source\":false,\"query\":" + query + "}");
            s.micros.add((System.nanoTime() - t0) / 1000);
            s.requests.increment();
            if (r.status() == 429) {
                s.rejections.increment();
                Thread.sleep(1000);
                return;
            }
            if (r.status() != 200) {
                error(kind, r.status() + " " + r.body());
                return;
            }
            Map<String, Object> shards = (Map<String, Object>) r.body().get("_shards");
            if (shards == null || ((Number) shards.get("failed")).intValue() != 0 || r.body().get("hits") == null) {
                error(kind, "partial or malformed answer: " + r.body());
            }
        } catch (IOException e) {
            s.requests.increment();
            error(kind, e.toString());
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Long> pids() throws Exception {
        Map<String, Long> pids = new LinkedHashMap<>();
        Map<String, Object> r = ok(urls.get(0), "GET", "/_nodes/process", null);
        for (Object n : ((Map<String, Object>) r.get("nodes")).values()) {
            Map<String, Object> node = (Map<String, Object>) n;
            pids.put((String) node.get("name"), ((Number) ((Map<String, Object>) node.get("process")).get("id")).longValue());
        }
        return new java.util.TreeMap<>(pids);
    }

    /** VmRSS or RssAnon of a process, in bytes, from /proc (the nodes run on this machine). */
    private static long procStatus(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]) * 1024;
            }
        }
        throw new IOException(field + " not in /proc/" + pid + "/status");
    }

    @SuppressWarnings("unchecked")
    private Sample sample(double at, Map<String, Long> pids) throws Exception {
        Map<String, Long> heap = new java.util.TreeMap<>(), rss = new java.util.TreeMap<>(), anon = new java.util.TreeMap<>();
        Map<String, Object> r = ok(urls.get(0), "GET", "/_nodes/stats/jvm", null);
        for (Object n : ((Map<String, Object>) r.get("nodes")).values()) {
            Map<String, Object> node = (Map<String, Object>) n;
            Map<String, Object> mem = (Map<String, Object>) ((Map<String, Object>) node.get("jvm")).get("mem");
            heap.put((String) node.get("name"), ((Number) mem.get("heap_used_in_bytes")).longValue());
        }
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            rss.put(e.getKey(), procStatus(e.getValue(), "VmRSS"));
            anon.put(e.getKey(), procStatus(e.getValue(), "RssAnon"));
        }
        Sample s = new Sample(at, heap, rss, anon);
        log("t=%.0fs heap MB %s, RSS MB %s", at, mb(heap), mb(rss));
        return s;
    }

    private static Map<String, Long> mb(Map<String, Long> bytes) {
        Map<String, Long> m = new LinkedHashMap<>();
        bytes.forEach((k, v) -> m.put(k, v >> 20));
        return m;
    }

    private void run() throws Exception {
        log("urls %s, %d s, bulks of %d × %d clients, %d query clients, index %s", urls, seconds, bulkSize, bulkClients, queryClients, index);
        setUp();
        Map<String, Long> pids = pids();
        long start = System.nanoTime();
        samples.add(sample(0, pids));
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < bulkClients; c++) {
            threads.add(new Thread(() -> {
                try {
                    while (stop == false) {
                        bulkOnce("bulk", nextUrl());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "load-bulk-" + c));
        }
        for (int c = 0; c < queryClients; c++) {
            int offset = c * 17;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; stop == false; i++) {
                        String text = data.queries.get((offset + i / 2) % data.queries.size()).text();
                        queryOnce(i % 2 == 0 ? "binary_knn" : "binary_hybrid", text);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "load-query-" + c));
        }
        threads.forEach(Thread::start);
        for (int i = 1; i <= 10; i++) {
            long at = start + Duration.ofSeconds(seconds).toNanos() * i / 10;
            while (System.nanoTime() < at) {
                Thread.sleep(Math.min(1000, Math.max(1, (at - System.nanoTime()) / 1_000_000)));
            }
            if (i < 10) {
                samples.add(sample((System.nanoTime() - start) / 1e9, pids));
            }
        }
        stop = true;
        for (Thread t : threads) {
            t.join(Duration.ofMinutes(5).toMillis());
            if (t.isAlive()) {
                error("bulk", t.getName() + " still running 5 min after the end");
            }
        }
        double ran = (System.nanoTime() - start) / 1e9;
        samples.add(sample(ran, pids));
        ok(urls.get(0), "POST", "/" + index + "/_refresh", null);
        long found = ((Number) ok(urls.get(0), "GET", "/" + index + "/_count", null).get("count")).longValue();
        report(ran, found);
    }

    /** The largest value of the first or last three samples of a node. */
    private long maxOf(List<Sample> s, String node, boolean rss) {
        return s.stream().mapToLong(x -> (rss ? x.rss() : x.heap()).get(node)).max().orElse(0);
    }

    private void report(double ran, long found) throws IOException {
        List<String> nodes = new ArrayList<>(samples.get(0).rss().keySet());
        List<Sample> first = samples.subList(0, Math.min(3, samples.size()));
        List<Sample> last = samples.subList(Math.max(0, samples.size() - 3), samples.size());
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Load run: %.0f s against %d nodes%n%n", ran, nodes.size()));
        md.append(String.format(Locale.ROOT,
            "%s. Index `%s`: 2 shards, 1 replica. %d bulk client(s), %d sample passages a request through `local_embedding`; "
                + "%d query client(s) alternating `binary_knn` (query_text, k 10) and `binary_hybrid` (default fusion) over the "
                + "the 76 sample queries; requests go to the nodes in turn. Latency: client wall time on loopback.%n%n",
            Instant.now().toString().substring(0, 19) + "Z", index, bulkClients, bulkSize, queryClients));
        md.append("| kind | requests | errors | 429 rejections | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n");
        for (String k : KINDS) {
            Stats s = stats.get(k);
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %.1f |%n", k.equals("bulk") ? "bulk (" + bulkSize + " passages)" : k,
                s.requests.sum(), s.errors.sum(), s.rejections.sum(), s.percentileMicros(0.5) / 1000.0, s.percentileMicros(0.99) / 1000.0));
        }
        long totalErrors = stats.values().stream().mapToLong(s -> s.errors.sum()).sum();
        long totalRejections = stats.values().stream().mapToLong(s -> s.rejections.sum()).sum();
        md.append(String.format(Locale.ROOT, "%nErrors: %d. 429 rejections: %d (counted apart from errors; rejected bulk items are retried "
            + "after a backoff). Documents acknowledged: %d, in the index at the end: %d (lost: %d).%n",
            totalErrors, totalRejections, acknowledged.sum(), found, acknowledged.sum() - found));
        if (errorSamples.isEmpty() == false) {
            md.append("\nFirst errors:\n");
            synchronized (errorSamples) {
                errorSamples.forEach(e -> md.append("- ").append(e.replace('\n', ' ')).append('\n'));
            }
        }
        md.append("\n## Memory of each node\n\nHeap used from `_nodes/stats`, RSS (VmRSS) from `/proc/<pid>/status`, in MB.\n\n| t (s) |");
        for (String n : nodes) {
            md.append(' ').append(n).append(" heap | ").append(n).append(" RSS |");
        }
        md.append("\n|---:|");
        md.append("---:|---:|".repeat(nodes.size()));
        md.append('\n');
        for (Sample s : samples) {
            md.append(String.format(Locale.ROOT, "| %.0f |", s.seconds()));
            for (String n : nodes) {
                md.append(String.format(Locale.ROOT, " %d | %d |", s.heap().get(n) >> 20, s.rss().get(n) >> 20));
            }
            md.append('\n');
        }
        md.append("| trend |");
        XContentBuilder json = JsonXContent.contentBuilder().prettyPrint().startObject();
        json.field("seconds", ran).field("errors", totalErrors).field("rejections", totalRejections);
        json.field("acknowledged", acknowledged.sum()).field("found", found);
        json.startObject("kinds");
        for (String k : KINDS) {
            Stats s = stats.get(k);
            json.startObject(k).field("requests", s.requests.sum()).field("errors", s.errors.sum()).field("rejections", s.rejections.sum())
                .field("p50_ms", s.percentileMicros(0.5) / 1000.0).field("p99_ms", s.percentileMicros(0.99) / 1000.0).endObject();
        }
        json.endObject().startObject("nodes");
        for (String n : nodes) {
            long h0 = maxOf(first, n, false), h1 = maxOf(last, n, false), r0 = maxOf(first, n, true), r1 = maxOf(last, n, true);
            md.append(String.format(Locale.ROOT, " %+d (%+.0f%%) | %+d (%+.0f%%) |", (h1 - h0) >> 20, 100.0 * (h1 - h0) / h0, (r1 - r0) >> 20, 100.0 * (r1 - r0) / r0));
            json.startObject(n).field("heap_first3_max", h0).field("heap_last3_max", h1).field("rss_first3_max", r0).field("rss_last3_max", r1)
                .field("rss_growth", (r1 - r0) / (double) r0).field("rss_anon_last", samples.get(samples.size() - 1).rssAnon().get(n)).endObject();
        }
        json.endObject();
        json.array("error_samples", errorSamples.toArray(new String[0]));
        json.endObject();
        md.append("\n\nTrend: the largest of the last 3 samples minus the largest of the first 3 (a GC cycle moves single samples).\n");
        Files.createDirectories(out);
        Files.writeString(out.resolve("load-results.md"), md.toString(), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("load-results.json"), json.toString(), StandardCharsets.UTF_8);
        System.out.println(md);
        log("wrote %s and load-results.json", out.resolve("load-results.md"));
    }
}
