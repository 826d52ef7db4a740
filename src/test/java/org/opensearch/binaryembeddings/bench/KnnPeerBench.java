package org.opensearch.binaryembeddings.bench;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.ExactSearch;
import org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The peer our users try first, in their own cluster: OpenSearch k-NN's {@code on_disk} mode with
 * {@code compression_level: 32x} (Lucene engine: 1-bit codes, 4-bit query, its default oversampling and rescoring),
 * beside {@code binary_knn}, both at their defaults, on the same vectors. bin/bench --knn-peer starts our node (3.8.0,
 * the plugin) and a peer node (OpenSearch 3.6.0 with k-NN 3.6.0.0, the newest k-NN on Maven Central) and runs this.
 *
 * <p>Vectors: msmarco-5k's 5,000 passages and 50 queries embedded by bge-small-en-v1.5 int8 (the test-scope reference
 * encoder, the same ONNX file the plugin bundles), sent as floats to both (no pipeline: the comparison is the vector
 * search). Each node: one shard, no replica, force-merged to one segment. Queries alternate between the nodes, query by
 * query, {@code reps} times. Reported: recall@10 against exact float cosine over the same vectors, client p50 / p99,
 * and node CPU per query (the change of the node process's CPU time over the timed loop divided by the queries it
 * answered: every thread of the process, so GC and housekeeping count too, alike for both). The peer's index uses the
 * {@code niofs} store: see {@link #main}.
 */
public final class KnnPeerBench {

    private static final int K = 10;

    private KnnPeerBench() {}

    public static void main(String[] args) throws Exception {
        HttpNode ours = new HttpNode(args[0]);
        HttpNode peer = new HttpNode(args[1]);
        int reps = Integer.parseInt(args[2]);
        Path out = Path.of(args[3]);
        Corpus data = Corpus.msmarco();
        float[][] passages = ReferenceEmbeddings.passages("msmarco-5k", data);
        float[][] queries = ReferenceEmbeddings.queries("msmarco-5k", data);
        List<String> ids = data.docs.stream().map(Corpus.Doc::id).toList();

        index(ours, "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":1,\"number_of_replicas\":0,\"refresh_interval\":\"-1\"},"
            + "\"mappings\":{\"properties\":{\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384}}}}", ids, passages);
        // niofs: k-NN 3.6.0.0 scores memory-mapped 1-bit codes with a native SIMD library that its Maven Central zip does
        // not contain (the node dies with UnsatisfiedLinkError on the first search); on a store it cannot map it falls
        // back to Lucene's own Java scorer, which is what runs here
        index(peer, "{\"settings\":{\"index.knn\":true,\"index.store.type\":\"niofs\",\"number_of_shards\":1,\"number_of_replicas\":0,\"refresh_interval\":\"-1\"},"
            + "\"mappings\":{\"properties\":{\"embedding\":{\"type\":\"knn_vector\",\"dimension\":384,\"space_type\":\"cosinesimil\","
            + "\"mode\":\"on_disk\",\"compression_level\":\"32x\",\"method\":{\"name\":\"hnsw\",\"engine\":\"lucene\"}}}}}", ids, passages);

        Map<String, Contender> contenders = new LinkedHashMap<>();
        contenders.put("binary_knn (this plugin, 3.8.0), defaults", new Contender(ours, "{\"binary_knn\":{\"field\":\"embedding\",\"vector\":%s,\"k\":10}}"));
        contenders.put("k-NN on_disk 32x (k-NN 3.6.0.0, Lucene engine), defaults", new Contender(peer, "{\"knn\":{\"embedding\":{\"vector\":%s,\"k\":10}}}"));

        List<List<String>> exact = new ArrayList<>();
        for (float[] q : queries) {
            exact.add(ExactSearch.top(q, Arrays.asList(passages), ids, K, i -> true));
        }
        // warm-up: JIT, page cache, the query path of both nodes
        for (int rep = 0; rep < 3; rep++) {
            for (float[] q : queries) {
                for (Contender c : contenders.values()) {
                    c.search(q);
                }
            }
        }
        for (Contender c : contenders.values()) {
            c.cpuAtStart = c.node.processCpuMillis();
        }
        for (int rep = 0; rep < reps; rep++) {
            for (int q = 0; q < queries.length; q++) {
                for (Contender c : contenders.values()) {
                    long t0 = System.nanoTime();
                    List<String> hits = c.search(queries[q]);
                    c.latencies.add(System.nanoTime() - t0);
                    if (rep == 0) {
                        c.recall += overlap(hits, exact.get(q)) / (double) K;
                    }
                }
            }
        }
        StringBuilder md = new StringBuilder("## Peer in the user's cluster: k-NN on_disk 32x beside binary_knn (bin/bench --knn-peer)\n\n");
        md.append(String.format(
            Locale.ROOT,
            "msmarco-5k, bge-small-en-v1.5 int8 reference vectors (5,000 passages, %d queries × %d repetitions, interleaved); each "
                + "node: one shard force-merged to one segment, heap 1g, sequential queries from one client on loopback.%n%n",
            queries.length,
            reps
        ));
        md.append("| contender | recall@10 vs exact float | p50 ms | p99 ms | node CPU ms per query |\n|---|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Contender> e : contenders.entrySet()) {
            Contender c = e.getValue();
            double cpu = (c.node.processCpuMillis() - c.cpuAtStart) / (double) c.latencies.size();
            long[] lat = c.latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            md.append(String.format(
                Locale.ROOT,
                "| %s | %.3f | %.2f | %.2f | %.2f |%n",
                e.getKey(),
                c.recall / queries.length,
                lat[lat.length / 2] / 1e6,
                lat[(int) Math.min(lat.length - 1, Math.floor(0.99 * lat.length))] / 1e6,
                cpu
            ));
        }
        md.append('\n');
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
    }

    private static void index(HttpNode node, String settingsAndMappings, List<String> ids, float[][] vectors) throws Exception {
        node.call("DELETE", "/peer-bench", null, true);
        node.call("PUT", "/peer-bench", settingsAndMappings);
        for (int from = 0; from < vectors.length; from += 500) {
            StringBuilder bulk = new StringBuilder();
            for (int i = from; i < Math.min(vectors.length, from + 500); i++) {
                bulk.append("{\"index\":{\"_id\":\"").append(ids.get(i)).append("\"}}\n{\"embedding\":").append(Arrays.toString(vectors[i])).append("}\n");
            }
            Map<String, Object> r = node.call("POST", "/peer-bench/_bulk", bulk.toString());
            if (Boolean.TRUE.equals(r.get("errors"))) {
                throw new IllegalStateException(node + ": bulk errors: " + r.toString().substring(0, 1000));
            }
        }
        node.call("POST", "/peer-bench/_refresh", null);
        node.call("POST", "/peer-bench/_forcemerge?max_num_segments=1", null);
        node.call("POST", "/peer-bench/_refresh", null);
    }

    private static int overlap(List<String> a, List<String> b) {
        return (int) a.stream().filter(b::contains).count();
    }

    private static final class Contender {
        final HttpNode node;
        final String template;
        final List<Long> latencies = new ArrayList<>();
        double recall;
        long cpuAtStart;

        Contender(HttpNode node, String template) {
            this.node = node;
            this.template = template;
        }

        @SuppressWarnings("unchecked")
        List<String> search(float[] q) throws Exception {
            Map<String, Object> r = node.call(
                "POST",
                "/peer-bench/_search",
                "{\"size\":" + K + ",\"_source\":false,\"query\":" + String.format(Locale.ROOT, template, Arrays.toString(q)) + "}"
            );
            List<String> out = new ArrayList<>();
            for (Map<String, Object> hit : (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits")) {
                out.add((String) hit.get("_id"));
            }
            return out;
        }
    }
}
