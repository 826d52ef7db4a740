package org.opensearch.binaryembeddings.encoder;

import org.opensearch.binaryembeddings.testsupport.Vectors;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.test.OpenSearchTestCase;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The encoder's two lanes and text checks with the real bundled models: a query text is encoded while the ingest lane
 * is busy with a long batch list (it does not queue behind it), texts without content token come back as 400s naming
 * them, and {@code max_text_chars} counts code points.
 */
public class InferenceLanesTests extends OpenSearchTestCase {

    /** The project's 150 passages (their text, without titles). */
    private static List<String> passages() {
        return Corpus.sample().docs.stream().map(Corpus.Doc::text).toList();
    }

    public void testQueryIsEncodedWhileTheIngestLaneIsBusy() throws Exception {
        ExecutorService query = TestModels.executor(1);
        ExecutorService ingest = TestModels.executor(1);
        EncoderService service = new EncoderService(TestModels.bundled(), EncoderSettings.Config.defaults(), query, ingest);
        try {
            service.startLoading(EncoderService.loaderThread());
            assertTrue(service.awaitLoaded(120, TimeUnit.SECONDS));
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                texts.addAll(passages()); // 450 passages: many batches on the one ingest thread
            }
            PlainActionFuture<List<float[]>> bulk = new PlainActionFuture<>();
            service.encodePassagesAsync(TestModels.BGE, texts, bulk);
            // the query lane has its own thread: the query is answered while the ingest work is still running
            // (with one shared queue it would come after all 450 passages)
            float[] q = service.encodeQuery(TestModels.BGE, "how do nerve cells send signals");
            assertEquals(384, q.length);
            assertFalse("the ingest work finished before the query was answered", bulk.isDone());
            List<float[]> vectors = bulk.actionGet(5, TimeUnit.MINUTES);
            assertEquals(450, vectors.size());
            for (float[] v : vectors) {
                assertEquals(384, v.length);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> bge = (Map<String, Object>) ((Map<String, Object>) service.nodeStats().get("models")).get(TestModels.BGE);
            assertEquals(451L, bge.get("texts"));
        } finally {
            service.close();
            TestModels.shutdown(query);
            TestModels.shutdown(ingest);
        }
    }

    public void testTextsWithoutContentTokenAndCodePoints() throws Exception {
        ExecutorService executor = TestModels.executor(1);
        EncoderService service = TestModels.loadedService(TestModels.bundled(), EncoderSettings.Config.defaults(), executor);
        try {
            for (String model : List.of(TestModels.BGE, TestModels.MINILM)) {
                for (String hollow : List.of("\u200B\u200B", "\u00A0", "\uFEFF", "\u0000\u0007", "\u0301\u0308")) {
                    IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> service.encodeQuery(model, hollow));
                    assertTrue(e.getMessage(), e.getMessage().startsWith("[query_text] has no text to embed"));
                }
                IllegalArgumentException e = expectThrows(
                    IllegalArgumentException.class,
                    () -> service.encodePassages(model, List.of("fine words", "\u200B\uFEFF"))
                );
                assertTrue(e.getMessage(), e.getMessage().startsWith("[texts][1] has no text to embed"));
                PlainActionFuture<List<float[]>> lenient = new PlainActionFuture<>();
                service.encodePassagesOrNullAsync(model, List.of("fine words", "\u00A0\u0301", "\u200Bwords\u200B"), lenient);
                List<float[]> v = lenient.actionGet();
                assertNotNull(v.get(0));
                assertNull(v.get(1));
                // the hollow text drops out of the batch without disturbing the others: the vectors are those of the
                // same batch without it ("\u200Bwords\u200B" tokenizes as "words"); batch vs single differs for int8
                // models (cosine 0.98 for all-minilm on these two-word texts), so the comparison is batch to batch
                List<float[]> same = service.encodePassages(model, List.of("fine words", "words"));
                assertTrue(Vectors.cosine(v.get(0), same.get(0)) >= 0.9999);
                assertTrue(Vectors.cosine(v.get(2), same.get(1)) >= 0.9999);
                assertNotNull(v.get(2));
            }
            // 60,000 emoji are 120,000 UTF-16 units but 60,000 characters: under the default 100,000
            service.checkText("\uD83D\uDE00".repeat(60_000), "[t]");
            IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> service.checkText("\uD83D\uDE00".repeat(100_001), "field [text]")
            );
            assertEquals(
                "field [text] has 100001 characters, more than the limit of 100000 (plugins.binary_embeddings.max_text_chars)",
                e.getMessage()
            );
            // the query cache counts: one miss, then hits
            service.encodeQuery(TestModels.BGE, "a cached query");
            service.encodeQuery(TestModels.BGE, "a cached query");
            @SuppressWarnings("unchecked")
            Map<String, Object> cache = (Map<String, Object>) service.nodeStats().get("query_cache");
            assertTrue(cache.toString(), (Long) cache.get("hits") >= 1);
            assertTrue(cache.toString(), (Long) cache.get("misses") >= 1);
        } finally {
            service.close();
            TestModels.shutdown(executor);
        }
    }
}
