package org.opensearch.binaryembeddings.encoder;

import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.binaryembeddings.testdata.Corpus;

import java.util.ArrayList;
import java.util.List;

import static org.opensearch.binaryembeddings.encoder.TestModels.BGE;
import static org.opensearch.binaryembeddings.encoder.TestModels.MINILM;
import static org.opensearch.binaryembeddings.testsupport.Vectors.cosine;


/** The encoder with the two bundled models, loaded once for the class. */
public class EncoderServiceTests extends LoadedModelsTestCase {

    public void testBothBundledModelsLoad() {
        assertEquals(BGE, service.defaultModel());
        assertEquals(List.of(MINILM, BGE), service.models().stream().map(ModelInfo::name).toList());
        for (ModelInfo info : service.models()) {
            assertEquals(info.name() + ": " + info.failureReason(), ModelInfo.Status.LOADED, info.status());
            assertEquals(384, info.dims());
        }
        assertEquals("cls", service.model(BGE).pooling());
        assertEquals("mean", service.model(MINILM).pooling());
        assertTrue(service.hasModel(BGE));
        assertFalse(service.hasModel("nope"));
        assertFalse(service.hasModel(null));
    }

    public void testUnknownModelNamesItAndTheAvailableOnes() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> service.encodeQuery("nope", "x"));
        assertEquals("unknown model [nope]; available: [" + MINILM + ", " + BGE + "]", e.getMessage());
        expectThrows(IllegalArgumentException.class, () -> service.model("nope"));
        PlainActionFuture<float[]> f = PlainActionFuture.newFuture();
        service.encodeQueryAsync("nope", "x", f);
        expectThrows(IllegalArgumentException.class, f::actionGet);
    }

    public void testVectorsAreUnitLengthAndDistinct() {
        List<float[]> v = service.encodePassages(null, List.of("The cat sat on the mat.", "Quarterly revenue grew by ten percent."));
        assertEquals(2, v.size());
        for (float[] x : v) {
            assertEquals(384, x.length);
            assertEquals(1.0, TestModels.norm(x), 1e-4);
        }
        assertTrue(cosine(v.get(0), v.get(1)) < 0.9);
        // the same text alone gives the same vector: with the shipped max_batch_size 1 each text of a call runs alone
        assertArrayEquals(v.get(0), service.encodePassages(BGE, List.of("The cat sat on the mat.")).get(0), 0f);
        assertArrayEquals(service.encodePassages(BGE, List.of("The cat sat on the mat.")).get(0),
            service.encodePassages(BGE, List.of("The cat sat on the mat.")).get(0), 0f);
    }

    public void testEmptyBatch() {
        assertEquals(List.of(), service.encodePassages(BGE, List.of()));
        PlainActionFuture<List<float[]>> f = PlainActionFuture.newFuture();
        service.encodePassagesAsync(BGE, List.of(), f);
        assertEquals(List.of(), f.actionGet());
        expectThrows(IllegalArgumentException.class, () -> service.encodePassages(BGE, null));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertEquals("[texts][0] must not be null", expectThrows(IllegalArgumentException.class, () -> service.encodePassages(BGE, withNull)).getMessage());
    }

    /** Text up to max_text_chars is truncated by the tokenizer to max_tokens: no error, and only the first tokens matter. */
    public void testTruncatesLongTextAtTheTokenWindow() {
        String head = "Binary embeddings store one bit per dimension. ";
        StringBuilder a = new StringBuilder(head.repeat(60)); // well past 512 tokens
        StringBuilder b = new StringBuilder(a);
        while (a.length() < service.maxTextChars() - 40) {
            a.append("zebra crossing traffic light ");
            b.append("quantum chromodynamics gluon ");
        }
        for (String model : List.of(BGE, MINILM)) {
            List<float[]> v = service.encodePassages(model, List.of(a.toString(), b.toString()));
            assertEquals(model, 1.0, cosine(v.get(0), v.get(1)), 1e-3);
        }
    }

    /** Past max_text_chars (default 100,000) a text is refused before tokenizing, naming the text and the setting. */
    public void testRefusesOneMegabyteText() {
        String huge = "x".repeat(1 << 20);
        assertEquals(
            "[texts][1] has 1048576 characters, more than the limit of 100000 (plugins.binary_embeddings.max_text_chars)",
            expectThrows(IllegalArgumentException.class, () -> service.encodePassages(BGE, List.of("fine", huge))).getMessage()
        );
        assertEquals(
            "[query_text] has 1048576 characters, more than the limit of 100000 (plugins.binary_embeddings.max_text_chars)",
            expectThrows(IllegalArgumentException.class, () -> service.encodeQuery(BGE, huge)).getMessage()
        );
        PlainActionFuture<float[]> f = PlainActionFuture.newFuture();
        service.encodeQueryAsync(BGE, huge, f);
        expectThrows(IllegalArgumentException.class, f::actionGet);
    }

    /** all-MiniLM-L6-v2's limit is 128 tokens (its tokenizer.json truncates there): text past it changes nothing. */
    public void testMiniLmStopsAt128Tokens() {
        String head = "word ".repeat(126); // 126 tokens + [CLS] + [SEP] = 128
        float[] a = service.encodePassages(MINILM, List.of(head + "apples oranges")).get(0);
        float[] b = service.encodePassages(MINILM, List.of(head + "rockets satellites")).get(0);
        assertEquals(1.0, cosine(a, b), 1e-5);
        // ...while within 128 tokens the tail does matter
        String shortHead = "word ".repeat(20);
        float[] c = service.encodePassages(MINILM, List.of(shortHead + "apples oranges")).get(0);
        float[] d = service.encodePassages(MINILM, List.of(shortHead + "rockets satellites")).get(0);
        assertTrue(cosine(c, d) < 0.99);
    }

    public void testQueryPrefixIsApplied() {
        String q = "what is a binary embedding";
        float[] query = service.encodeQuery(BGE, q);
        float[] manual = service.encodePassages(BGE, List.of(ReferencePrefix.BGE + q)).get(0);
        float[] bare = service.encodePassages(BGE, List.of(q)).get(0);
        assertEquals(1.0, cosine(query, manual), 1e-6);
        assertTrue(cosine(query, bare) < 0.999);
        // minilm has no query prefix
        assertEquals(1.0, cosine(service.encodeQuery(MINILM, q), service.encodePassages(MINILM, List.of(q)).get(0)), 1e-6);
    }

    public void testQueryCacheHandsOutCopies() throws Exception {
        float[] first = service.encodeQuery(BGE, "cache me");
        first[0] = 42f;
        float[] second = service.encodeQuery(BGE, "cache me");
        assertNotEquals(42f, second[0], 0f);
        PlainActionFuture<float[]> f = PlainActionFuture.newFuture();
        service.encodeQueryAsync(BGE, "cache me", f);
        assertArrayEquals(second, f.actionGet(), 0f);
        long texts = service.stats(BGE).texts();
        service.encodeQuery(BGE, "cache me");
        assertEquals("a cached query runs no inference", texts, service.stats(BGE).texts());
    }

    /**
     * With the shipped settings a text's vector is the same whatever else a call holds: int8 dynamic quantization
     * scales a model run's activations per tensor, so only a run of one text (max_batch_size 1) is independent of its
     * companions (with batches of 32 they moved it to cosine 0.99, ParityTests).
     */
    public void testBatchesMatchSingleTexts() {
        List<String> texts = Corpus.sample().docs.subList(0, 40).stream().map(Corpus.Doc::content).toList();
        List<float[]> batched = service.encodePassages(BGE, texts);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals("text " + i, service.encodePassages(BGE, List.of(texts.get(i))).get(0), batched.get(i), 0f);
        }
        InferenceStats.Snapshot s = service.stats(BGE);
        assertTrue(s.batches() > 0 && s.texts() >= 80 && s.meanBatchLatencyMillis() > 0);
    }

    public void testConcurrentCallersShareOneSession() throws Exception {
        List<String> texts = Corpus.sample().docs.subList(100, 110).stream().map(Corpus.Doc::content).toList();
        List<float[]> expected = service.encodePassages(BGE, texts);
        Thread[] threads = new Thread[4];
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    for (int r = 0; r < 3; r++) {
                        List<float[]> got = service.encodePassages(BGE, texts);
                        for (int i = 0; i < texts.size(); i++) {
                            assertEquals(1.0, cosine(expected.get(i), got.get(i)), 1e-5);
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), errors);
    }

    static final class ReferencePrefix {
        static final String BGE = "Represent this sentence for searching relevant passages: ";
    }
}
