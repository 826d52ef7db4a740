package org.opensearch.binaryembeddings.encoder;

import org.opensearch.test.OpenSearchTestCase;
import org.junit.AfterClass;
import org.junit.BeforeClass;

import java.util.concurrent.ExecutorService;

/** Base of tests that use the two bundled models: one service, loaded once per test class, on a 2-thread executor. */
public abstract class LoadedModelsTestCase extends OpenSearchTestCase {

    private static ExecutorService executor;
    protected static EncoderService service;

    @BeforeClass
    public static void loadBundledModels() throws Exception {
        executor = TestModels.executor(2);
        service = TestModels.loadedService(TestModels.bundled(), EncoderSettings.Config.defaults(), executor);
    }

    @AfterClass
    public static void closeBundledModels() throws Exception {
        if (service != null) {
            service.close();
        }
        TestModels.shutdown(executor);
        service = null;
        executor = null;
    }
}
