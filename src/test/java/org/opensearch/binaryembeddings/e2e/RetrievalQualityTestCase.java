package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.ExactSearch;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Retrieval quality in a real node, the way a user gets it: the bundled model, a local_embedding pipeline, _bulk of a
 * judged collection, then match, binary_knn and every binary_hybrid method with query text, scored as nDCG@10
 * (trec_eval semantics) next to exact float cosine over the same stored vectors; also a selective filter (one bucket
 * of a hundred). {@code SampleQualityIT} runs it on the project's own collection in {@code bin/test}, the quality
 * benchmark on msmarco-5k.
 */
public abstract class RetrievalQualityTestCase extends RealNodeTestCase {

    private static final String MODEL = "bge-small-en-v1.5-q";

    /**
     * Indexes {@code data} into {@code index} through the pipeline and asserts: binary_knn with rescoring keeps 99.5% of
     * exact float cosine's nDCG@10; the default hybrid is within {@code hybridSlack} of the better of BM25 and
     * binary_knn; filtered recall@10 at least 0.95. Returns the nDCG@10 table.
     */
    @SuppressWarnings("unchecked")
    protected Map<String, Double> assertRetrievalQuality(String index, Corpus data, double hybridSlack) throws Exception {
        assertBusy(() -> {
            Map<String, Object> r = call("GET", "/_plugins/_binary_embeddings/models", null);
            for (Map<String, Object> m : (List<Map<String, Object>>) r.get("models")) {
                assertEquals(m.toString(), "loaded", m.get("status"));
            }
        }, 60, TimeUnit.SECONDS);
        call("PUT", "/_ingest/pipeline/" + index + "-embed", "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"},\"batch_size\":32}}]}");
        // one refresh at the end: segment boundaries (and so the graphs) do not depend on timing, the numbers repeat
        call("PUT", "/" + index, "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":2,\"number_of_replicas\":0,\"refresh_interval\":-1},"
            + "\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\",\"analyzer\":\"english\"},\"bucket\":{\"type\":\"keyword\"},"
            + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"" + MODEL + "\"}}}}");
        long start = System.nanoTime();
        for (int from = 0; from < data.docs.size(); from += 100) {
            Request request = new Request("POST", "/" + index + "/_bulk?pipeline=" + index + "-embed");
            request.setJsonEntity(data.bulkBody(from, from + 100, i -> "\"bucket\":\"b" + (i % 100) + "\""));
            Map<String, Object> r = entityAsMap(client().performRequest(request));
            assertEquals(r.toString().substring(0, Math.min(2000, r.toString().length())), false, r.get("errors"));
        }
        call("POST", "/" + index + "/_refresh", null);
        logger.info("indexed {} passages through the pipeline in {} s", data.docs.size(), (System.nanoTime() - start) / 1_000_000_000L);

        // exact float cosine over the very vectors the pipeline stored, with the encoder's own query vectors
        Map<String, Object> all = call("POST", "/" + index + "/_search", "{\"size\":" + data.docs.size() + ",\"_source\":[\"embedding\",\"bucket\"],\"query\":{\"match_all\":{}}}");
        List<String> ids = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        List<String> buckets = new ArrayList<>();
        for (Map<String, Object> hit : (List<Map<String, Object>>) ((Map<String, Object>) all.get("hits")).get("hits")) {
            ids.add((String) hit.get("_id"));
            Map<String, Object> source = (Map<String, Object>) hit.get("_source");
            List<Number> e = (List<Number>) source.get("embedding");
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) v[i] = e.get(i).floatValue();
            vectors.add(v);
            buckets.add((String) source.get("bucket"));
        }
        assertEquals(data.docs.size(), ids.size());
        List<String> texts = data.queries.stream().map(Corpus.Query::text).toList();
        // one text per call, as a search encodes it: int8 models shift a vector slightly with its batch companions
        List<List<Number>> qv = new ArrayList<>();
        for (String text : texts) {
            XContentBuilder embed = JsonXContent.contentBuilder().startObject().field("texts", List.of(text)).field("kind", "query").endObject();
            Map<String, Object> embedded = call("POST", "/_plugins/_binary_embeddings/models/" + MODEL + "/_embed", embed.toString());
            qv.add(((List<List<Number>>) embedded.get("embeddings")).get(0));
        }

        Map<String, List<String>> exact = new HashMap<>();
        for (int q = 0; q < texts.size(); q++) {
            float[] query = floats(qv.get(q));
            exact.put(data.queries.get(q).id(), ExactSearch.top(query, vectors, ids, 10, i -> true));
        }

        Map<String, String> methods = new LinkedHashMap<>();
        methods.put("bm25 (match, english analyzer)", "{\"match\":{\"text\":%s}}");
        methods.put("binary_knn query_text, rescore", "{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":%s,\"k\":10}}");
        methods.put("binary_knn query_text, no rescore", "{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":%s,\"k\":10,\"rescore\":false}}");
        methods.put("binary_hybrid default", hybrid(null));
        methods.put("binary_hybrid rrf k=60", hybrid("{\"method\":\"rrf\"}"));
        methods.put("binary_hybrid linear min_max 0.5/0.5", hybrid("{\"method\":\"linear\",\"normalization\":\"min_max\",\"weights\":{\"keyword\":0.5,\"vector\":0.5}}"));
        methods.put("binary_hybrid linear bounded 0.5/0.5", hybrid("{\"method\":\"linear\",\"normalization\":\"bounded\",\"weights\":{\"keyword\":0.5,\"vector\":0.5}}"));
        methods.put("binary_hybrid linear z_score 0.5/0.5", hybrid("{\"method\":\"linear\",\"normalization\":\"z_score\",\"weights\":{\"keyword\":0.5,\"vector\":0.5}}"));
        methods.put("binary_hybrid rerank", hybrid("{\"method\":\"rerank\"}"));
        Map<String, Double> ndcg = new LinkedHashMap<>();
        ndcg.put("exact float cosine (same vectors)", data.ndcg(exact, 10));
        for (Map.Entry<String, String> m : methods.entrySet()) {
            Map<String, List<String>> ranked = new HashMap<>();
            for (int q = 0; q < texts.size(); q++) {
                String query = String.format(Locale.ROOT, m.getValue(), Json.string(texts.get(q)), Json.string(texts.get(q)));
                ranked.put(data.queries.get(q).id(), searchIds(index, "{\"size\":10,\"_source\":false,\"query\":" + query + "}"));
            }
            ndcg.put(m.getKey(), data.ndcg(ranked, 10));
        }
        StringBuilder table = new StringBuilder("\n| method (" + index + ", " + data.docs.size() + " docs, real node, " + MODEL + ") | nDCG@10 |\n|---|---:|\n");
        ndcg.forEach((k, v) -> table.append(String.format(Locale.ROOT, "| %s | %.4f |%n", k, v)));
        logger.info(table);
        System.out.println(table);

        double exactNdcg = ndcg.get("exact float cosine (same vectors)");
        double knn = ndcg.get("binary_knn query_text, rescore");
        double bm25 = ndcg.get("bm25 (match, english analyzer)");
        assertTrue("binary_knn with rescoring keeps 99.5% of exact float cosine" + table, knn >= 0.995 * exactNdcg);
        assertTrue("default hybrid is not worse than the better input - " + hybridSlack + table, ndcg.get("binary_hybrid default") >= Math.max(bm25, knn) - hybridSlack);

        // a 1%-selective filter: every hit passes it, and recall against exact cosine within the filter
        double recall = 0;
        int n = 0;
        for (int q = 0; q < 20; q++) {
            String bucket = "b" + (q * 7 % 100);
            float[] query = floats(qv.get(q));
            List<String> expected = ExactSearch.top(query, vectors, ids, 10, i -> buckets.get(i).equals(bucket));
            String body = "{\"size\":10,\"_source\":[\"bucket\"],\"query\":{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":" + Json.string(texts.get(q))
                + ",\"k\":10,\"filter\":{\"term\":{\"bucket\":\"" + bucket + "\"}}}}}";
            Map<String, Object> r = call("POST", "/" + index + "/_search", body);
            List<String> got = new ArrayList<>();
            for (Map<String, Object> hit : (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits")) {
                assertEquals(bucket, ((Map<String, Object>) hit.get("_source")).get("bucket"));
                got.add((String) hit.get("_id"));
            }
            recall += expected.stream().filter(got::contains).count() / (double) expected.size();
            n++;
        }
        recall /= n;
        logger.info("binary_knn recall@10 with a filter matching one bucket of 100: {}", recall);
        System.out.println("binary_knn recall@10 with a filter matching one bucket of 100: " + recall);
        assertTrue("filtered recall " + recall, recall >= 0.95);
        return ndcg;
    }

    private static String hybrid(String fusion) {
        return "{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":%s}},\"vector\":{\"field\":\"embedding\",\"query_text\":%s}"
            + (fusion == null ? "" : ",\"fusion\":" + fusion) + "}}";
    }

    @SuppressWarnings("unchecked")
    private static List<String> searchIds(String index, String body) throws IOException {
        Map<String, Object> r = call("POST", "/" + index + "/_search", body);
        List<String> out = new ArrayList<>();
        for (Map<String, Object> hit : (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits")) {
            out.add((String) hit.get("_id"));
        }
        return out;
    }

    private static float[] floats(List<Number> list) {
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) v[i] = list.get(i).floatValue();
        return v;
    }

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }
}
