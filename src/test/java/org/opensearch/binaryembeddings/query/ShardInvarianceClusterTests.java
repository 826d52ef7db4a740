package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.SearchType;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.LoggingDeprecationHandler;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.search.aggregations.AggregationBuilders;
import org.opensearch.search.aggregations.bucket.terms.Terms;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The same corpus in 1 shard and in 3 shards with a replica on a 2-node cluster: binary_knn and every binary_hybrid
 * fusion method must return the same ids in the same order, compose with bool filters and aggregations, and paginate
 * consistently; binary_hybrid's one round must rank and score like the three searches it replaced.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 2, numClientNodes = 0, supportsDedicatedMasters = false)
public class ShardInvarianceClusterTests extends PluginIntegTestCase {

    private static final int DIMS = 96;
    private static final int DOCS = 600;
    private static final String[] WORDS = words(400);

    private static String[] words(int n) {
        String[] w = new String[n];
        Random r = new Random(7);
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 3 + r.nextInt(5); j++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            w[i] = sb.toString() + i;
        }
        return w;
    }

    private static final String MAPPING = "{\"properties\":{\"text\":{\"type\":\"text\"},\"tag\":{\"type\":\"keyword\"},"
        + "\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"truncate_to\":64}}}";

    private float[][] vectors;
    private String[] texts;

    private void indexCorpus() {
        Random r = new Random(42);
        float[][] centers = new float[8][DIMS];
        for (float[] c : centers) {
            for (int i = 0; i < DIMS; i++) c[i] = (float) r.nextGaussian();
        }
        vectors = new float[DOCS][DIMS];
        texts = new String[DOCS];
        for (String index : new String[] { "one", "three" }) {
            int shards = index.equals("one") ? 1 : 3;
            client().admin().indices().prepareCreate(index)
                .setSettings(Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", shards).put("index.number_of_replicas", shards == 3 ? 1 : 0))
                .setMapping(MAPPING).get();
        }
        ensureGreen("one", "three");
        BulkRequestBuilder bulk = client().prepareBulk();
        for (int d = 0; d < DOCS; d++) {
            float[] c = centers[r.nextInt(centers.length)];
            for (int i = 0; i < DIMS; i++) vectors[d][i] = c[i] + 0.7f * (float) r.nextGaussian();
            StringBuilder text = new StringBuilder();
            int len = 5 + r.nextInt(30);
            for (int j = 0; j < len; j++) text.append(WORDS[(int) Math.min(WORDS.length - 1, Math.abs(r.nextGaussian()) * 60)]).append(' ');
            String source = String.format(Locale.ROOT, "{\"text\":\"%s\",\"tag\":\"t%d\",\"e\":%s}", text, d % 5, Arrays.toString(vectors[d]));
            texts[d] = text.toString();
            for (String index : new String[] { "one", "three" }) {
                bulk.add(client().prepareIndex(index).setId("d" + d).setSource(source, XContentType.JSON));
            }
        }
        assertFalse(bulk.get().buildFailureMessage(), bulk.get().hasFailures());
        client().admin().indices().prepareRefresh("one", "three").get();
    }

    private List<String> ids(String index, String queryJson, int from, int size) {
        SearchResponse response = client().prepareSearch(index).setQuery(QueryBuilders.wrapperQuery(queryJson)).setFrom(from).setSize(size).get();
        List<String> ids = new ArrayList<>();
        for (SearchHit h : response.getHits().getHits()) ids.add(h.getId());
        return ids;
    }

    /**
     * The shortlist is approximate, so ids can only be identical across shard layouts when it holds the true top k:
     * these clustered vectors have ~75 near-equal neighbours per cluster, hence a 10× shortlist here.
     */
    private String knn(float[] v, int k) {
        return "{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(v) + ",\"k\":" + k + ",\"oversample\":10}}";
    }

    private String hybrid(float[] v, String words, String fusion) {
        return "{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":\"" + words + "\"}},\"vector\":{\"field\":\"e\",\"vector\":"
            + Arrays.toString(v) + "},\"window\":50" + (fusion == null ? "" : ",\"fusion\":" + fusion) + "}}";
    }

    public void testSameResultsWhateverTheShardCount() {
        indexCorpus();
        Random r = new Random(3);
        String[] fusions = { null, "{\"method\":\"rrf\"}", "{\"method\":\"linear\",\"normalization\":\"min_max\",\"weights\":{\"keyword\":0.5,\"vector\":0.5}}", "{\"method\":\"rerank\"}" };
        for (int q = 0; q < 10; q++) {
            float[] v = vectors[r.nextInt(DOCS)].clone();
            for (int i = 0; i < DIMS; i++) v[i] += 0.3f * (float) r.nextGaussian();
            List<String> one = ids("one", knn(v, 10), 0, 10);
            assertEquals(10, one.size());
            assertEquals("binary_knn query " + q, one, ids("three", knn(v, 10), 0, 10));
            String words = WORDS[r.nextInt(40)] + " " + WORDS[r.nextInt(40)];
            for (String fusion : fusions) {
                String query = hybrid(v, words, fusion);
                List<String> a = ids("one", query, 0, 20);
                assertFalse(query, a.isEmpty());
                assertEquals(query, a, ids("three", query, 0, 20));
                // pagination is a window onto the same ranking
                assertEquals(query, a.subList(5, Math.min(10, a.size())), ids("three", query, 5, 5));
            }
        }
    }

    /**
     * binary_hybrid takes one round of candidate searches; it used to take three (keyword, vector, then the exact vector
     * scores of the keyword candidates the vector list missed). Its ranking and scores must be those of the three
     * searches fused: computed here the old way, with the public queries, on one shard and on three.
     */
    public void testOneRoundRanksLikeTheThreeSearchesFused() {
        indexCorpus();
        Random r = new Random(5);
        List<Map<String, Object>> fusions = List.of(
            Map.of(),
            Map.of("method", "rrf"),
            Map.of("method", "linear", "normalization", "z_score"),
            Map.of("method", "rerank")
        );
        for (int q = 0; q < 5; q++) {
            float[] v = vectors[r.nextInt(DOCS)].clone();
            for (int i = 0; i < DIMS; i++) v[i] += 0.3f * (float) r.nextGaussian();
            String words = WORDS[r.nextInt(40)] + " " + WORDS[r.nextInt(40)];
            for (Map<String, Object> fusion : fusions) {
                for (String index : new String[] { "one", "three" }) {
                    String query = hybrid(v, words, fusion.isEmpty() ? null : json(fusion));
                    List<Fusion.Fused> expected = threeSearchesFused(index, v, words, Fusion.parse(fusion), 50);
                    SearchHit[] hits = client().prepareSearch(index).setQuery(QueryBuilders.wrapperQuery(query)).setSize(20).get().getHits().getHits();
                    assertEquals(query, Math.min(20, expected.size()), hits.length);
                    for (int i = 0; i < hits.length; i++) {
                        assertEquals(query + " rank " + i, expected.get(i).id(), hits[i].getId());
                        assertEquals(query + " rank " + i, expected.get(i).score(), hits[i].getScore(), 1e-5);
                    }
                }
            }
        }
    }

    private static final String NESTED_MAPPING = "{\"properties\":{\"text\":{\"type\":\"text\"},\"chunks\":{\"type\":\"nested\","
        + "\"properties\":{\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"truncate_to\":64}}}}}";

    /** The corpus again, each document's vector as 1 to 4 chunks around it (nested objects), in 1 and in 3 shards. */
    private void indexChunkedCorpus() {
        indexCorpus();
        Random r = new Random(43);
        for (String index : new String[] { "nested-one", "nested-three" }) {
            int shards = index.equals("nested-one") ? 1 : 3;
            client().admin().indices().prepareCreate(index)
                .setSettings(Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", shards).put("index.number_of_replicas", shards == 3 ? 1 : 0))
                .setMapping(NESTED_MAPPING).get();
        }
        ensureGreen("nested-one", "nested-three");
        BulkRequestBuilder bulk = client().prepareBulk();
        for (int d = 0; d < DOCS; d++) {
            List<String> chunks = new ArrayList<>();
            for (int c = 1 + r.nextInt(4); c > 0; c--) {
                float[] chunk = vectors[d].clone();
                for (int i = 0; i < DIMS; i++) chunk[i] += 0.5f * (float) r.nextGaussian();
                chunks.add("{\"e\":" + Arrays.toString(chunk) + "}");
            }
            String source = String.format(Locale.ROOT, "{\"text\":\"%s\",\"chunks\":[%s]}", texts[d], String.join(",", chunks));
            for (String index : new String[] { "nested-one", "nested-three" }) {
                bulk.add(client().prepareIndex(index).setId("d" + d).setSource(source, XContentType.JSON));
            }
        }
        assertFalse(bulk.get().buildFailureMessage(), bulk.get().hasFailures());
        client().admin().indices().prepareRefresh("nested-one", "nested-three").get();
    }

    /**
     * On a vector field inside nested objects, the keyword hits' vector scores (computed on their shards in the one
     * round) are their best chunks': ranking and scores as the three searches fused, each vector search a nested
     * binary_knn with score_mode max; and the same parents for 1 or 3 shards.
     */
    public void testNestedVectorFieldRanksLikeTheThreeSearchesFused() {
        indexChunkedCorpus();
        Random r = new Random(6);
        for (int q = 0; q < 4; q++) {
            float[] v = vectors[r.nextInt(DOCS)].clone();
            for (int i = 0; i < DIMS; i++) v[i] += 0.3f * (float) r.nextGaussian();
            String words = WORDS[r.nextInt(40)] + " " + WORDS[r.nextInt(40)];
            for (Map<String, Object> fusion : List.of(Map.<String, Object>of(), Map.<String, Object>of("method", "rrf"))) {
                String query = hybrid(v, words, fusion.isEmpty() ? null : json(fusion)).replace("\"field\":\"e\"", "\"field\":\"chunks.e\"");
                for (String index : new String[] { "nested-one", "nested-three" }) {
                    List<Fusion.Fused> expected = threeSearchesFused(index, "chunks", v, words, Fusion.parse(fusion), 50);
                    SearchHit[] hits = client().prepareSearch(index).setQuery(QueryBuilders.wrapperQuery(query)).setSize(20).get().getHits().getHits();
                    assertEquals(query, Math.min(20, expected.size()), hits.length);
                    for (int i = 0; i < hits.length; i++) {
                        assertEquals(index + " " + query + " rank " + i, expected.get(i).id(), hits[i].getId());
                        assertEquals(index + " " + query + " rank " + i, expected.get(i).score(), hits[i].getScore(), 1e-5);
                    }
                }
                assertEquals(query, ids("nested-one", query, 0, 20), ids("nested-three", query, 0, 20));
            }
        }
    }

    private static String json(Map<String, Object> fusion) {
        List<String> members = new ArrayList<>();
        fusion.forEach((k, value) -> members.add("\"" + k + "\":\"" + value + "\""));
        return "{" + String.join(",", members) + "}";
    }

    /** binary_hybrid as it was (default vector parameters, window {@code window}): three searches, then the fusion. */
    private List<Fusion.Fused> threeSearchesFused(String index, float[] v, String words, Fusion fusion, int window) {
        return threeSearchesFused(index, null, v, words, fusion, window);
    }

    /** The same with the vector field {@code e} inside nested objects at {@code path} (null: top-level). */
    private List<Fusion.Fused> threeSearchesFused(String index, String path, float[] v, String words, Fusion fusion, int window) {
        String field = path == null ? "e" : path + ".e";
        SearchResponse kw = client().prepareSearch(index).setSearchType(SearchType.DFS_QUERY_THEN_FETCH)
            .setQuery(QueryBuilders.matchQuery("text", words)).setSize(2 * window).setFetchSource(false).get();
        List<SearchHit> kwHits = new ArrayList<>(List.of(kw.getHits().getHits()));
        kwHits.sort(Comparator.comparingDouble((SearchHit h) -> -h.getScore()).thenComparing(SearchHit::getIndex).thenComparing(SearchHit::getId));
        kwHits = kwHits.subList(0, Math.min(window, kwHits.size()));
        // the vector list: k = window, num_candidates = max(the default beam for k 10 (100), window)
        Map<String, Float> listed = new LinkedHashMap<>();
        if (fusion.method().needsVectorList()) {
            String knn = nested(path, "{\"binary_knn\":{\"field\":\"" + field + "\",\"vector\":" + Arrays.toString(v) + ",\"k\":" + window
                + ",\"num_candidates\":" + Math.max(100, window) + "}}");
            for (SearchHit h : client().prepareSearch(index).setQuery(QueryBuilders.wrapperQuery(knn)).setSize(window).get().getHits().getHits()) {
                listed.put(h.getId(), h.getScore());
            }
        }
        Map<String, Float> scores = new HashMap<>(listed);
        List<String> missing = kwHits.stream().map(SearchHit::getId).filter(id -> listed.containsKey(id) == false).toList();
        if (missing.isEmpty() == false) {
            int n = missing.size();
            String exact = nested(path, "{\"binary_knn\":{\"field\":\"" + field + "\",\"vector\":" + Arrays.toString(v) + ",\"k\":" + n
                + ",\"num_candidates\":" + Math.max(100, n) + ",\"filter\":{\"ids\":{\"values\":[\"" + String.join("\",\"", missing) + "\"]}}}}");
            for (SearchHit h : client().prepareSearch(index).setQuery(QueryBuilders.wrapperQuery(exact)).setSize(n).get().getHits().getHits()) {
                scores.putIfAbsent(h.getId(), h.getScore());
            }
        }
        Map<String, Fusion.Candidate> candidates = new LinkedHashMap<>();
        for (int i = 0; i < kwHits.size(); i++) {
            String id = kwHits.get(i).getId();
            candidates.put(id, new Fusion.Candidate(index, id, kwHits.get(i).getScore(), i + 1, scores.get(id), listed.containsKey(id)));
        }
        listed.forEach((id, score) -> candidates.putIfAbsent(id, new Fusion.Candidate(index, id, null, 0, score)));
        return fusion.fuse(new ArrayList<>(candidates.values()));
    }

    /**
     * On one shard the keyword search brings the vector list too (binary_hybrid's one search): each hit carries its rank
     * in it, and the ranked hits are the vector search's hits, in its order, with its scores; the vector hits that
     * are not keyword hits come after the keyword hits. On three shards the fetch runs apart from the query phase, so
     * the hits carry no ranks, which tells binary_hybrid to run the vector search.
     */
    public void testOneShardKeywordSearchBringsTheVectorList() throws IOException {
        indexCorpus();
        Random r = new Random(11);
        NamedXContentRegistry registry = internalCluster().getInstance(NamedXContentRegistry.class);
        for (int q = 0; q < 5; q++) {
            float[] v = vectors[r.nextInt(DOCS)].clone();
            String words = WORDS[r.nextInt(40)] + " " + WORDS[r.nextInt(40)];
            BinaryKnnQueryBuilder knn;
            try (XContentParser p = JsonXContent.jsonXContent.createParser(registry, LoggingDeprecationHandler.INSTANCE,
                "{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(v) + "}}")) {
                knn = (BinaryKnnQueryBuilder) AbstractQueryBuilder.parseInnerQueryBuilder(p);
            }
            for (String index : new String[] { "one", "three" }) {
                SearchHit[] hits = client().prepareSearch(index).setSearchType(SearchType.DFS_QUERY_THEN_FETCH)
                    .setQuery(QueryBuilders.matchQuery("text", words)).setSize(100 + 50).setFetchSource(false)
                    .addRescorer(new VectorScoresRescorerBuilder(knn, 50, 50).windowSize(100)).get().getHits().getHits();
                if (index.equals("three")) {
                    for (SearchHit h : hits) {
                        assertNull(h.field(VectorScoresFetchSubPhase.RANK_FIELD));
                    }
                    continue;
                }
                List<String> ranked = new ArrayList<>(Collections.nCopies(50, (String) null));
                Map<String, Float> scores = new HashMap<>();
                int ranks = 0;
                boolean vectorOnly = false;
                for (SearchHit h : hits) {
                    int rank = ((Number) h.field(VectorScoresFetchSubPhase.RANK_FIELD).getValue()).intValue();
                    boolean only = h.getScore() == VectorScoresRescorer.VECTOR_ONLY_SCORE;
                    assertTrue("vector-only hits come last", only || vectorOnly == false);
                    vectorOnly |= only;
                    if (rank > 0) {
                        ranked.set(rank - 1, h.getId());
                        scores.put(h.getId(), ((Number) h.field(VectorScoresFetchSubPhase.FIELD).getValue()).floatValue());
                        ranks++;
                    } else {
                        assertFalse(only);
                    }
                }
                SearchHit[] vectorSearch = client().prepareSearch(index)
                    .setQuery(QueryBuilders.wrapperQuery("{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(v)
                        + ",\"k\":50,\"num_candidates\":100}}")).setSize(50).get().getHits().getHits();
                assertEquals(vectorSearch.length, ranks);
                for (int i = 0; i < vectorSearch.length; i++) {
                    assertEquals("rank " + (i + 1), vectorSearch[i].getId(), ranked.get(i));
                    assertEquals("rank " + (i + 1), vectorSearch[i].getScore(), scores.get(ranked.get(i)), 1e-6);
                }
            }
        }
    }

    /** A nested query with score_mode max around {@code knn} (a parent's score: its best chunk's), or {@code knn}. */
    private static String nested(String path, String knn) {
        return path == null ? knn : "{\"nested\":{\"path\":\"" + path + "\",\"score_mode\":\"max\",\"query\":" + knn + "}}";
    }

    public void testComposesWithBoolFiltersAggregationsAndExplain() {
        indexCorpus();
        float[] v = vectors[11];
        String hybrid = hybrid(v, WORDS[1] + " " + WORDS[2], null);
        String query = "{\"bool\":{\"must\":[" + hybrid + "],\"filter\":[{\"term\":{\"tag\":\"t1\"}}]}}";
        SearchResponse response = client().prepareSearch("three").setQuery(QueryBuilders.wrapperQuery(query)).setSize(100)
            .addAggregation(AggregationBuilders.terms("tags").field("tag")).setExplain(true).get();
        assertTrue(response.getHits().getHits().length > 0);
        for (SearchHit h : response.getHits().getHits()) {
            assertEquals("t1", h.getSourceAsMap().get("tag"));
            assertTrue(h.getExplanation().toString(), h.getExplanation().toString().contains("binary_hybrid"));
        }
        Terms tags = response.getAggregations().get("tags");
        assertEquals(1, tags.getBuckets().size());
        assertEquals(response.getHits().getTotalHits().value(), tags.getBuckets().get(0).getDocCount());

        // binary_knn's filter is applied during the search: all k hits pass it
        String knn = "{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(v) + ",\"k\":10,\"filter\":{\"term\":{\"tag\":\"t3\"}}}}";
        SearchResponse filtered = client().prepareSearch("one").setQuery(QueryBuilders.wrapperQuery(knn)).setSize(10).setExplain(true).get();
        assertEquals(10, filtered.getHits().getHits().length);
        for (SearchHit h : filtered.getHits().getHits()) {
            assertEquals("t3", h.getSourceAsMap().get("tag"));
            assertTrue(h.getExplanation().toString(), h.getExplanation().toString().contains("hamming"));
        }
    }
}
