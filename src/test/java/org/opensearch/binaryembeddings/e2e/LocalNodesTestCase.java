package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.Rankings.Hit;
import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.binaryembeddings.testdata.Rankings;
import org.opensearch.test.OpenSearchTestCase;
import org.junit.After;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Base of the tests that run their own node processes ({@link LocalNodes}): the processes are SIGKILLed after each
 * test whatever its outcome. Also the passages index and queries these tests share, and result comparison.
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

    /** Index settings and mapping: passage text (english) and a 384-dim embedding from the default model. */
    protected static String passagesIndex(int shards, int replicas, String extraSettings) {
        return "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":" + shards + ",\"number_of_replicas\":" + replicas
            + (extraSettings == null ? "" : "," + extraSettings) + "},"
            + "\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\",\"analyzer\":\"english\"},"
            + "\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"" + LocalNodes.MODEL + "\"}}}}";
    }

    /** binary_knn with query_text; {@code numCandidates} null: the defaults. */
    protected static String knn(String text, Integer numCandidates) {
        return "{\"size\":10,\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":" + Json.string(text)
            + ",\"k\":10" + (numCandidates == null ? "" : ",\"num_candidates\":" + numCandidates) + "}}}";
    }

    /** binary_hybrid (default fusion) of a match and binary_knn on the same text; {@code numCandidates} null: defaults. */
    protected static String hybrid(String text, Integer numCandidates) {
        String q = Json.string(text);
        return "{\"size\":10,\"_source\":false,\"query\":{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":" + q + "}},"
            + "\"vector\":{\"field\":\"embedding\",\"query_text\":" + q + (numCandidates == null ? "" : ",\"num_candidates\":" + numCandidates)
            + "}}}}";
    }

    /** One hit as JSON gives it: the score is the float the node computed, printed exactly. */

    @SuppressWarnings("unchecked")
    protected static List<Hit> hits(Map<String, Object> response) {
        List<Hit> out = new ArrayList<>();
        for (Map<String, Object> h : (List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits")) {
            out.add(new Hit((String) h.get("_id"), ((Number) h.get("_score")).doubleValue()));
        }
        return out;
    }

    /** See {@link Rankings#scoreTolerance}. */
    protected static double scoreTolerance(double score) {
        return Rankings.scoreTolerance(score);
    }

    /** See {@link Rankings#assertSameRanking}. */
    protected static void assertSameRanking(String what, List<Hit> expected, List<Hit> actual) {
        Rankings.assertSameRanking(what, expected, actual);
    }

    /** Ids of the hits. */
    protected static List<String> ids(List<Hit> hits) {
        return hits.stream().map(Hit::id).toList();
    }
}
