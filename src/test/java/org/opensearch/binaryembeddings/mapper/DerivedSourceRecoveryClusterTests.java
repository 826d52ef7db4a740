package org.opensearch.binaryembeddings.mapper;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.util.BytesRef;
import org.opensearch.action.admin.cluster.snapshots.create.CreateSnapshotResponse;
import org.opensearch.action.admin.cluster.snapshots.restore.RestoreSnapshotResponse;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.binaryembeddings.codec.DerivedSourceStoredFieldsFormat;
import org.opensearch.cluster.routing.ShardRouting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.index.engine.Engine;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.index.shard.IndexShard;
import org.opensearch.indices.IndicesService;
import org.opensearch.search.SearchHit;
import org.opensearch.snapshots.SnapshotState;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Derived source across copies of a shard (internal cluster, two data nodes): the stored {@code _source} and
 * {@code _recovery_source} hold a null placeholder instead of the vector; a replica built by peer recovery (segment
 * files plus operations replayed from the primary's Lucene history, which reads the sources with the vectors put
 * back) and promoted after the primary's node stops, and an index restored from a snapshot, give the same rebuilt
 * vectors and the same binary_knn results. A mapping that keeps a recovery source ({@code _source.excludes} of another
 * field) goes through a force merge whose readers OpenSearch wraps (the document-by-document merge path).
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false)
public class DerivedSourceRecoveryClusterTests extends PluginIntegTestCase {

    private static final int DIMS = 32;

    /** Each index's rebuilt vectors and its binary_knn ids for {@code queries}, as they are now. */
    private void recordVectorsAndResults(float[][] queries, Map<String, Map<String, Object>> vectors, Map<String, List<List<String>>> results)
        throws Exception {
        for (String index : List.of("docs", "filtered")) {
            vectors.put(index, vectors(index));
            List<List<String>> rs = new ArrayList<>();
            for (float[] q : queries) {
                rs.add(knn(index, q));
            }
            results.put(index, rs);
        }
    }

    private static String mapping(boolean keepRecoverySource) {
        return "{" + (keepRecoverySource ? "\"_source\":{\"excludes\":[\"text\"]}," : "")
            + "\"properties\":{\"text\":{\"type\":\"text\"},\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + "}}}";
    }

    private void load(String index, Random r, int from, int to) {
        BulkRequestBuilder bulk = client().prepareBulk();
        for (int i = from; i < to; i++) {
            float[] v = new float[DIMS];
            for (int j = 0; j < DIMS; j++) {
                v[j] = (float) r.nextGaussian();
            }
            bulk.add(client().prepareIndex(index).setId(Integer.toString(i)).setSource("{\"text\":\"w" + (i % 7) + "\",\"e\":" + Arrays.toString(v) + "}", XContentType.JSON));
        }
        assertFalse(bulk.get().hasFailures());
    }

    /** id → the e values in _source (as the client parsed them). */
    private Map<String, Object> vectors(String index) {
        SearchResponse r = client().prepareSearch(index).setQuery(QueryBuilders.matchAllQuery()).setSize(1000).get();
        assertEquals(0, r.getFailedShards());
        Map<String, Object> out = new HashMap<>();
        for (SearchHit h : r.getHits().getHits()) {
            Object e = h.getSourceAsMap().get("e");
            assertNotNull("doc " + h.getId() + " has no vector in _source", e);
            out.put(h.getId(), e);
        }
        return out;
    }

    private List<String> knn(String index, float[] q) {
        SearchResponse r = client().prepareSearch(index)
            .setQuery(QueryBuilders.wrapperQuery("{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(q) + ",\"k\":10,\"num_candidates\":10000}}"))
            .setSize(10)
            .get();
        List<String> out = new ArrayList<>();
        for (SearchHit h : r.getHits().getHits()) {
            out.add(h.getId() + ":" + h.getScore());
        }
        return out;
    }

    /** Reads the stored source fields of every document of the primary, without the codec filling placeholders. */
    private void assertStoredWithoutVectors(String index, String storedField) throws Exception {
        ShardRouting primary = clusterService().state().routingTable().index(index).shard(0).primaryShard();
        String node = clusterService().state().nodes().get(primary.currentNodeId()).getName();
        IndexShard shard = internalCluster().getInstance(IndicesService.class, node).indexServiceSafe(resolveIndex(index)).getShard(0);
        DerivedSourceStoredFieldsFormat.install(null);
        int seen = 0;
        try (Engine.Searcher searcher = shard.acquireSearcher("test")) {
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                StoredFields stored = leaf.reader().storedFields();
                for (int d = 0; d < leaf.reader().maxDoc(); d++) {
                    BytesRef bytes = stored.document(d).getBinaryValue(storedField);
                    if (bytes == null) {
                        continue;
                    }
                    Map<String, Object> source = XContentHelper.convertToMap(new BytesArray(bytes), true, XContentType.JSON).v2();
                    assertTrue(storedField + " keeps the key: " + source, source.containsKey("e"));
                    assertNull(storedField + " holds no vector", source.get("e"));
                    seen++;
                }
            }
        } finally {
            DerivedSourceStoredFieldsFormat.install(SourceVectors.INSTANCE);
        }
        assertTrue("no " + storedField + " read", seen > 0);
    }

    public void testReplicaRecoverySnapshotAndMerges() throws Exception {
        internalCluster().startClusterManagerOnlyNode();
        internalCluster().startDataOnlyNodes(2);
        client().admin().cluster().preparePutRepository("repo").setType("fs").setSettings(Settings.builder().put("location", randomRepoPath())).get();
        Random r = new Random(randomLong());
        java.util.Set<String> deleted = new java.util.HashSet<>();
        for (String index : List.of("docs", "filtered")) {
            client().admin().indices().prepareCreate(index)
                .setSettings(Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", 1).put("index.number_of_replicas", 0))
                .setMapping(mapping(index.equals("filtered")))
                .get();
            ensureGreen(index);
            load(index, r, 0, 150);
            client().admin().indices().prepareFlush(index).get();
            load(index, r, 150, 300);
            client().admin().indices().prepareRefresh(index).get();
            for (int i = 0; i < 20; i++) {
                String id = Integer.toString(r.nextInt(300));
                client().prepareDelete(index, id).get();
                if (index.equals("filtered")) {
                    deleted.add(id);
                }
            }
            client().admin().indices().prepareRefresh(index).get();
        }
        assertStoredWithoutVectors("docs", "_source");
        assertStoredWithoutVectors("filtered", "_recovery_source");
        // a document the random deletes left (one was deleted in some seeds, and its source was null)
        String kept = java.util.stream.IntStream.range(0, 300).mapToObj(Integer::toString).filter(id -> deleted.contains(id) == false).findFirst().orElseThrow();
        assertFalse("the user's excludes still apply", client().prepareGet("filtered", kept).get().getSourceAsMap().containsKey("text"));

        float[][] queries = new float[5][DIMS];
        for (float[] q : queries) {
            for (int j = 0; j < DIMS; j++) {
                q[j] = (float) r.nextGaussian();
            }
        }
        Map<String, Map<String, Object>> vectors = new HashMap<>();
        Map<String, List<List<String>>> results = new HashMap<>();
        recordVectorsAndResults(queries, vectors, results);

        // merges: "filtered" has a recovery source, so OpenSearch's merge policy wraps its readers
        client().admin().indices().prepareForceMerge("docs", "filtered").setMaxNumSegments(1).get();
        client().admin().indices().prepareRefresh("docs", "filtered").get();
        assertStoredWithoutVectors("docs", "_source");
        assertStoredWithoutVectors("filtered", "_recovery_source");
        for (String index : List.of("docs", "filtered")) {
            assertEquals(index + " after merge", vectors.get(index), vectors(index));
        }

        CreateSnapshotResponse snapshot = client().admin().cluster().prepareCreateSnapshot("repo", "snap").setIndices("docs").setWaitForCompletion(true).get();
        assertEquals(SnapshotState.SUCCESS, snapshot.getSnapshotInfo().state());

        // a replica by peer recovery, with operations indexed after the last flush replayed from Lucene history
        load("docs", r, 300, 340);
        load("filtered", r, 300, 340);
        client().admin().indices().prepareRefresh("docs", "filtered").get();
        recordVectorsAndResults(queries, vectors, results);
        client().admin().indices().prepareUpdateSettings("docs", "filtered").setSettings(Settings.builder().put("index.number_of_replicas", 1)).get();
        ensureGreen("docs", "filtered");
        ShardRouting primary = clusterService().state().routingTable().index("docs").shard(0).primaryShard();
        internalCluster().stopRandomNode(s -> s.get("node.name").equals(clusterService().state().nodes().get(primary.currentNodeId()).getName()));
        ensureYellow("docs", "filtered");
        for (String index : List.of("docs", "filtered")) {
            assertEquals(index + " on the promoted replica", vectors.get(index), vectors(index));
            for (int i = 0; i < queries.length; i++) {
                assertEquals(index + " query " + i, results.get(index).get(i), knn(index, queries[i]));
            }
        }

        // snapshot taken before the last 40 documents: restored copy reads back the vectors it had then
        client().admin().indices().prepareDelete("docs").get();
        RestoreSnapshotResponse restore = client().admin().cluster().prepareRestoreSnapshot("repo", "snap").setIndices("docs").setWaitForCompletion(true)
            .setIndexSettings(Settings.builder().put("index.number_of_replicas", 0)).get();
        assertEquals(0, restore.getRestoreInfo().failedShards());
        ensureGreen("docs");
        Map<String, Object> restored = vectors("docs");
        Map<String, Object> expected = new HashMap<>(vectors.get("docs"));
        expected.keySet().removeIf(id -> Integer.parseInt(id) >= 300);
        assertEquals(expected, restored);
        assertStoredWithoutVectors("docs", "_source");
    }
}
