package org.opensearch.binaryembeddings.bench;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.opensearch.binaryembeddings.testsupport.SearchResponses.ids;

/**
 * End-to-end latency and quality against a running node with the plugin (bin/bench --e2e starts one on port 9280):
 * the bundled bge-small-en-v1.5-q model, a local_embedding pipeline, msmarco-5k bulk-indexed through it into one shard
 * force-merged to one segment, then the 50 queries × reps for match, binary_knn (query_text) and binary_hybrid
 * (default fusion), interleaved query by query; the query encoding alone through {@code _embed} (kind query). The
 * node caches query embeddings (plugins.binary_embeddings.query_cache.size, default 1000), so the first repetition of
 * a query text pays the encoding and later ones do not: both are reported. Latency is client-side wall time of the
 * HTTP round trip on loopback (the response's {@code took} beside it).
 */
public final class E2eBench {

    private static final String MODEL = "bge-small-en-v1.5-q";
    private static HttpNode node;

    private E2eBench() {}

    public static void main(String[] args) throws Exception {
        node = new HttpNode(args.length > 0 ? args[0] : "http://127.0.0.1:9280");
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path out = Path.of(args.length > 2 ? args[2] : "target/bench/e2e-results.md");
        Corpus data = Corpus.msmarco();

        waitForModels();
        call("PUT", "/_ingest/pipeline/bench-embed", "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"},\"batch_size\":32}}]}");
        call("DELETE", "/msmarco-bench", null, true);
        call("PUT", "/msmarco-bench", "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":1,\"number_of_replicas\":0,\"refresh_interval\":\"-1\"},"
            + "\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\",\"analyzer\":\"english\"},"
            + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"" + MODEL + "\"}}}}");
        long t0 = System.nanoTime();
        for (int from = 0; from < data.docs.size(); from += 250) {
            Map<String, Object> r = call("POST", "/msmarco-bench/_bulk?pipeline=bench-embed", data.bulkBody(from, from + 250, i -> ""));
            if (Boolean.TRUE.equals(r.get("errors"))) {
                throw new IllegalStateException("bulk errors: " + r.toString().substring(0, 1000));
            }
        }
        double indexSeconds = (System.nanoTime() - t0) / 1e9;
        call("POST", "/msmarco-bench/_refresh", null);
        long m0 = System.nanoTime();
        call("POST", "/msmarco-bench/_forcemerge?max_num_segments=1", null);
        call("POST", "/msmarco-bench/_refresh", null);
        double mergeSeconds = (System.nanoTime() - m0) / 1e9;
        log("indexed %d passages through the pipeline in %.1f s (%.1f passages/s), force merge %.1f s", data.docs.size(), indexSeconds, data.docs.size() / indexSeconds, mergeSeconds);

        Map<String, String> methods = new LinkedHashMap<>();
        methods.put("match (BM25, english)", "{\"match\":{\"text\":%s}}");
        methods.put("binary_knn query_text (k 10, defaults)", "{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":%s,\"k\":10}}");
        methods.put("binary_hybrid default", "{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":%s}},\"vector\":{\"field\":\"embedding\",\"query_text\":%s}}}");
        List<String> names = new ArrayList<>(methods.keySet());
        List<Corpus.Query> queries = data.queries;
        // first repetition: every method sees each query text for the first time in this order; binary_knn comes
        // before binary_hybrid, so only binary_knn pays the encoding of the text (the hybrid's vector part then hits
        // the node's query cache) - the _embed timing below is the encoding itself
        Map<String, long[]> first = new LinkedHashMap<>(), later = new LinkedHashMap<>(), tookFirst = new LinkedHashMap<>(), tookLater = new LinkedHashMap<>();
        for (String n : names) {
            first.put(n, new long[queries.size()]);
            later.put(n, new long[queries.size() * Math.max(0, reps - 1)]);
            tookFirst.put(n, new long[queries.size()]);
            tookLater.put(n, new long[queries.size() * Math.max(0, reps - 1)]);
        }
        Map<String, Map<String, List<String>>> ranked = new LinkedHashMap<>();
        for (String n : names) {
            ranked.put(n, new HashMap<>());
        }
        // warm the search path with texts that are not among the benchmark queries (no cache effect on them)
        for (int i = 0; i < 20; i++) {
            String text = data.docs.get(i).title().isEmpty() ? data.docs.get(i).text().split("\\.")[0] : data.docs.get(i).title();
            for (String n : names) {
                search(methods.get(n), text);
            }
        }
        // every method's first-repetition hits (id and score), to compare the rankings of two builds
        StringBuilder hits = new StringBuilder();
        int later_i = 0;
        for (int rep = 0; rep < reps; rep++) {
            for (int q = 0; q < queries.size(); q++) {
                for (String n : names) {
                    long s = System.nanoTime();
                    Map<String, Object> r = search(methods.get(n), queries.get(q).text());
                    long ns = System.nanoTime() - s;
                    long took = ((Number) r.get("took")).longValue();
                    if (rep == 0) {
                        first.get(n)[q] = ns;
                        tookFirst.get(n)[q] = took;
                        ranked.get(n).put(queries.get(q).id(), ids(r));
                        hits.append(hitLines(n, queries.get(q).id(), r));
                    } else {
                        later.get(n)[later_i] = ns;
                        tookLater.get(n)[later_i] = took;
                    }
                }
                if (rep > 0) {
                    later_i++;
                }
            }
        }
        // query encoding alone: _embed with kind query, one text per call (not cached by the node)
        long[] embed = new long[queries.size() * reps];
        int e = 0;
        for (int rep = 0; rep < reps; rep++) {
            for (Corpus.Query q : queries) {
                long s = System.nanoTime();
                call("POST", "/_plugins/_binary_embeddings/models/" + MODEL + "/_embed", "{\"texts\":[" + Json.string(q.text()) + "],\"kind\":\"query\"}");
                embed[e++] = System.nanoTime() - s;
            }
        }

        StringBuilder md = new StringBuilder();
        md.append("## End to end: real node, msmarco-5k, bundled ").append(MODEL).append("\n\n");
        md.append(String.format(
            Locale.ROOT,
            "One node (bin/node, heap 1g, ports 9280/9380), one shard force-merged to one segment, 5,000 passages indexed through the local_embedding pipeline in %.1f s (%.1f passages/s, bulk of 250, batch_size 32) + force merge %.1f s. Latency = client wall time of the HTTP call on loopback, sequential, methods interleaved query by query; all = %d queries × %d repetitions. The node caches query embeddings (LRU, 1,000): first-time = the first repetition (binary_knn encodes the text; binary_hybrid runs right after it and finds the embedding cached), repeated = the other repetitions (no encoding).%n%n",
            indexSeconds,
            data.docs.size() / indexSeconds,
            mergeSeconds,
            queries.size(),
            reps
        ));
        md.append("| method | nDCG@10 | p50 ms (all) | p99 ms (all) | first-time p50 ms | repeated p50 ms | server took p50 ms (all) |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (String n : names) {
            long[] all = concat(first.get(n), later.get(n));
            md.append(String.format(
                Locale.ROOT,
                "| %s | %.4f | %.1f | %.1f | %.1f | %.1f | %.0f |%n",
                n,
                data.ndcg(ranked.get(n), 10),
                pct(all, 0.5) / 1e6,
                pct(all, 0.99) / 1e6,
                pct(first.get(n), 0.5) / 1e6,
                pct(later.get(n), 0.5) / 1e6,
                pct(concat(tookFirst.get(n), tookLater.get(n)), 0.5)
            ));
        }
        md.append(String.format(
            Locale.ROOT,
            "| query encoding alone (`_embed`, kind query, 1 text, %d calls) | — | %.1f | %.1f | | | |%n%n",
            embed.length,
            pct(embed, 0.5) / 1e6,
            pct(embed, 0.99) / 1e6
        ));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        Files.writeString(out.resolveSibling("e2e-hits.tsv"), hits.toString());
        System.out.println(md);
    }

    private static long[] concat(long[] a, long[] b) {
        long[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static double pct(long[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        long[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.floor(p * s.length))];
    }

    @SuppressWarnings("unchecked")
    private static String hitLines(String method, String queryId, Map<String, Object> r) {
        StringBuilder out = new StringBuilder();
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits");
        for (int i = 0; i < hits.size(); i++) {
            out.append(method).append('\t').append(queryId).append('\t').append(i + 1).append('\t').append(hits.get(i).get("_id"))
                .append('\t').append(hits.get(i).get("_score")).append('\n');
        }
        return out.toString();
    }

    private static Map<String, Object> search(String template, String text) throws Exception {
        String q = String.format(Locale.ROOT, template, Json.string(text), Json.string(text));
        return call("POST", "/msmarco-bench/_search", "{\"size\":10,\"_source\":false,\"query\":" + q + "}");
    }

    @SuppressWarnings("unchecked")
    private static void waitForModels() throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (true) {
            Map<String, Object> r = call("GET", "/_plugins/_binary_embeddings/models", null);
            boolean loaded = true;
            for (Map<String, Object> m : (List<Map<String, Object>>) r.get("models")) {
                loaded &= "loaded".equals(m.get("status"));
            }
            if (loaded) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("models not loaded: " + r);
            }
            Thread.sleep(1000);
        }
    }

    private static Map<String, Object> call(String method, String path, String body) throws Exception {
        return node.call(method, path, body);
    }

    private static Map<String, Object> call(String method, String path, String body, boolean ignoreErrors) throws Exception {
        return node.call(method, path, body, ignoreErrors);
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[%tT] %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, format, args));
    }
}
