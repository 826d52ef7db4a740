package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.opensearch.action.admin.cluster.snapshots.create.CreateSnapshotResponse;
import org.opensearch.action.admin.cluster.snapshots.restore.RestoreSnapshotResponse;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.binaryembeddings.testdata.Rankings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.snapshots.SnapshotState;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * An index of the codec snapshotted to a file-system repository, deleted and restored: binary_knn and binary_hybrid
 * give the same ids and scores after the restore as before, with the defaults (graph search) and on the exact path,
 * over several segments with deleted documents.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class SnapshotRestoreClusterTests extends PluginIntegTestCase {

    private static final int DIMS = 64;


    private List<Rankings.Hit> hits(String query) {
        SearchResponse r = client().prepareSearch("docs").setQuery(QueryBuilders.wrapperQuery(query)).setSize(10).get();
        assertEquals(0, r.getFailedShards());
        List<Rankings.Hit> out = new ArrayList<>();
        for (SearchHit h : r.getHits().getHits()) {
            out.add(new Rankings.Hit(h.getId(), h.getScore()));
        }
        return out;
    }

    private List<List<Rankings.Hit>> results(float[][] queries, String[] words) {
        List<List<Rankings.Hit>> out = new ArrayList<>();
        for (int i = 0; i < queries.length; i++) {
            String v = Arrays.toString(queries[i]);
            for (String candidates : new String[] { "", ",\"num_candidates\":10000" }) {
                out.add(hits("{\"binary_knn\":{\"field\":\"e\",\"vector\":" + v + ",\"k\":10" + candidates + "}}"));
                out.add(hits("{\"binary_hybrid\":{\"keyword\":{\"match\":{\"text\":\"" + words[i] + "\"}},\"vector\":{\"field\":\"e\",\"vector\":" + v
                    + candidates + "}}}"));
            }
        }
        return out;
    }

    public void testResultsSurviveSnapshotAndRestore() throws Exception {
        client().admin().cluster().preparePutRepository("repo").setType("fs").setSettings(Settings.builder().put("location", randomRepoPath())).get();
        client().admin().indices().prepareCreate("docs")
            .setSettings(Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", 1).put("index.number_of_replicas", 0))
            .setMapping("{\"properties\":{\"text\":{\"type\":\"text\"},\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"rescore\":{\"precision\":\"int8\"}}}}")
            .get();
        ensureGreen("docs");
        Random r = new Random(randomLong());
        String[] vocabulary = new String[60];
        for (int i = 0; i < vocabulary.length; i++) {
            vocabulary[i] = "w" + i;
        }
        for (int batch = 0; batch < 3; batch++) { // several segments, some deletes
            BulkRequestBuilder bulk = client().prepareBulk();
            for (int i = 0; i < 400; i++) {
                float[] v = new float[DIMS];
                for (int j = 0; j < DIMS; j++) v[j] = (float) r.nextGaussian();
                String text = vocabulary[r.nextInt(60)] + " " + vocabulary[r.nextInt(60)] + " " + vocabulary[r.nextInt(60)];
                bulk.add(client().prepareIndex("docs").setId(batch + "-" + i).setSource("{\"text\":\"" + text + "\",\"e\":" + Arrays.toString(v) + "}", XContentType.JSON));
            }
            assertFalse(bulk.get().hasFailures());
            client().admin().indices().prepareRefresh("docs").get();
            for (int i = 0; i < 30; i++) {
                client().prepareDelete("docs", batch + "-" + r.nextInt(400)).get();
            }
        }
        client().admin().indices().prepareRefresh("docs").get();
        float[][] queries = new float[8][DIMS];
        String[] words = new String[queries.length];
        for (int i = 0; i < queries.length; i++) {
            for (int j = 0; j < DIMS; j++) queries[i][j] = (float) r.nextGaussian();
            words[i] = vocabulary[r.nextInt(60)] + " " + vocabulary[r.nextInt(60)];
        }
        List<List<Rankings.Hit>> before = results(queries, words);
        assertEquals(10, before.get(0).size());
        long count = client().prepareSearch("docs").setSize(0).get().getHits().getTotalHits().value();

        CreateSnapshotResponse snapshot = client().admin().cluster().prepareCreateSnapshot("repo", "snap").setIndices("docs").setWaitForCompletion(true).get();
        assertEquals(SnapshotState.SUCCESS, snapshot.getSnapshotInfo().state());
        assertEquals(0, snapshot.getSnapshotInfo().failedShards());
        client().admin().indices().prepareDelete("docs").get();
        RestoreSnapshotResponse restore = client().admin().cluster().prepareRestoreSnapshot("repo", "snap").setIndices("docs").setWaitForCompletion(true).get();
        assertEquals(0, restore.getRestoreInfo().failedShards());
        ensureGreen("docs");

        assertEquals(count, client().prepareSearch("docs").setSize(0).get().getHits().getTotalHits().value());
        List<List<Rankings.Hit>> after = results(queries, words);
        for (int i = 0; i < before.size(); i++) {
            // same ids, same scores up to the last bits of SIMD float sums (Rankings.scoreTolerance)
            Rankings.assertSameRanking("query " + (i / 4) + " kind " + (i % 4), before.get(i), after.get(i));
        }
    }
}
