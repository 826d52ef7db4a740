package org.opensearch.binaryembeddings.encoder;

import org.opensearch.test.OpenSearchTestCase;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;

import static org.opensearch.binaryembeddings.encoder.TestModels.MINILM;

/** Broken model folders: the service still starts, lists each with its reason, and refuses to use them. */
public class ModelFailureTests extends OpenSearchTestCase {

    private static String manifest(String name) {
        return "{\"name\":\"" + name + "\",\"dims\":384,\"pooling\":\"mean\",\"normalize\":true,\"max_tokens\":128}";
    }

    private static void brokenModel(Path root, String name, byte[] modelBytes, boolean withManifest) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        if (withManifest) {
            Files.writeString(dir.resolve(ModelManifest.FILE_NAME), manifest(name), StandardCharsets.UTF_8);
        }
        Files.copy(TestModels.bundled().resolve(MINILM).resolve(ModelPaths.TOKENIZER_FILE), dir.resolve(ModelPaths.TOKENIZER_FILE));
        if (modelBytes != null) {
            Files.write(dir.resolve(ModelPaths.MODEL_FILE), modelBytes);
        }
    }

    public void testBrokenModelsAreReportedNotFatal() throws Exception {
        Path root = TestModels.plain(createTempDir()).resolve("models");
        TestModels.copyModel(MINILM, root);
        brokenModel(root, "corrupt", randomByteArrayOfLength(4096), true);
        brokenModel(root, "no-model-file", null, true);
        brokenModel(root, "no-manifest", new byte[] { 1, 2, 3 }, false);
        Path badManifest = Files.createDirectories(root.resolve("bad-manifest"));
        Files.writeString(badManifest.resolve(ModelManifest.FILE_NAME), "{\"name\":\"bad-manifest\",\"dims\":\"many\"}");
        Files.createDirectories(root.resolve("Not_A_Valid_Name"));

        ExecutorService executor = TestModels.executor(1);
        EncoderService service = null;
        try {
            service = TestModels.loadedService(root, EncoderSettings.Config.defaults(), executor);
            assertEquals(
                List.of(MINILM, "bad-manifest", "corrupt", "no-manifest", "no-model-file"),
                service.models().stream().map(ModelInfo::name).toList()
            );
            assertEquals(ModelInfo.Status.LOADED, service.model(MINILM).status());
            assertFailed(service, "corrupt", "");
            assertFailed(service, "no-model-file", "missing model file [model.onnx]");
            assertFailed(service, "no-manifest", "invalid manifest.json: missing manifest.json");
            assertFailed(service, "bad-manifest", "invalid manifest.json: manifest key [pooling] is required");
            logger.info("corrupt model reported as: {}", service.model("corrupt").failureReason());
            // the default model (bge) is not in this folder
            EncoderService s = service;
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> s.encodeQuery(null, "x"));
            assertTrue(e.getMessage(), e.getMessage().startsWith("unknown model [bge-small-en-v1.5-q]; available: ["));
            // the good one works
            assertEquals(384, service.encodePassages(MINILM, List.of("still works")).get(0).length);
        } finally {
            if (service != null) {
                service.close();
            }
            TestModels.shutdown(executor);
        }
    }

    public void testEnabledSettingRestrictsAndReportsMissing() throws Exception {
        Path root = TestModels.plain(createTempDir()).resolve("models");
        TestModels.copyModel(MINILM, root);
        brokenModel(root, "corrupt", new byte[] { 0 }, true);
        ExecutorService executor = TestModels.executor(1);
        EncoderService service = null;
        try {
            EncoderSettings.Config config = EncoderSettings.Config.defaults().withEnabledModels(List.of(MINILM, "absent"));
            service = TestModels.loadedService(root, config, executor);
            assertEquals(List.of("absent", MINILM), service.models().stream().map(ModelInfo::name).toList());
            assertFalse("not enabled, so not known", service.hasModel("corrupt"));
            assertFailed(service, "absent", "no model folder [absent] in the models folder");
        } finally {
            if (service != null) {
                service.close();
            }
            TestModels.shutdown(executor);
        }
    }

    public void testMissingModelsFolderMeansNoModels() throws Exception {
        EncoderService service = new EncoderService(createTempDir().resolve("nothing-here"), EncoderSettings.Config.defaults(), Runnable::run);
        service.startLoading(Runnable::run);
        assertEquals(List.of(), service.models());
        expectThrows(IllegalArgumentException.class, () -> service.encodeQuery(null, "x"));
        service.close();
    }

    private static void assertFailed(EncoderService service, String name, String reasonPrefix) {
        assertTrue(service.hasModel(name));
        ModelInfo info = service.model(name);
        assertEquals(ModelInfo.Status.FAILED, info.status());
        assertNotNull(info.failureReason());
        assertTrue(info.failureReason(), info.failureReason().startsWith(reasonPrefix));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> service.encodePassages(name, List.of("x")));
        assertEquals("model [" + name + "] is not available: it failed to load: " + info.failureReason(), e.getMessage());
        expectThrows(IllegalArgumentException.class, () -> service.encodeQuery(name, "x"));
    }
}
