package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.MsMarco;
import org.opensearch.test.OpenSearchTestCase;
import org.junit.After;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Base of the tests that run their own node processes ({@link LocalNodes}): the processes are SIGKILLed after each
 * test whatever its outcome. Also the msmarco index and queries these tests share, and result comparison.
 */
public abstract class LocalNodesTestCase extends OpenSearchTestCase {

    protected static final String PIPELINE = "{\"processors\":[{\"local_embedding\":{\"field_map\":{\"text\":\"embedding\"}}}]}";

    private LocalNodes nodes;

    /** A fresh set of node processes named after the test (one per test). */
    protected LocalNodes localNodes(String clusterName) throws IOException {
        if (nodes != null) {
            throw new IllegalStateException("one cluster per test");
        }
        nodes = new LocalNodes(clusterName);
        return nodes;
    }

    @After
    public void killLocalNodes() {
        if (nodes != null) {
            nodes.close();
            nodes = null;
        }
    }

    /** Index settings and mapping: msmarco text (english) and a 384-dim embedding from the default model. */
    protected static String msmarcoIndex(int shards, int replicas, String extraSettings) {
        return "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":" + shards + ",\"number_of_replicas\":" + replicas
            + (extraSettings == null ? "" : "," + extraSettings) + "},"
            + "\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\",\"analyzer\":\"english\"},"
            + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"" + LocalNodes.MODEL + "\"}}}}";
    }

    /** binary_knn with query_text; {@code numCandidates} null: the defaults. */
    protected static String knn(String text, Integer numCandidates) {
        return "{\"size\":10,\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":" + MsMarco.jsonString(text)
            + ",\"k\":10" + (numCandidates == null ? "" : ",\"num_candidates\":" + numCandidates) + "}}}";
    }

    /** binary_hybrid (default fusion) of a match and binary_knn on the same text; {@code numCandidates} null: defaults. */
    protected static String hybrid(String text, Integer numCandidates) {
        String q = MsMarco.jsonString(text);
        return "{\"size\":10,\"_source\":false,\"query\":{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":" + q + "}},"
            + "\"vector\":{\"field\":\"embedding\",\"query_text\":" + q + (numCandidates == null ? "" : ",\"num_candidates\":" + numCandidates)
            + "}}}}";
    }

    /** One hit as JSON gives it: the score is the float the node computed, printed exactly. */
    public record Hit(String id, double score) {}

    @SuppressWarnings("unchecked")
    protected static List<Hit> hits(Map<String, Object> response) {
        List<Hit> out = new ArrayList<>();
        for (Map<String, Object> h : (List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits")) {
            out.add(new Hit((String) h.get("_id"), ((Number) h.get("_score")).doubleValue()));
        }
        return out;
    }

    /**
     * How far two computations of the same score may differ: the rescoring similarity is a SIMD float sum (Lucene's
     * Panama vector code) whose last bits change once the JIT compiles it (the same query on the same node gives a score
     * one ulp apart before and after warm-up), and binary_hybrid scores inherit that. About 8 ulps of a float.
     */
    protected static double scoreTolerance(double score) {
        return 1e-6 * Math.max(1, Math.abs(score));
    }

    /**
     * Same scores rank by rank (to {@link #scoreTolerance}) and the same ids: documents with equal or near-equal scores
     * (duplicate passages, rounding) may come in another order, and the page may cut such a tie at its last rank
     * differently, so ids are compared as sets per run of near-equal scores, the last run by size only.
     */
    protected static void assertSameRanking(String what, List<Hit> expected, List<Hit> actual) {
        String both = "\nexpected " + expected + "\nactual   " + actual;
        assertEquals(what + ": number of hits" + both, expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i).score();
            assertEquals(what + ": score at rank " + (i + 1) + both, e, actual.get(i).score(), scoreTolerance(e));
        }
        int i = 0;
        while (i < expected.size()) {
            int j = i + 1;
            while (j < expected.size() && expected.get(j - 1).score() - expected.get(j).score() <= 2 * scoreTolerance(expected.get(j).score())) {
                j++;
            }
            if (j < expected.size()) {
                Set<String> e = new HashSet<>(), a = new HashSet<>();
                for (int r = i; r < j; r++) {
                    e.add(expected.get(r).id());
                    a.add(actual.get(r).id());
                }
                assertEquals(what + ": ids at ranks " + (i + 1) + ".." + j + both, e, a);
            }
            i = j;
        }
    }

    /** Ids of the hits. */
    protected static List<String> ids(List<Hit> hits) {
        return hits.stream().map(Hit::id).toList();
    }
}
