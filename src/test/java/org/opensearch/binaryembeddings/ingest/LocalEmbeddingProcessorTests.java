package org.opensearch.binaryembeddings.ingest;

import org.opensearch.OpenSearchParseException;
import org.opensearch.binaryembeddings.encoder.LoadedModelsTestCase;
import org.opensearch.binaryembeddings.encoder.TestModels;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.opensearch.binaryembeddings.encoder.TestModels.BGE;
import static org.opensearch.binaryembeddings.encoder.TestModels.MINILM;
import static org.opensearch.binaryembeddings.testsupport.Vectors.cosine;


public class LocalEmbeddingProcessorTests extends LoadedModelsTestCase {

    private static LocalEmbeddingProcessor create(Map<String, Object> config) throws Exception {
        return new LocalEmbeddingProcessor.Factory(() -> service).create(Map.of(), "tag", null, new HashMap<>(config));
    }

    private static String configError(Map<String, Object> config) {
        return expectThrows(OpenSearchParseException.class, () -> create(config)).getMessage();
    }

    private static IngestDocument doc(Map<String, Object> source) {
        return new IngestDocument("index", randomAlphaOfLength(5), null, null, null, new HashMap<>(source));
    }

    @SuppressWarnings("unchecked")
    private static float[] vector(IngestDocument doc, String path) {
        List<Float> list = doc.getFieldValue(path, List.class);
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = list.get(i);
        }
        return v;
    }

    public void testDefaultsAndExplicitModel() throws Exception {
        LocalEmbeddingProcessor p = create(Map.of("field_map", Map.of("text", "embedding")));
        assertEquals(BGE, p.model());
        assertEquals(32, p.batchSize());
        assertEquals(Map.of("text", "embedding"), p.fieldMap());
        assertEquals(MINILM, create(Map.of("model", MINILM, "field_map", Map.of("a", "b"), "batch_size", 8)).model());
    }

    public void testBadConfigurationsNameTheProblem() {
        assertEquals(
            "[model] unknown model [nope]; available: [" + MINILM + ", " + BGE + "]",
            configError(Map.of("model", "nope", "field_map", Map.of("text", "embedding")))
        );
        assertEquals("[field_map] required property is missing", configError(Map.of("model", BGE)));
        assertEquals(
            "[field_map] must map at least one source field to a target field",
            configError(Map.of("field_map", Map.of()))
        );
        assertEquals(
            "[field_map] target of [text] must be a non-empty field name",
            configError(Map.of("field_map", Map.of("text", 3)))
        );
        assertEquals("[field_map] target of [text] must differ from the source", configError(Map.of("field_map", Map.of("text", "text"))));
        assertEquals("[batch_size] must be between 1 and 1024, got [0]", configError(Map.of("field_map", Map.of("a", "b"), "batch_size", 0)));
    }

    public void testEmbedsStringsArraysAndNestedPaths() throws Exception {
        LocalEmbeddingProcessor p = create(Map.of("field_map", Map.of("title", "title_vec", "body.text", "body.vec", "tags", "tag_vecs")));
        IngestDocument d = doc(Map.of("title", "Binary embeddings", "body", new HashMap<>(Map.of("text", "One bit per dimension.")), "tags", List.of("a cat", "a dog")));
        p.execute(d);
        float[] title = vector(d, "title_vec");
        assertEquals(384, title.length);
        assertEquals(1.0, cosine(title, service.encodePassages(BGE, List.of("Binary embeddings")).get(0)), 0.01);
        assertEquals(384, vector(d, "body.vec").length);
        List<?> tags = d.getFieldValue("tag_vecs", List.class);
        assertEquals(2, tags.size());
        assertEquals(384, ((List<?>) tags.get(1)).size());
    }

    public void testSkipExistingAndIgnoreMissing() throws Exception {
        LocalEmbeddingProcessor p = create(Map.of("field_map", Map.of("text", "vec"), "skip_existing", true, "ignore_missing", true));
        IngestDocument existing = doc(Map.of("text", "hello", "vec", List.of(1.0f, 2.0f)));
        p.execute(existing);
        assertEquals(List.of(1.0f, 2.0f), existing.getFieldValue("vec", List.class));
        IngestDocument missing = doc(Map.of("other", "x"));
        p.execute(missing);
        assertFalse(missing.hasField("vec"));
        LocalEmbeddingProcessor strict = create(Map.of("field_map", Map.of("text", "vec")));
        IngestDocument overwritten = doc(Map.of("text", "hello", "vec", List.of(1.0f, 2.0f)));
        strict.execute(overwritten);
        assertEquals(384, overwritten.getFieldValue("vec", List.class).size());
    }

    /** A batch with bad documents: those fail, each naming its field; the others get vectors. */
    public void testBatchFailsOnlyTheBadDocuments() throws Exception {
        LocalEmbeddingProcessor p = create(Map.of("field_map", Map.of("text", "vec"), "batch_size", 3));
        List<Map<String, Object>> sources = new ArrayList<>();
        sources.add(Map.of("text", "good one"));
        sources.add(Map.of("text", 42));
        sources.add(Map.of("other", "no text field"));
        sources.add(Map.of("text", "   "));
        sources.add(Map.of("text", List.of("fine", 7)));
        sources.add(Map.of("text", "good two"));
        sources.add(Map.of("text", Map.of("nested", "object")));
        sources.add(Map.of("text", "y".repeat(service.maxTextChars() + 1)));
        List<IngestDocumentWrapper> wrappers = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            wrappers.add(new IngestDocumentWrapper(i, 0, doc(sources.get(i)), null));
        }
        CompletableFuture<List<IngestDocumentWrapper>> done = new CompletableFuture<>();
        p.batchExecute(wrappers, done::complete);
        List<IngestDocumentWrapper> results = new ArrayList<>(done.get(60, TimeUnit.SECONDS));
        results.sort(Comparator.comparingInt(IngestDocumentWrapper::getSlot));
        assertEquals(sources.size(), results.size());
        assertNull(results.get(0).getException());
        assertEquals(384, results.get(0).getIngestDocument().getFieldValue("vec", List.class).size());
        assertEquals("field [text] must be a string or an array of strings, not a number [42]", results.get(1).getException().getMessage());
        assertEquals("field [text] is missing (set ignore_missing to skip such documents)", results.get(2).getException().getMessage());
        assertEquals("field [text] is empty: there is no text to embed", results.get(3).getException().getMessage());
        assertEquals("field [text[1]] must be a string, not a number [7]", results.get(4).getException().getMessage());
        assertNull(results.get(5).getException());
        assertEquals(384, results.get(5).getIngestDocument().getFieldValue("vec", List.class).size());
        assertEquals("field [text] must be a string or an array of strings, not an object", results.get(6).getException().getMessage());
        assertEquals(
            "field [text] has 100001 characters, more than the limit of 100000 (plugins.binary_embeddings.max_text_chars)",
            results.get(7).getException().getMessage()
        );
        for (int i : new int[] { 1, 2, 3, 4, 6, 7 }) {
            assertNotNull("failed documents keep their document for on_failure", results.get(i).getIngestDocument());
        }
    }

    public void testSingleDocumentAsyncPath() throws Exception {
        LocalEmbeddingProcessor p = create(Map.of("field_map", Map.of("text", "vec")));
        CompletableFuture<IngestDocument> ok = new CompletableFuture<>();
        p.execute(doc(Map.of("text", "hello world")), (d, e) -> {
            if (e != null) ok.completeExceptionally(e);
            else ok.complete(d);
        });
        assertEquals(384, ok.get(60, TimeUnit.SECONDS).getFieldValue("vec", List.class).size());
        // the handler only records what it got: an assertion on the thread that calls it would surface as a timeout here
        AtomicReference<IngestDocument> document = new AtomicReference<>();
        AtomicReference<Exception> error = new AtomicReference<>();
        CompletableFuture<Void> failed = new CompletableFuture<>();
        p.execute(doc(Map.of("text", "")), (d, e) -> {
            document.set(d);
            error.set(e);
            failed.complete(null);
        });
        failed.get(60, TimeUnit.SECONDS);
        assertNull("a failed document is not handed on", document.get());
        assertEquals("field [text] is empty: there is no text to embed", error.get().getMessage());
    }
}
