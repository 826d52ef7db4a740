package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Heavy churn in a real node: 2,000 documents (msmarco passage embeddings given as vectors), 30% of them re-indexed
 * with another passage's vector, 20% deleted, a refresh after each step so the shard has many segments full of
 * deleted and superseded documents, then a force merge to one segment. Before and after the merge binary_knn must
 * answer from the live documents' current vectors only:
 * <ul>
 *   <li>on the exact path (num_candidates above the doc count): the exact top 10 by cosine over the live documents,
 *       each hit's score the exact score of its current vector;</li>
 *   <li>with the defaults (graph search): every hit live and scored by its current vector, recall@10 ≥ 0.9.</li>
 * </ul>
 * The exact answer is computed here from the vectors the test sent. (OpenSearch keeps soft-deleted documents for its
 * retention leases, so even the merged segment still holds the superseded and deleted ones: the query must skip them.)
 */
public class UpdatesAndMergesIT extends RealNodeTestCase {

    private static final int DOCS = 2000;
    private static final int QUERIES = 50;
    /** Rescoring is a float cosine (SIMD sums); the reference here is computed in double. */
    private static final double SCORE_TOLERANCE = 1e-5;

    private final Map<String, float[]> live = new HashMap<>();

    private static String vector(float[] v) {
        return Arrays.toString(v);
    }

    private static void bulk(StringBuilder body) throws IOException {
        Map<String, Object> r = call("POST", "/churn/_bulk", body.toString());
        assertEquals("bulk errors", false, r.get("errors"));
        call("POST", "/churn/_refresh", null);
        body.setLength(0);
    }

    private static double exactScore(float[] q, float[] v) {
        double dot = 0, nq = 0, nv = 0;
        for (int i = 0; i < q.length; i++) {
            dot += (double) q[i] * v[i];
            nq += (double) q[i] * q[i];
            nv += (double) v[i] * v[i];
        }
        return (1 + dot / Math.sqrt(nq * nv)) / 2; // Lucene's cosine score
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> search(float[] q, Integer numCandidates) throws IOException {
        String body = "{\"size\":10,\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"embedding\",\"vector\":" + vector(q) + ",\"k\":10"
            + (numCandidates == null ? "" : ",\"num_candidates\":" + numCandidates) + "}}}";
        return (List<Map<String, Object>>) ((Map<String, Object>) call("POST", "/churn/_search", body).get("hits")).get("hits");
    }

    /** Checks both paths against the exact answer over the live documents; returns the mean recall@10 of the defaults. */
    private double check(String phase, float[][] queries) throws IOException {
        double recall = 0;
        for (int qi = 0; qi < QUERIES; qi++) {
            float[] q = queries[qi];
            List<Map.Entry<String, Double>> exact = live.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), exactScore(q, e.getValue())))
                .sorted(Comparator.comparingDouble((Map.Entry<String, Double> e) -> -e.getValue()))
                .limit(10)
                .toList();
            List<Map<String, Object>> exactPath = search(q, 10_000);
            assertEquals(phase + " query " + qi, 10, exactPath.size());
            for (int rank = 0; rank < 10; rank++) {
                String id = (String) exactPath.get(rank).get("_id");
                double score = ((Number) exactPath.get(rank).get("_score")).doubleValue();
                String where = phase + " query " + qi + " rank " + (rank + 1) + " [" + id + "]";
                assertTrue(where + " is not a live document", live.containsKey(id));
                assertEquals(where + ": score of its current vector", exactScore(q, live.get(id)), score, SCORE_TOLERANCE);
                // the exact top 10 rank by rank (ids may differ only among scores equal to the tolerance)
                assertEquals(where + ": exact score at this rank", exact.get(rank).getValue(), score, SCORE_TOLERANCE);
            }
            List<Map<String, Object>> defaults = search(q, null);
            assertEquals(phase + " query " + qi, 10, defaults.size());
            int found = 0;
            List<String> exactIds = exact.stream().map(Map.Entry::getKey).toList();
            for (Map<String, Object> hit : defaults) {
                String id = (String) hit.get("_id");
                assertTrue(phase + " default search returned [" + id + "], not a live document", live.containsKey(id));
                assertEquals(phase + " default search: score of [" + id + "] is its current vector's", exactScore(q, live.get(id)),
                    ((Number) hit.get("_score")).doubleValue(), SCORE_TOLERANCE);
                if (exactIds.contains(id)) {
                    found++;
                }
            }
            recall += found / 10.0;
        }
        return recall / QUERIES;
    }

    @SuppressWarnings("unchecked")
    private static int segments() throws IOException {
        Map<String, Object> r = call("GET", "/churn/_stats/segments", null);
        Map<String, Object> primaries = (Map<String, Object>) ((Map<String, Object>) r.get("_all")).get("primaries");
        return ((Number) ((Map<String, Object>) primaries.get("segments")).get("count")).intValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> docs() throws IOException {
        Map<String, Object> r = call("GET", "/churn/_stats/docs", null);
        return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) r.get("_all")).get("primaries")).get("docs");
    }

    public void testBinaryKnnAnswersFromLiveCurrentVectorsBeforeAndAfterMerges() throws Exception {
        float[][] passages = ReferenceEmbeddings.passages();
        float[][] queries = ReferenceEmbeddings.queries();
        Random random = new Random(randomLong());
        call("PUT", "/churn", "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":1,\"number_of_replicas\":0,"
            + "\"refresh_interval\":-1},\"mappings\":{\"properties\":{\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384}}}}");
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < DOCS; i++) {
            String id = "d" + i;
            live.put(id, passages[i]);
            body.append("{\"index\":{\"_id\":\"").append(id).append("\"}}\n{\"embedding\":").append(vector(passages[i])).append("}\n");
            if ((i + 1) % 250 == 0) {
                bulk(body); // a segment per 250 documents
            }
        }
        List<String> ids = new ArrayList<>(live.keySet());
        ids.sort(null);
        java.util.Collections.shuffle(ids, random);
        int updated = DOCS * 3 / 10, deleted = DOCS / 5;
        for (int j = 0; j < updated; j++) {
            String id = ids.get(j);
            float[] v = passages[DOCS + j]; // another passage's vector
            live.put(id, v);
            body.append("{\"index\":{\"_id\":\"").append(id).append("\"}}\n{\"embedding\":").append(vector(v)).append("}\n");
            if ((j + 1) % 200 == 0) {
                bulk(body);
            }
        }
        java.util.Collections.shuffle(ids, random); // deletes hit updated and untouched documents alike
        for (int j = 0; j < deleted; j++) {
            live.remove(ids.get(j));
            body.append("{\"delete\":{\"_id\":\"").append(ids.get(j)).append("\"}}\n");
            if ((j + 1) % 100 == 0) {
                bulk(body);
            }
        }
        Map<String, Object> before = docs();
        assertEquals(live.size(), ((Number) before.get("count")).intValue());
        int segmentsBefore = segments();
        double recallBefore = check("before merge", queries);

        call("POST", "/churn/_forcemerge?max_num_segments=1", null);
        call("POST", "/churn/_refresh", null);
        assertEquals(1, segments());
        Map<String, Object> after = docs();
        assertEquals(live.size(), ((Number) after.get("count")).intValue());
        double recallAfter = check("after merge", queries);

        String summary = String.format(
            Locale.ROOT,
            "churn: %d docs, %d updated, %d deleted -> %d live; before merge %d segments (%s deleted docs in them): exact path = exact "
                + "cosine, defaults recall@10 %.3f; after force merge 1 segment (%s deleted docs kept for retention): exact path = exact cosine, "
                + "defaults recall@10 %.3f",
            DOCS, updated, deleted, live.size(), segmentsBefore, before.get("deleted"), recallBefore, after.get("deleted"), recallAfter
        );
        logger.info(summary);
        System.out.println(summary);
        assertTrue("segments before the merge: " + segmentsBefore, segmentsBefore > 1);
        assertTrue(summary, recallBefore >= 0.9);
        assertTrue(summary, recallAfter >= 0.9);
    }

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }
}
