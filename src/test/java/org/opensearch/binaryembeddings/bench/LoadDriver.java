package org.opensearch.binaryembeddings.bench;

import org.opensearch.binaryembeddings.testdata.MsMarco;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.xcontent.MediaTypeRegistry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Bounded mixed load against a running cluster on loopback: one thread bulk-indexes msmarco passages through a
 * {@code local_embedding} pipeline (looping over the corpus, so later passes are updates), two threads send
 * {@code binary_knn} (query_text) and {@code binary_hybrid} queries, every request to the next node in turn. Every
 * tenth of the run it samples each node's heap (after the node's own accounting, {@code _nodes/stats/jvm}) and the
 * process RSS ({@code /proc/<pid>/status}, the pid from {@code _nodes/process}). Writes a markdown report.
 * <p>
 * Errors are any non-2xx answer or bulk item failure; 429 rejections (the bounded inference queue saying no) are
 * counted apart, and with this load's sizes there should be none.
 * <p>
 * Usage: {@code LoadDriver <node-url,node-url,...> <seconds> <report.md>}.
 */
public final class LoadDriver {

    private static final String INDEX = "load";
    private static final int BULK_DOCS = 20;

    private final List<String> nodes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, ConcurrentLinkedQueue<Long>> latencies = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> rejections = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final AtomicLong next = new AtomicLong();
    private volatile boolean stop;

    /** One sample of every node: heap used and RSS in MB. */
    public record Sample(double atSecond, double[] heapMb, double[] rssMb) {}

    /** What a run measured. */
    public record Result(Map<String, long[]> latenciesNanos, Map<String, Long> errors, Map<String, Long> rejections, List<Sample> samples, List<String> errorSamples, String markdown) {

        public long totalErrors() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        /** RSS: max of the last three samples over max of the first three, per node (1.0 = flat). */
        public double[] rssGrowth() {
            return growth(Sample::rssMb, true);
        }

        /** Heap: min of the last three samples over min of the first three (the troughs, i.e. what survives GC). */
        public double[] heapGrowth() {
            return growth(Sample::heapMb, false);
        }

        private double[] growth(Function<Sample, double[]> f, boolean peaks) {
            int n = f.apply(samples.get(0)).length;
            double[] g = new double[n];
            for (int node = 0; node < n; node++) {
                double first = peaks ? 0 : Double.MAX_VALUE, last = first;
                for (int i = 0; i < Math.min(3, samples.size()); i++) {
                    double a = f.apply(samples.get(i))[node], b = f.apply(samples.get(samples.size() - 1 - i))[node];
                    first = peaks ? Math.max(first, a) : Math.min(first, a);
                    last = peaks ? Math.max(last, b) : Math.min(last, b);
                }
                g[node] = last / first;
            }
            return g;
        }
    }

    public LoadDriver(List<String> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    public static void main(String[] args) throws Exception {
        List<String> nodes = Arrays.asList(args[0].split(","));
        int seconds = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        Result r = new LoadDriver(nodes).run(seconds);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, r.markdown());
        System.out.println(r.markdown());
    }

    private String node() {
        return nodes.get((int) (next.getAndIncrement() % nodes.size()));
    }

    private HttpResponse<String> send(String base, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Object> admin(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = send(nodes.get(0), method, path, body);
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " → " + r.statusCode() + ": " + r.body());
        }
        return XContentHelper.convertToMap(new BytesArray(r.body()), false, MediaTypeRegistry.JSON).v2();
    }

    /** Times one request of a kind and files it as success, rejection or error. */
    private void timed(String kind, String method, String path, String body) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = send(node(), method, path, body);
            long took = System.nanoTime() - t0;
            if (r.statusCode() == 429) {
                rejections.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
            } else if (r.statusCode() >= 300 || (kind.equals("bulk") && r.body().contains("\"errors\":true"))) {
                error(kind, r.statusCode() + " " + r.body());
            } else {
                latencies.computeIfAbsent(kind, k -> new ConcurrentLinkedQueue<>()).add(took);
            }
        } catch (Exception e) {
            error(kind, e.toString());
        }
    }

    private void error(String kind, String what) {
        errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        if (errorSamples.size() < 5) {
            errorSamples.add(kind + ": " + what.substring(0, Math.min(400, what.length())));
        }
    }

    public Result run(int seconds) throws Exception {
        MsMarco data = MsMarco.load();
        admin("PUT", "/_ingest/pipeline/load-embed", "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"}}}]}");
        send(nodes.get(0), "DELETE", "/" + INDEX, null);
        admin("PUT", "/" + INDEX, "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":2,\"number_of_replicas\":1,"
            + "\"default_pipeline\":\"load-embed\"},\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\"},"
            + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"bge-small-en-v1.5-q\"}}}}");
        admin("GET", "/_cluster/health/" + INDEX + "?wait_for_status=green&timeout=120s", null);
        admin("POST", "/" + INDEX + "/_bulk?refresh=true", data.bulkBody(0, 100, i -> ""));
        long[] pids = pids();

        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        samples.add(sample(pids, 0));
        List<Thread> threads = new ArrayList<>();
        threads.add(Thread.ofPlatform().name("load-bulk").start(() -> {
            int from = 100;
            while (stop == false) {
                if (from >= data.docs.size()) {
                    from = 0;
                }
                timed("bulk", "POST", "/" + INDEX + "/_bulk", data.bulkBody(from, from + BULK_DOCS, i -> ""));
                from += BULK_DOCS;
            }
        }));
        for (String kind : List.of("binary_knn", "binary_hybrid")) {
            threads.add(Thread.ofPlatform().name("load-" + kind).start(() -> {
                int q = kind.equals("binary_knn") ? 0 : 25;
                while (stop == false) {
                    String text = MsMarco.jsonString(data.queries.get(q++ % data.queries.size()).text());
                    String vector = "{\"field\":\"embedding\",\"query_text\":" + text + "}";
                    String query = kind.equals("binary_knn")
                        ? "{\"binary_knn\":" + vector + "}"
                        : "{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":" + text + "}},\"vector\":" + vector + "}}";
                    timed(kind, "POST", "/" + INDEX + "/_search", "{\"size\":10,\"_source\":false,\"query\":" + query + "}");
                }
            }));
        }
        for (int tenth = 1; tenth <= 10; tenth++) {
            long due = start + (long) (seconds * 1e9 * tenth / 10);
            Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
            samples.add(sample(pids, (System.nanoTime() - start) / 1e9));
        }
        stop = true;
        for (Thread t : threads) {
            t.join(Duration.ofMinutes(5));
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        admin("POST", "/" + INDEX + "/_refresh", null);
        long docs = ((Number) admin("GET", "/" + INDEX + "/_count", null).get("count")).longValue();
        return result(elapsed, docs, samples);
    }

    @SuppressWarnings("unchecked")
    private long[] pids() throws IOException, InterruptedException {
        Map<String, Object> info = (Map<String, Object>) admin("GET", "/_nodes/_all/process,http", null).get("nodes");
        long[] pids = new long[nodes.size()];
        for (Object n : info.values()) {
            Map<String, Object> node = (Map<String, Object>) n;
            String address = (String) ((Map<String, Object>) node.get("http")).get("publish_address");
            long pid = ((Number) ((Map<String, Object>) node.get("process")).get("id")).longValue();
            for (int i = 0; i < nodes.size(); i++) {
                if (nodes.get(i).endsWith(":" + address.substring(address.lastIndexOf(':') + 1))) {
                    pids[i] = pid;
                }
            }
        }
        return pids;
    }

    @SuppressWarnings("unchecked")
    private Sample sample(long[] pids, double at) throws IOException, InterruptedException {
        double[] heap = new double[nodes.size()];
        double[] rss = new double[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            HttpResponse<String> r = send(nodes.get(i), "GET", "/_nodes/_local/stats/jvm", null);
            Map<String, Object> stats = XContentHelper.convertToMap(new BytesArray(r.body()), false, MediaTypeRegistry.JSON).v2();
            Map<String, Object> node = (Map<String, Object>) ((Map<String, Object>) stats.get("nodes")).values().iterator().next();
            Map<String, Object> mem = (Map<String, Object>) ((Map<String, Object>) node.get("jvm")).get("mem");
            heap[i] = ((Number) mem.get("heap_used_in_bytes")).doubleValue() / (1 << 20);
            rss[i] = rssKb(pids[i]) / 1024.0;
        }
        return new Sample(at, heap, rss);
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for pid " + pid);
    }

    private Result result(double elapsed, long docs, List<Sample> samples) {
        Map<String, long[]> lat = new TreeMap<>();
        for (String kind : List.of("bulk", "binary_knn", "binary_hybrid")) {
            lat.put(kind, latencies.getOrDefault(kind, new ConcurrentLinkedQueue<>()).stream().mapToLong(Long::longValue).sorted().toArray());
        }
        Map<String, Long> err = new TreeMap<>();
        Map<String, Long> rej = new TreeMap<>();
        lat.keySet().forEach(k -> {
            err.put(k, errors.getOrDefault(k, new AtomicLong()).get());
            rej.put(k, rejections.getOrDefault(k, new AtomicLong()).get());
        });
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "## Load: %d nodes on loopback, %.0f s%n%n", nodes.size(), elapsed));
        md.append(String.format(Locale.ROOT, "Index `%s`: 2 shards, 1 replica, `local_embedding` default pipeline (bge-small-en-v1.5-q); "
            + "one thread bulk-indexes msmarco-5k passages (%d per bulk, looping: later passes update), one thread sends binary_knn "
            + "(query_text) and one binary_hybrid (default fusion), round-robin over the nodes. %,d documents at the end.%n%n", INDEX, BULK_DOCS, docs));
        md.append("| requests | count | per s | errors | 429 | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, long[]> e : lat.entrySet()) {
            long[] v = e.getValue();
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %d | %d | %.1f | %.1f |%n", e.getKey(), v.length, v.length / elapsed,
                err.get(e.getKey()), rej.get(e.getKey()), pct(v, 0.50), pct(v, 0.99)));
        }
        md.append("\n| at s |");
        for (int i = 0; i < nodes.size(); i++) {
            md.append(" node ").append(i + 1).append(" heap MB | node ").append(i + 1).append(" RSS MB |");
        }
        md.append("\n|---:|").append("---:|---:|".repeat(nodes.size())).append('\n');
        for (Sample s : samples) {
            md.append(String.format(Locale.ROOT, "| %.0f |", s.atSecond()));
            for (int i = 0; i < nodes.size(); i++) {
                md.append(String.format(Locale.ROOT, " %.0f | %.0f |", s.heapMb()[i], s.rssMb()[i]));
            }
            md.append('\n');
        }
        Result r = new Result(lat, err, rej, samples, List.copyOf(errorSamples), "");
        md.append(String.format(Locale.ROOT, "%nTrend per node, end over start: RSS %s (max of the last 3 samples / max of the first 3), heap %s (min / min: the level GC returns to).%n",
            fmt(r.rssGrowth()), fmt(r.heapGrowth())));
        if (errorSamples.isEmpty() == false) {
            md.append("\nFirst errors:\n");
            errorSamples.forEach(s -> md.append("- ").append(s.replace('\n', ' ')).append('\n'));
        }
        return new Result(lat, err, rej, samples, List.copyOf(errorSamples), md.toString());
    }

    private static String fmt(double[] v) {
        StringBuilder s = new StringBuilder();
        for (double x : v) {
            s.append(s.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f×", x));
        }
        return s.toString();
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
}
