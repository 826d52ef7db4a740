package org.opensearch.binaryembeddings.encoder;

import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.binaryembeddings.rest.BinaryEmbeddingsStatsAction;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.opensearch.binaryembeddings.encoder.TestModels.BGE;

/**
 * {@code plugins.binary_embeddings.inference.query_lane} does what it says, seen through the stats API: two nodes of
 * one cluster, one with the switch off, each coordinating its own {@code binary_knn} {@code query_text} searches (the
 * coordinating node encodes the text). With the lane (the default) every query text is a task completed on the
 * {@code query} lane and none on the {@code ingest} lane; with it off, the reverse: query texts queue on the ingest
 * lane, as before the lanes existed.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false)
public class QueryLaneSwitchClusterTests extends ModelNodesTestCase {

    private static final int QUERIES = 5;
    /** Every node's config: binary-embeddings/models/bge-small-en-v1.5-q. */
    @Override
    protected Path writeNodeConfig(Path tmp) throws IOException {
        return TestModels.nodeConfigWithBge(tmp);
    }

    public void testQueryTextsRunOnTheLaneTheSwitchNames() throws Exception {
        String withLane = internalCluster().startNode();
        String withoutLane = internalCluster().startNode(Settings.builder().put(EncoderSettings.QUERY_LANE.getKey(), false));
        for (EncoderService service : internalCluster().getInstances(EncoderService.class)) {
            assertTrue(service.awaitLoaded(120, TimeUnit.SECONDS));
            assertEquals(ModelInfo.Status.LOADED, service.model(BGE).status());
        }
        client().admin()
            .cluster()
            .preparePutPipeline("embed", new BytesArray("{\"processors\": [{\"local_embedding\": {\"field_map\": {\"text\": \"embedding\"}}}]}"), XContentType.JSON)
            .get();
        prepareCreate("docs").setSettings(Settings.builder().put("index.binary_embeddings", true).put("number_of_replicas", 0))
            .setMapping("{\"properties\": {\"text\": {\"type\": \"text\"}, \"embedding\": {\"type\": \"binary_embedding\", \"dims\": 384, \"model\": \"" + BGE + "\"}}}")
            .get();
        for (int i = 0; i < 4; i++) {
            client().prepareIndex("docs").setId(Integer.toString(i)).setPipeline("embed").setSource(Map.of("text", "nerve cells pass signals " + i))
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE).get();
        }
        ensureGreen("docs");

        for (String node : List.of(withLane, withoutLane)) {
            // indexing is over: the lanes' counters only move for the searches below (read twice to be sure they rest)
            Map<String, Long> before = settledLaneTasks(node);
            for (int q = 0; q < QUERIES; q++) {
                // a text new to the node every time: the query-embedding cache cannot answer it
                String json = "{\"binary_knn\": {\"field\": \"embedding\", \"query_text\": \"how do neurons signal, " + node + " " + q + "\"}}";
                SearchResponse r = client(node).prepareSearch("docs").setQuery(QueryBuilders.wrapperQuery(json)).get();
                assertEquals(4, r.getHits().getHits().length);
            }
            boolean lane = node.equals(withLane);
            assertBusy(() -> {
                Map<String, Long> after = laneTasks(node);
                long onQuery = after.get("query") - before.get("query");
                long onIngest = after.get("ingest") - before.get("ingest");
                String seen = node + (lane ? " (query_lane: true)" : " (query_lane: false)") + ": query lane +" + onQuery + ", ingest lane +" + onIngest;
                assertEquals(seen, lane ? QUERIES : 0, onQuery);
                assertEquals(seen, lane ? 0 : QUERIES, onIngest);
            });
        }
    }

    /** Tasks completed per lane ("query", "ingest") on {@code node}, once two readings agree. */
    private Map<String, Long> settledLaneTasks(String node) throws Exception {
        AtomicReference<Map<String, Long>> last = new AtomicReference<>();
        assertBusy(() -> {
            Map<String, Long> a = laneTasks(node);
            Thread.sleep(200);
            Map<String, Long> b = laneTasks(node);
            assertEquals(a, b);
            last.set(b);
        });
        return last.get();
    }

    /** Tasks completed per lane on {@code node}, from the stats API ({@code lanes.<lane>.completed}). */
    @SuppressWarnings("unchecked")
    private Map<String, Long> laneTasks(String node) {
        String id = internalCluster().clusterService(node).localNode().getId();
        BinaryEmbeddingsStatsAction.NodesResponse r = client().execute(BinaryEmbeddingsStatsAction.INSTANCE, new BinaryEmbeddingsStatsAction.NodesRequest(id))
            .actionGet();
        assertEquals(1, r.getNodes().size());
        Map<String, Object> lanes = (Map<String, Object>) r.getNodes().get(0).stats().get("lanes");
        return Map.of(
            "query", ((Number) ((Map<String, Object>) lanes.get("query")).get("completed")).longValue(),
            "ingest", ((Number) ((Map<String, Object>) lanes.get("ingest")).get("completed")).longValue()
        );
    }
}
