package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.binaryembeddings.testsupport.Vectors;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Heavy updates and deletes over many segments, then a merge: {@code binary_knn} must only ever see the live documents
 * with their current vectors. With a beam that covers every document the results are exactly the exact cosine top k
 * over the live documents (ids and scores); with the defaults every hit is live and scored by its current vector, and
 * recall against the exact top k stays high.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class UpdatesDeletesMergesClusterTests extends PluginIntegTestCase {

    private static final int DIMS = 64;
    private static final int DOCS = 2_000;
    private static final String INDEX = "churn";

    private final Random random = new Random(11);
    private final float[][] centers = new float[10][DIMS];
    /** The current vector of every live document; deleted ones are removed. */
    private final Map<String, float[]> live = new HashMap<>();

    private float[] nextVector() {
        float[] c = centers[random.nextInt(centers.length)];
        float[] v = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            v[i] = c[i] + 0.8f * (float) random.nextGaussian();
        }
        return v;
    }

    private static String source(float[] v) {
        return "{\"e\":" + Arrays.toString(v) + "}";
    }

    private static void assertNoFailures(BulkResponse r) {
        assertFalse(r.buildFailureMessage(), r.hasFailures());
    }

    public void testKnnSeesOnlyLiveDocumentsWithTheirCurrentVectors() {
        for (float[] c : centers) {
            for (int i = 0; i < DIMS; i++) c[i] = (float) random.nextGaussian();
        }
        client().admin().indices().prepareCreate(INDEX)
            .setSettings(Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", 2)
                .put("index.number_of_replicas", 0).put("index.refresh_interval", -1).put("index.merge.policy.segments_per_tier", 50))
            .setMapping("{\"properties\":{\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + "}}}").get();
        ensureGreen(INDEX);

        // indexing in 10 refreshed chunks leaves many segments per shard
        for (int chunk = 0; chunk < 10; chunk++) {
            BulkRequestBuilder bulk = client().prepareBulk();
            for (int d = chunk * (DOCS / 10); d < (chunk + 1) * (DOCS / 10); d++) {
                float[] v = nextVector();
                live.put("d" + d, v);
                bulk.add(client().prepareIndex(INDEX).setId("d" + d).setSource(source(v), XContentType.JSON));
            }
            assertNoFailures(bulk.get());
            refresh(INDEX);
        }
        // ~30% updated (half by re-indexing, half by partial update), ~20% deleted, in rounds with refreshes between,
        // some documents updated twice and some updated then deleted
        List<String> ids = new ArrayList<>(live.keySet());
        ids.sort(Comparator.naturalOrder());
        int updates = 0, deletes = 0;
        for (int round = 0; round < 4; round++) {
            BulkRequestBuilder bulk = client().prepareBulk();
            for (int n = 0; n < DOCS * 3 / 40; n++) {
                String id = ids.get(random.nextInt(ids.size()));
                if (live.containsKey(id) == false) {
                    continue;
                }
                float[] v = nextVector();
                live.put(id, v);
                if (random.nextBoolean()) {
                    bulk.add(client().prepareIndex(INDEX).setId(id).setSource(source(v), XContentType.JSON));
                } else {
                    bulk.add(client().prepareUpdate(INDEX, id).setDoc(source(v), XContentType.JSON));
                }
                updates++;
            }
            for (int n = 0; n < DOCS / 20; n++) {
                String id = ids.get(random.nextInt(ids.size()));
                if (live.remove(id) != null) {
                    bulk.add(client().prepareDelete(INDEX, id));
                    deletes++;
                }
            }
            assertNoFailures(bulk.get());
            refresh(INDEX);
        }
        logger.info("churn: {} updates, {} deletes, {} live documents", updates, deletes, live.size());
        assertTrue("enough churn: " + updates + " updates, " + deletes + " deletes", updates > DOCS / 4 && deletes > DOCS / 7);
        assertEquals(live.size(), client().prepareSearch(INDEX).setSize(0).setTrackTotalHits(true).get().getHits().getTotalHits().value());
        int segmentsBefore = segments();
        assertTrue("many segments before the merge: " + segmentsBefore, segmentsBefore >= 10);

        checkAgainstExact("before the merge");
        assertEquals(0, client().admin().indices().prepareForceMerge(INDEX).setMaxNumSegments(1).get().getFailedShards());
        refresh(INDEX);
        assertEquals(2, segments());
        checkAgainstExact("after the merge");
    }

    private int segments() {
        return client().admin().indices().prepareSegments(INDEX).get().getIndices().get(INDEX).getShards().values().stream()
            .mapToInt(s -> s.getShards()[0].getSegments().size()).sum();
    }

    private void checkAgainstExact(String when) {
        Random r = new Random(5);
        double recall = 0;
        int queries = 20;
        for (int q = 0; q < queries; q++) {
            float[] query = nextVectorFrom(r);
            List<Map.Entry<String, Double>> exact = exactTop(query, 10);

            // a beam over every document takes the exact path: exactly the exact top 10, same scores
            List<SearchHit> full = hits(query, ",\"num_candidates\":" + DOCS + ",\"oversample\":" + 100);
            assertEquals(when + " query " + q, exact.stream().map(Map.Entry::getKey).toList(), full.stream().map(SearchHit::getId).toList());
            for (int i = 0; i < full.size(); i++) {
                assertEquals(when + " query " + q + " hit " + i, exact.get(i).getValue(), full.get(i).getScore(), 1e-5);
            }

            // defaults: approximate, but never a deleted document or a stale vector
            List<SearchHit> approx = hits(query, "");
            assertEquals(10, approx.size());
            List<String> exactIds = exact.stream().map(Map.Entry::getKey).toList();
            for (SearchHit h : approx) {
                float[] current = live.get(h.getId());
                assertNotNull(when + ": deleted document [" + h.getId() + "] returned", current);
                assertEquals(when + ": score of [" + h.getId() + "] is not that of its current vector", score(query, current), h.getScore(), 1e-5);
                if (exactIds.contains(h.getId())) {
                    recall += 1.0 / (10 * queries);
                }
            }
        }
        logger.info("{}: recall@10 of the default binary_knn vs exact over live documents = {}", when, recall);
        assertTrue(when + ": recall@10 " + recall, recall >= 0.9);
    }

    private float[] nextVectorFrom(Random r) {
        float[] c = centers[r.nextInt(centers.length)];
        float[] v = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            v[i] = c[i] + 0.8f * (float) r.nextGaussian();
        }
        return v;
    }

    private List<SearchHit> hits(float[] query, String extra) {
        String json = "{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(query) + ",\"k\":10" + extra + "}}";
        SearchResponse response = client().prepareSearch(INDEX).setQuery(QueryBuilders.wrapperQuery(json)).setSize(10).get();
        return List.of(response.getHits().getHits());
    }

    private List<Map.Entry<String, Double>> exactTop(float[] query, int k) {
        List<Map.Entry<String, Double>> all = new ArrayList<>();
        for (Map.Entry<String, float[]> e : live.entrySet()) {
            all.add(Map.entry(e.getKey(), score(query, e.getValue())));
        }
        all.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        return all.subList(0, k);
    }

    /** The field's rescoring score: cosine as Lucene scores it, (1 + cos) / 2. */
    private static double score(float[] a, float[] b) {
        return (1 + Vectors.cosine(a, b)) / 2;
    }
}
