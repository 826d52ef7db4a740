package org.opensearch.binaryembeddings.encoder;

import org.opensearch.OpenSearchParseException;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.opensearch.binaryembeddings.encoder.TestModels.BGE;

/**
 * Two nodes whose config folder holds bge plus a corrupt model: both start, report the corrupt one as failed, refuse
 * pipelines naming it, and after a full cluster restart load the models again with no API call while indexing
 * through an existing pipeline continues.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 2, numClientNodes = 0, supportsDedicatedMasters = false)
public class EncoderClusterTests extends ModelNodesTestCase {

    /** Every node's config: binary-embeddings/models/{bge-small-en-v1.5-q, corrupt}. */
    @Override
    protected Path writeNodeConfig(Path tmp) throws IOException {
        Path conf = TestModels.nodeConfigWithBge(tmp);
        Path models = TestModels.modelsOf(conf);
        Path corrupt = Files.createDirectories(models.resolve("corrupt"));
        Files.writeString(
            corrupt.resolve(ModelManifest.FILE_NAME),
            "{\"name\":\"corrupt\",\"dims\":384,\"pooling\":\"cls\",\"normalize\":true,\"max_tokens\":512}",
            StandardCharsets.UTF_8
        );
        Files.copy(TestModels.bundled().resolve(BGE).resolve(ModelPaths.TOKENIZER_FILE), corrupt.resolve(ModelPaths.TOKENIZER_FILE));
        Files.write(corrupt.resolve(ModelPaths.MODEL_FILE), "this is not an onnx file".getBytes(StandardCharsets.UTF_8));
        return conf;
    }

    private void awaitModelsOnEveryNode() throws InterruptedException {
        int nodes = 0;
        for (EncoderService service : internalCluster().getInstances(EncoderService.class)) {
            assertTrue(service.awaitLoaded(120, TimeUnit.SECONDS));
            assertEquals(ModelInfo.Status.LOADED, service.model(BGE).status());
            nodes++;
        }
        assertEquals(2, nodes);
    }

    private static final String PIPELINE = "{\"processors\": [{\"local_embedding\": {\"field_map\": {\"text\": \"embedding\"}}}]}";

    private void putPipeline(String id, String json) {
        client().admin().cluster().preparePutPipeline(id, new BytesArray(json), XContentType.JSON).get();
    }

    private void indexThrough(String pipeline, int from, int count) {
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        for (int i = from; i < from + count; i++) {
            bulk.add(client().prepareIndex("docs").setId(Integer.toString(i)).setPipeline(pipeline).setSource(Map.of("text", "passage number " + i)));
        }
        BulkResponse response = bulk.get();
        assertFalse(response.buildFailureMessage(), response.hasFailures());
    }

    private void assertEmbedded(int from, int count) {
        for (int i = from; i < from + count; i++) {
            Map<String, Object> source = client().prepareGet("docs", Integer.toString(i)).get().getSourceAsMap();
            assertEquals("doc " + i, 384, ((List<?>) source.get("embedding")).size());
        }
    }

    public void testCorruptModelIsReportedAndRefused() throws Exception {
        awaitModelsOnEveryNode();
        for (EncoderService service : internalCluster().getInstances(EncoderService.class)) {
            ModelInfo corrupt = service.model("corrupt");
            assertEquals(ModelInfo.Status.FAILED, corrupt.status());
            assertTrue(corrupt.failureReason(), corrupt.failureReason().contains("corrupt/model.onnx"));
        }
        OpenSearchParseException e = expectThrows(
            OpenSearchParseException.class,
            () -> putPipeline("bad", "{\"processors\": [{\"local_embedding\": {\"model\": \"corrupt\", \"field_map\": {\"text\": \"v\"}}}]}")
        );
        assertTrue(e.getMessage(), e.getMessage().startsWith("[model] model [corrupt] is not available: it failed to load: "));
    }

    public void testModelsReloadAfterFullRestartAndIndexingContinues() throws Exception {
        awaitModelsOnEveryNode();
        putPipeline("embed", PIPELINE);
        createIndex("docs");
        indexThrough("embed", 0, 20);
        assertEmbedded(0, 20);

        internalCluster().fullRestart();
        ensureGreen("docs");
        // no API call: the models load at node start, the pipeline comes back from the cluster state
        awaitModelsOnEveryNode();
        indexThrough("embed", 20, 20);
        assertEmbedded(0, 40);
    }
}
