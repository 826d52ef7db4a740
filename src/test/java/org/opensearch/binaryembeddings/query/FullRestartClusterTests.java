package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.binaryembeddings.testdata.Rankings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Segments written by the codec survive a full cluster restart: same binary_knn results (ids and scores) after it. */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 2, numClientNodes = 0, supportsDedicatedMasters = false)
public class FullRestartClusterTests extends PluginIntegTestCase {

    private List<Rankings.Hit> search(float[] q) {
        // a search width above the segment sizes makes every segment take the exact path: this test is about what
        // survives a restart, not about graph recall on random vectors
        String query = "{\"binary_knn\":{\"field\":\"e\",\"vector\":" + Arrays.toString(q) + ",\"k\":10,\"num_candidates\":1000}}";
        SearchResponse r = client().prepareSearch("idx").setQuery(QueryBuilders.wrapperQuery(query)).setSize(10).get();
        List<Rankings.Hit> out = new ArrayList<>();
        for (SearchHit h : r.getHits().getHits()) {
            out.add(new Rankings.Hit(h.getId(), h.getScore()));
        }
        return out;
    }

    public void testResultsSurviveFullRestart() throws Exception {
        client().admin().indices().prepareCreate("idx")
            .setSettings(Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", 2).put("index.number_of_replicas", 1))
            .setMapping("{\"properties\":{\"e\":{\"type\":\"binary_embedding\",\"dims\":64,\"truncate_to\":48,\"binary_dims\":32},"
                + "\"b\":{\"type\":\"binary_embedding\",\"dims\":64,\"rescore\":{\"precision\":\"none\"}}}}")
            .get();
        ensureGreen("idx");
        Random r = new Random(5);
        for (int batch = 0; batch < 3; batch++) { // several segments
            BulkRequestBuilder bulk = client().prepareBulk();
            for (int i = 0; i < 300; i++) {
                float[] v = new float[64];
                for (int j = 0; j < v.length; j++) v[j] = (float) r.nextGaussian();
                String s = Arrays.toString(v);
                bulk.add(client().prepareIndex("idx").setId(batch + "-" + i).setSource("{\"e\":" + s + ",\"b\":" + s + "}", XContentType.JSON));
            }
            assertFalse(bulk.get().hasFailures());
            client().admin().indices().prepareRefresh("idx").get();
        }
        float[][] queries = new float[5][64];
        for (float[] q : queries) for (int j = 0; j < q.length; j++) q[j] = (float) r.nextGaussian();
        List<List<Rankings.Hit>> before = new ArrayList<>();
        for (float[] q : queries) before.add(search(q));
        assertEquals(10, before.get(0).size());

        internalCluster().fullRestart();
        ensureGreen("idx");

        for (int i = 0; i < queries.length; i++) {
            // copies of a shard, and the JIT before and after, may differ in the last bit of a float sum
            Rankings.assertSameRanking("query " + i + " after the restart", before.get(i), search(queries[i]));
        }
    }
}
