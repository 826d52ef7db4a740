package org.opensearch.binaryembeddings.bench;

import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.opensearch.binaryembeddings.testsupport.SearchResponses.ids;

/**
 * msmarco-5k (read from the shared data at run time) through the pipeline once, into a float32 index with the field's
 * defaults; reindexed (derived source: the rebuilt float32 values) into int8, and into both with {@code source:
 * stored}; a text-only index beside them. Reports bytes per document by part for each, and binary_knn nDCG@10 with
 * {@code query_text} and the query defaults for float32 and int8 rescoring (the int8-default decision of issue 15).
 *
 * <p>Arguments: node URL, output markdown file.
 */
public final class MsMarcoStorageBench {

    private static HttpNode node;

    public static void main(String[] args) throws Exception {
        node = new HttpNode(args[0]);
        Path out = Path.of(args[1]);
        Corpus ms = Corpus.msmarco();
        int n = ms.docs.size();
        node.call("PUT", "/_ingest/pipeline/ms-embed", "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"}}}]}");
        String settings = "\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":1,\"number_of_replicas\":0";
        String field = ",\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"bge-small-en-v1.5-q\"";
        node.call("PUT", "/ms-text", "{" + settings + "},\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\"}}}}");
        node.call("PUT", "/ms-f32", "{" + settings + ",\"default_pipeline\":\"ms-embed\"},\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\"}" + field + "}}}}");
        Map<String, String> copies = new java.util.LinkedHashMap<>();
        copies.put("ms-i8", ",\"rescore\":{\"precision\":\"int8\"}");
        copies.put("ms-f32-stored", ",\"source\":\"stored\"");
        copies.put("ms-i8-stored", ",\"rescore\":{\"precision\":\"int8\"},\"source\":\"stored\"");
        for (Map.Entry<String, String> c : copies.entrySet()) {
            node.call("PUT", "/" + c.getKey(), "{" + settings + "},\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\"}" + field + c.getValue() + "}}}}");
        }
        long t0 = System.nanoTime();
        for (int from = 0; from < n; from += 100) {
            String body = ms.bulkBody(from, from + 100, i -> "");
            for (String index : List.of("ms-text", "ms-f32")) {
                Map<String, Object> r = node.call("POST", "/" + index + "/_bulk", body);
                if (Boolean.TRUE.equals(r.get("errors"))) {
                    throw new IllegalStateException("bulk errors in " + index);
                }
            }
            System.err.printf(Locale.ROOT, "%d/%d %.0f s%n", Math.min(n, from + 100), n, (System.nanoTime() - t0) / 1e9);
        }
        node.call("POST", "/ms-f32/_refresh", null);
        for (String copy : copies.keySet()) {
            node.call("POST", "/_reindex?refresh=true", "{\"source\":{\"index\":\"ms-f32\"},\"dest\":{\"index\":\"" + copy + "\"}}");
        }
        Path data = node.dataPath();
        StringBuilder md = new StringBuilder();
        md.append("| index | bytes per document | stored fields (`_source`) | sign bits | graph | rescoring values | other |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (String index : List.of("ms-text", "ms-f32", "ms-i8", "ms-f32-stored", "ms-i8-stored")) {
            node.call("POST", "/" + index + "/_forcemerge?max_num_segments=1&flush=true", null);
            node.call("POST", "/" + index + "/_flush?force=true", null);
            Map<String, Long> parts = StorageBench.parts(data.resolve("indices").resolve(node.indexUuid(index)).resolve("0").resolve("index"));
            long total = parts.values().stream().mapToLong(Long::longValue).sum();
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d |\n", index, total / n, parts.get("stored") / n,
                parts.get("bits") / n, parts.get("graph") / n, parts.get("rescore") / n, parts.get("other") / n));
        }
        md.append("\n").append(n).append(" msmarco-5k passages, one shard force-merged to one segment.\n\n");
        md.append("| rescoring | binary_knn nDCG@10 (query_text, defaults) | exact path (num_candidates 10000) |\n|---|---:|---:|\n");
        for (String index : List.of("ms-f32", "ms-i8")) {
            double[] ndcg = new double[2];
            for (int pass = 0; pass < 2; pass++) {
                Map<String, List<String>> ranked = new HashMap<>();
                for (Corpus.Query q : ms.judgedQueries()) {
                    String body = "{\"size\":10,\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":" + Json.string(q.text())
                        + ",\"k\":10" + (pass == 1 ? ",\"num_candidates\":10000" : "") + "}}}";
                    ranked.put(q.id(), ids(node.call("POST", "/" + index + "/_search", body)));
                }
                ndcg[pass] = ms.ndcg(ranked, 10);
            }
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f |\n", index.equals("ms-f32") ? "float32" : "int8", ndcg[0], ndcg[1]));
        }
        md.append("\n").append(ms.judgedQueries().size()).append(" judged queries.\n\n");

        // recall@10 of binary_knn with the defaults against the exact float32 top 10 (every document rescored: a
        // shortlist of k × oversample = 5,000), over the 50 queries and 200 passages used as query text
        List<String> texts = new ArrayList<>();
        for (Corpus.Query q : ms.queries) {
            texts.add(q.text());
        }
        for (int i = 0; i < 200; i++) {
            texts.add(ms.docs.get(i * (n / 200)).content());
        }
        double[] recall = new double[2];
        for (String text : texts) {
            String q = Json.string(text);
            List<String> truth = ids(node.call("POST", "/ms-f32/_search", "{\"size\":10,\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"embedding\","
                + "\"query_text\":" + q + ",\"k\":500,\"oversample\":10,\"num_candidates\":10000}}}"));
            int j = 0;
            for (String index : List.of("ms-f32", "ms-i8")) {
                List<String> got = ids(node.call("POST", "/" + index + "/_search", "{\"size\":10,\"_source\":false,\"query\":{\"binary_knn\":{"
                    + "\"field\":\"embedding\",\"query_text\":" + q + ",\"k\":10}}}"));
                recall[j++] += got.stream().filter(truth::contains).count() / 10.0;
            }
        }
        md.append("| rescoring | binary_knn recall@10 (defaults) vs exact float32 |\n|---|---:|\n");
        md.append(String.format(Locale.ROOT, "| float32 | %.4f |\n| int8 | %.4f |\n", recall[0] / texts.size(), recall[1] / texts.size()));
        md.append("\n").append(texts.size()).append(" query texts (50 queries, 200 passages).\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.print(md);
    }
}
