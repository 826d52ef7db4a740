package org.opensearch.binaryembeddings.bench;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;

import org.opensearch.binaryembeddings.testsupport.BenchMain;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ingest throughput and query latency during ingest against a running node (not a test; bin/bench --inference runs it):
 * <ul>
 *   <li>{@code throughput}: msmarco-5k through the {@code local_embedding} pipeline (bulks of {@value #BULK} documents
 *       from {@value #CLIENTS} concurrent clients) against langchain4j's {@code embedAll} of the same texts with the same
 *       model (bge-small-en-v1.5 int8, its defaults: all cores) in this JVM, interleaved chunk by chunk so load from
 *       other processes hits both alike; then the query latency phase.</li>
 *   <li>{@code latency}: {@code binary_knn} {@code query_text} latency (each a text the node has not seen, so it is
 *       encoded) on an idle node, then while a pipeline bulk of {@value #LOAD_DOCS} passages runs.</li>
 *   <li>{@code report}: the table of both phases (the second run with {@code inference.query_lane: false}, i.e. query
 *       texts queued on the ingest lane as before the lanes) into a markdown file.</li>
 * </ul>
 * Each phase writes its figures to a properties file beside the report.
 */
public final class InferenceBench {

    private static final String MODEL = "bge-small-en-v1.5-q";
    static final int BULK = 100;
    static final int CLIENTS = 2;
    static final int LOAD_DOCS = 2000;
    private static HttpNode node;

    private InferenceBench() {}

    public static void main(String[] args) throws Exception {
        BenchMain.run(() -> run(args));
    }

    private static void run(String[] args) throws Exception {
        String phase = args[0];
        Path dir = Path.of(args[1]);
        Files.createDirectories(dir);
        if (phase.equals("report")) {
            report(dir);
            return;
        }
        if (phase.equals("compare")) {
            compare(dir, args);
            return;
        }
        node = new HttpNode(args[2]);
        String label = args[3];
        Properties p = new Properties();
        waitForModel();
        p.setProperty("node_settings", nodeSettings());
        if (phase.equals("throughput")) {
            throughput(p, args.length > 4 ? Integer.parseInt(args[4]) : 5);
        }
        latency(p);
        try (Writer w = Files.newBufferedWriter(dir.resolve("inference-" + label + ".properties"))) {
            p.store(w, "bin/bench --inference, phase " + phase);
        }
    }

    // ---- throughput ----

    private static void throughput(Properties p, int chunks) throws Exception {
        Interleaved run = interleaved(List.of(node), chunks);
        int n = run.docs();
        call("POST", "/tp/_refresh", null);
        long count = ((Number) call("GET", "/tp/_count", null).get("count")).longValue();
        if (count != n) {
            throw new IllegalStateException("indexed " + count + " of " + n + " documents");
        }
        // the stats API's view of the index just built (the README quotes it)
        Map<String, Object> stats = call("GET", "/_plugins/_binary_embeddings/_local/stats", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> one = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) stats.get("nodes")).values()
            .iterator()
            .next()).get("indices")).get("tp");
        p.setProperty("stats_tp", String.valueOf(one));
        double ref = run.langchain4jPerSecond(), pipe = run.pipelinePerSecond()[0];
        p.setProperty("docs", Integer.toString(n));
        p.setProperty("chunks", Integer.toString(chunks));
        p.setProperty("langchain4j_texts_per_s", fmt(ref));
        p.setProperty("pipeline_docs_per_s", fmt(pipe));
        p.setProperty("ratio", String.format(Locale.ROOT, "%.2f", pipe / ref));
        log("langchain4j embedAll %.1f texts/s; pipeline bulk %.1f docs/s = %.2fx", ref, pipe, pipe / ref);
    }

    /**
     * {@code compare DIR CHUNKS URL...}: the throughput phase against several nodes at once (each started with other
     * settings, all idle but the one measured). What an A/B of node settings on a shared machine needs; the in-process
     * encoder grid cannot show the node's own work.
     */
    private static void compare(Path dir, String[] args) throws Exception {
        int chunks = Integer.parseInt(args[2]);
        List<HttpNode> nodes = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            node = new HttpNode(args[i]);
            nodes.add(node);
            waitForModel();
            settings.add(nodeSettings());
        }
        Interleaved run = interleaved(nodes, chunks);
        double ref = run.langchain4jPerSecond();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "langchain4j embedAll: %.1f texts/s%n", ref));
        for (int i = 0; i < nodes.size(); i++) {
            double pipe = run.pipelinePerSecond()[i];
            out.append(String.format(Locale.ROOT, "pipeline, node %s (%s): %.1f docs/s = %.2fx%n", args[3 + i], settings.get(i), pipe, pipe / ref));
        }
        Files.writeString(dir.resolve("inference-compare.txt"), out.toString());
        System.out.print(out);
    }

    /** Rates of one interleaved run: langchain4j texts/s, each node's pipeline docs/s, over {@code docs} passages. */
    private record Interleaved(int docs, double langchain4jPerSecond, double[] pipelinePerSecond) {}

    /**
     * msmarco-5k in {@code chunks} chunks, each through langchain4j's {@code embedAll} and then through each node's
     * pipeline (index {@code tp}) in turn, so that load from other processes hits all alike. Leaves {@link #node} at the
     * last node.
     */
    private static Interleaved interleaved(List<HttpNode> nodes, int chunks) throws Exception {
        List<Corpus.Doc> docs = Corpus.msmarco().docs;
        List<String> texts = docs.stream().map(Corpus.Doc::content).toList();
        for (HttpNode n : nodes) {
            node = n;
            // warm-up of the node's whole path, model runs included, through the same pipeline into a throwaway index
            // (before 2026-12-04 it went to an index without the pipeline: the first chunk met a cold model)
            createIndex("tp-warm", 1, "tp-embed");
            bulkAll("tp-warm", docs.subList(0, 64));
            call("DELETE", "/tp-warm", null);
            createIndex("tp", 1, "tp-embed");
        }
        EmbeddingModel reference = new BgeSmallEnV15QuantizedEmbeddingModel();
        reference.embedAll(texts.subList(0, 32).stream().map(TextSegment::from).toList()); // warm-up
        long refNanos = 0;
        long[] nanos = new long[nodes.size()];
        int n = texts.size();
        for (int k = 0; k < chunks; k++) {
            int from = k * n / chunks, to = (k + 1) * n / chunks;
            long t0 = System.nanoTime();
            reference.embedAll(texts.subList(from, to).stream().map(TextSegment::from).toList());
            refNanos += System.nanoTime() - t0;
            for (int i = 0; i < nodes.size(); i++) {
                node = nodes.get(i);
                long t1 = System.nanoTime();
                bulkAll("tp", docs.subList(from, to));
                nanos[i] += System.nanoTime() - t1;
            }
            log("chunk %d/%d: langchain4j %.1f s, pipelines %s s so far", k + 1, chunks, refNanos / 1e9, Arrays.toString(Arrays.stream(nanos).mapToObj(x -> fmt(x / 1e9)).toArray()));
        }
        double[] rates = new double[nodes.size()];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = n / (nanos[i] / 1e9);
        }
        return new Interleaved(n, n / (refNanos / 1e9), rates);
    }

    // ---- query latency while ingest runs ----

    private static void latency(Properties p) throws Exception {
        List<Corpus.Doc> docs = Corpus.msmarco().docs;
        createIndex("lat-target", 1, "lat-embed");
        bulkAll("lat-target", docs.subList(0, 500));
        call("POST", "/lat-target/_refresh", null);
        List<Corpus.Query> queries = Corpus.msmarco().queries;
        AtomicInteger seq = new AtomicInteger();
        // idle: the node does nothing else
        List<Long> idle = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            idle.add(query(queries, seq.getAndIncrement()));
        }
        put(p, "idle", idle);
        // during a pipeline bulk into another index
        createIndex("lat-load", 1, "lat-embed");
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService loader = Executors.newSingleThreadExecutor();
        long t0 = System.nanoTime();
        Future<?> load = loader.submit(() -> {
            try {
                bulkAll("lat-load", docs.subList(1000, 1000 + LOAD_DOCS));
            } finally {
                done.set(true);
            }
            return null;
        });
        List<Long> during = new ArrayList<>();
        Thread.sleep(2000); // the lane's queue fills first
        while (done.get() == false) {
            during.add(query(queries, seq.getAndIncrement()));
            Thread.sleep(100);
        }
        load.get();
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        loader.shutdown();
        put(p, "during", during);
        p.setProperty("load_docs_per_s", fmt(LOAD_DOCS / loadSeconds));
        log("query latency idle p50 %s ms, during ingest p50 %s / p99 %s / max %s ms over %d queries; load %.1f docs/s", p.get("idle_p50"),
            p.get("during_p50"), p.get("during_p99"), p.get("during_max"), during.size(), LOAD_DOCS / loadSeconds);
    }

    /** One binary_knn with a text never sent before (a query of msmarco-5k with a sequence number), in ms. */
    private static long query(List<Corpus.Query> queries, int i) throws Exception {
        String text = queries.get(i % queries.size()).text() + " " + i;
        long t0 = System.nanoTime();
        call("POST", "/lat-target/_search", "{\"size\":10,\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":"
            + Json.string(text) + "}}}");
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    private static void put(Properties p, String name, List<Long> millis) {
        long[] s = millis.stream().mapToLong(Long::longValue).sorted().toArray();
        p.setProperty(name + "_n", Integer.toString(s.length));
        p.setProperty(name + "_p50", Long.toString(pct(s, 0.50)));
        p.setProperty(name + "_p90", Long.toString(pct(s, 0.90)));
        p.setProperty(name + "_p99", Long.toString(pct(s, 0.99)));
        p.setProperty(name + "_max", Long.toString(s.length == 0 ? 0 : s[s.length - 1]));
    }

    private static long pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    // ---- node calls ----

    private static void createIndex(String index, int shards, String pipeline) throws Exception {
        call("PUT", "/_ingest/pipeline/" + pipeline, "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"}}}]}");
        node.call("DELETE", "/" + index, null, true);
        call("PUT", "/" + index, "{\"settings\":{\"index.binary_embeddings\":true,\"default_pipeline\":\"" + pipeline + "\",\"number_of_shards\":" + shards
            + ",\"number_of_replicas\":0},\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\"},"
            + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"" + MODEL + "\"}}}}");
    }

    /** Bulk-indexes docs through the index's default pipeline: bulks of {@value #BULK} from {@value #CLIENTS} clients. */
    private static void bulkAll(String index, List<Corpus.Doc> docs) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                fs.add(clients.submit(() -> {
                    for (int from = next.getAndAdd(BULK); from < docs.size(); from = next.getAndAdd(BULK)) {
                        Map<String, Object> r = call("POST", "/" + index + "/_bulk", bulkBody(docs.subList(from, Math.min(docs.size(), from + BULK))));
                        if (Boolean.TRUE.equals(r.get("errors"))) {
                            throw new IllegalStateException("bulk errors: " + r.toString().substring(0, 1000));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            clients.shutdown();
        }
    }

    private static String bulkBody(List<Corpus.Doc> docs) {
        StringBuilder b = new StringBuilder();
        for (Corpus.Doc d : docs) {
            b.append("{\"index\":{\"_id\":").append(Json.string(d.id())).append("}}\n{\"text\":").append(Json.string(d.content())).append("}\n");
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static String nodeSettings() throws Exception {
        Map<String, Object> r = call("GET", "/_nodes/_local/settings?flat_settings=true", null);
        Map<String, Object> n = (Map<String, Object>) ((Map<String, Object>) r.get("nodes")).values().iterator().next();
        Map<String, Object> s = (Map<String, Object>) n.get("settings");
        StringBuilder out = new StringBuilder();
        s.forEach((k, v) -> {
            if (k.startsWith("plugins.binary_embeddings.")) {
                out.append(out.length() == 0 ? "" : ", ").append(k.substring("plugins.binary_embeddings.".length())).append('=').append(v);
            }
        });
        return out.length() == 0 ? "defaults" : out.toString();
    }

    @SuppressWarnings("unchecked")
    private static void waitForModel() throws Exception {
        for (int i = 0; i < 600; i++) {
            Map<String, Object> m = ((List<Map<String, Object>>) call("GET", "/_plugins/_binary_embeddings/models/" + MODEL, null).get("models")).get(0);
            if ("loaded".equals(m.get("status"))) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("model " + MODEL + " not loaded");
    }

    private static Map<String, Object> call(String method, String path, String body) throws Exception {
        return node.call(method, path, body);
    }

    // ---- report ----

    private static void report(Path dir) throws IOException {
        Properties lane = load(dir.resolve("inference-lane.properties"));
        Properties noLane = load(dir.resolve("inference-no-lane.properties"));
        String encoder = Files.exists(dir.resolve("encoder-results.txt")) ? Files.readString(dir.resolve("encoder-results.txt")) : "(not run)\n";
        StringBuilder md = new StringBuilder();
        md.append("# Inference benchmark (bin/bench --inference)\n\n");
        md.append(String.format(Locale.ROOT, "%s; `nproc` %d; load average before the run: %s%n%n", java.time.Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC",
            Runtime.getRuntime().availableProcessors(), System.getProperty("bench.uptime", "?")));
        md.append("## Encoder (bin/bench-encoder grid, in-process, msmarco-5k passages; shipped settings first)\n\n```\n").append(encoder.strip()).append("\n```\n\n");
        md.append("## Ingest: pipeline bulk vs langchain4j embedAll (same model, same texts, same machine, interleaved)\n\n");
        md.append("| | msmarco-5k passages | texts (docs) / s |\n|---|---:|---:|\n");
        md.append(String.format(Locale.ROOT, "| langchain4j `embedAll` (bge-small-en-v1.5-q, its defaults) | %s | %s |%n", lane.get("docs"), lane.get("langchain4j_texts_per_s")));
        md.append(String.format(Locale.ROOT, "| `local_embedding` pipeline bulk (%d docs per bulk, %d clients; node: %s) | %s | **%s** |%n", BULK, CLIENTS,
            lane.get("node_settings"), lane.get("docs"), lane.get("pipeline_docs_per_s")));
        md.append(String.format(Locale.ROOT, "%nPipeline / langchain4j: **%s×** (%s chunks interleaved).%n%n", lane.get("ratio"), lane.get("chunks")));
        md.append("Stats API on the index afterwards (`indices.tp`, 1 shard, not force-merged): `").append(lane.get("stats_tp")).append("`\n\n");
        md.append("## binary_knn query_text latency (ms, client wall time, each text new to the node) while a pipeline bulk of ")
            .append(LOAD_DOCS).append(" passages runs\n\n");
        md.append("| node | idle p50 | idle p99 | during ingest: queries | p50 | p90 | p99 | max | bulk docs/s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Properties p : List.of(noLane, lane)) {
            String name = p == lane ? "query lane (default)" : "no query lane (`inference.query_lane: false`: queries queue on the ingest lane, as before)";
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", name, p.get("idle_p50"), p.get("idle_p99"),
                p.get("during_n"), p.get("during_p50"), p.get("during_p90"), p.get("during_p99"), p.get("during_max"), p.get("load_docs_per_s")));
        }
        Files.writeString(dir.resolve("inference-results.md"), md.toString());
        System.out.print(md);
    }

    private static Properties load(Path f) throws IOException {
        Properties p = new Properties();
        if (Files.exists(f)) {
            try (Reader r = Files.newBufferedReader(f)) {
                p.load(r);
            }
        }
        return p;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[inference] " + format + "%n", args);
    }
}
