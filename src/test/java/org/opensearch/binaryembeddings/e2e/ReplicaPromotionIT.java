package org.opensearch.binaryembeddings.e2e;

import org.opensearch.binaryembeddings.testdata.Rankings.Hit;
import org.opensearch.binaryembeddings.testdata.Corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A replica that takes over: an index built with one shard and no replica on a data node, a replica added on the
 * other node (a file copy of the primary's segments), then the primary's node SIGKILLed. The promoted copy must answer
 * binary_knn and binary_hybrid as both copies did before, ids and scores, with the defaults (graph search) and on the
 * exact path.
 *
 * <p>node-0 is the cluster manager (and a data and ingest node, where requests go); node-1 is a data node only, so
 * killing it leaves the cluster a manager.
 */
public class ReplicaPromotionIT extends LocalNodesTestCase {

    private static final int DOCS = 300;
    private static final int QUERIES = 15;

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> shards(LocalNodes.Node node) throws Exception {
        Map<String, Object> r = node.call("GET", "/_cluster/state/routing_table,nodes/docs", null);
        Map<String, Object> names = (Map<String, Object>) r.get("nodes");
        List<Map<String, Object>> out = new ArrayList<>();
        Map<String, Object> table = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) r.get("routing_table")).get("indices")).get("docs");
        for (Map<String, Object> copy : (List<Map<String, Object>>) ((Map<String, Object>) table.get("shards")).get("0")) {
            Map<String, Object> c = new java.util.HashMap<>(copy);
            Object nodeId = copy.get("node");
            c.put("node_name", nodeId == null ? null : ((Map<String, Object>) names.get(nodeId)).get("name"));
            out.add(c);
        }
        return out;
    }

    private static String primaryNode(LocalNodes.Node node) throws Exception {
        for (Map<String, Object> c : shards(node)) {
            if (Boolean.TRUE.equals(c.get("primary"))) {
                return "STARTED".equals(c.get("state")) ? (String) c.get("node_name") : null;
            }
        }
        return null;
    }

    /** Each query's hits: binary_knn and binary_hybrid, with the defaults and on the exact path. */
    private static List<List<Hit>> results(LocalNodes.Node node, List<Corpus.Query> queries, String preference) throws Exception {
        String path = "/docs/_search" + (preference == null ? "" : "?preference=" + preference);
        List<List<Hit>> out = new ArrayList<>();
        for (Corpus.Query q : queries) {
            out.add(hits(node.call("POST", path, knn(q.text(), null))));
            out.add(hits(node.call("POST", path, hybrid(q.text(), null))));
            out.add(hits(node.call("POST", path, knn(q.text(), 10000))));
            out.add(hits(node.call("POST", path, hybrid(q.text(), 10000))));
        }
        return out;
    }

    private static void assertSameResults(String what, List<Corpus.Query> queries, List<List<Hit>> expected, List<List<Hit>> actual) {
        String[] kinds = { "binary_knn", "binary_hybrid", "binary_knn exact", "binary_hybrid exact" };
        for (int i = 0; i < expected.size(); i++) {
            assertSameRanking(what + ": " + kinds[i % 4] + " [" + queries.get(i / 4).text() + "]", expected.get(i), actual.get(i));
        }
    }

    public void testPromotedReplicaAnswersLikeThePrimary() throws Exception {
        Corpus data = Corpus.sample().extendedTo(DOCS);
        LocalNodes nodes = localNodes("replica-promotion");
        LocalNodes.Node manager = nodes.launch(0, LocalNodes.clusterOf(2, null));
        LocalNodes.Node dataNode = nodes.launch(1, LocalNodes.clusterOf(2, "data"));
        manager.awaitStarted();
        dataNode.awaitStarted();
        manager.awaitHealth("green", 2, null);
        manager.awaitModel();
        manager.call("PUT", "/_ingest/pipeline/embed", PIPELINE);
        manager.call("PUT", "/docs", passagesIndex(1, 0, "\"index.routing.allocation.require._name\":\"node-1\""));
        manager.awaitHealth("green", 2, "docs");
        assertEquals("node-1", primaryNode(manager));
        for (int from = 0; from < DOCS; from += 50) {
            Map<String, Object> r = manager.call("POST", "/docs/_bulk?pipeline=embed", data.bulkBody(from, from + 50, i -> ""));
            assertEquals("bulk errors", false, r.get("errors"));
        }
        // flushed, the replica is a copy of the primary's files, segment for segment: the graphs are the same too
        manager.call("POST", "/docs/_refresh", null);
        manager.call("POST", "/docs/_flush", null);
        manager.call("PUT", "/docs/_settings", "{\"index.number_of_replicas\":1,\"index.routing.allocation.require._name\":null}");
        manager.awaitHealth("green", 2, "docs");
        List<Map<String, Object>> copies = shards(manager);
        assertEquals(copies.toString(), 2, copies.size());
        assertEquals("node-1", primaryNode(manager));

        List<Corpus.Query> queries = data.queries.subList(0, QUERIES);
        List<List<Hit>> onPrimary = results(manager, queries, "_primary");
        List<List<Hit>> onReplica = results(manager, queries, "_replica");
        assertEquals(10, onPrimary.get(0).size());
        assertSameResults("replica before the kill", queries, onPrimary, onReplica);

        dataNode.kill();
        manager.awaitHealth("yellow", 1, "docs");
        assertEquals("the replica on node-0 is the primary now", "node-0", primaryNode(manager));
        Map<String, Object> count = manager.call("GET", "/docs/_count", null);
        assertEquals(DOCS, ((Number) count.get("count")).intValue());
        List<List<Hit>> promoted = results(manager, queries, null);
        assertSameResults("promoted replica", queries, onPrimary, promoted);
        String summary = String.format(
            Locale.ROOT,
            "primary's node SIGKILLed: replica on node-0 promoted (cluster yellow), %d docs; %d queries x binary_knn and binary_hybrid "
                + "(defaults and exact path): same ids and scores as the primary before the kill",
            DOCS,
            queries.size()
        );
        logger.info(summary);
        System.out.println(summary);
    }
}
