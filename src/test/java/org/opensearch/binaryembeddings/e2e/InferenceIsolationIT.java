package org.opensearch.binaryembeddings.e2e;

import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Inference a cluster can live with, on a real node: a document with a huge array of texts is refused before any
 * inference, texts the tokenizer reduces to nothing are a 400 naming the field, and {@code binary_knn} query texts are
 * encoded on their own lane, so they answer while a long pipeline bulk keeps the ingest lane busy.
 * Texts are the project's own passages ({@code src/demo/sample-corpus.jsonl}, on the test classpath as {@code /testdata/sample-corpus.jsonl}), combined pairwise for more documents.
 */
public class InferenceIsolationIT extends RealNodeTestCase {

    private static final String MODELS = "/_plugins/_binary_embeddings/models";
    private static final String BGE = "bge-small-en-v1.5-q";

    /** The project's 150 passages (their text, without titles). */
    private static List<String> corpus() {
        return Corpus.sample().docs.stream().map(Corpus.Doc::text).toList();
    }

    private static String json(String field, Object value) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder().startObject().field(field, value).endObject();
        return org.opensearch.core.common.bytes.BytesReference.bytes(b).utf8ToString();
    }

    private static void createIndex(String index) throws IOException {
        call("PUT", "/_ingest/pipeline/iso-embed", "{\"processors\": [{\"local_embedding\": {\"field_map\": {\"text\": \"embedding\"}}}]}");
        call("PUT", "/" + index, """
            { "settings": { "index.binary_embeddings": true, "default_pipeline": "iso-embed", "number_of_replicas": 0 },
              "mappings": { "properties": { "text": { "type": "text" },
                "embedding": { "type": "binary_embedding", "dims": 384, "model": "bge-small-en-v1.5-q" } } } }""");
    }

    @SuppressWarnings("unchecked")
    private static long bgeTexts() throws Exception {
        assertBusy(() -> assertEquals("loaded", bge().get("status")), 2, TimeUnit.MINUTES);
        Map<String, Object> m = bge();
        return ((Number) ((Map<String, Object>) m.get("inference")).get("texts")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bge() throws IOException {
        return ((List<Map<String, Object>>) call("GET", MODELS + "/" + BGE, null).get("models")).get(0);
    }

    private static String badRequest(String method, String path, String body) throws Exception {
        ResponseException e = expectThrows(ResponseException.class, () -> call(method, path, body));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        return EntityUtils.toString(e.getResponse().getEntity());
    }

    public void testDocumentWithTenThousandTextsIsRefusedBeforeInference() throws Exception {
        createIndex("iso-cap");
        List<String> texts = new ArrayList<>();
        List<String> corpus = corpus();
        for (int i = 0; i < 10_000; i++) {
            texts.add("item " + i + " " + corpus.get(i % corpus.size()).substring(0, 20));
        }
        long before = bgeTexts();
        long t0 = System.nanoTime();
        String body = badRequest("PUT", "/iso-cap/_doc/huge", json("text", texts));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(body, body.contains("field [text] holds 10000 texts, more than the limit of 100 per field"));
        assertTrue(body, body.contains("plugins.binary_embeddings.ingest.max_texts_per_field"));
        // not one text was embedded: the cap is checked before the encoder sees the document
        assertEquals(before, bgeTexts());
        // a functional bound: embedding them took 40 s on this kind of machine before the cap
        assertTrue("refused after " + millis + " ms", millis < 10_000);

        // in a bulk the refused document fails alone
        String bulk = "{\"index\":{\"_id\":\"big\"}}\n" + json("text", texts) + "\n{\"index\":{\"_id\":\"fine\"}}\n"
            + json("text", corpus.get(0)) + "\n";
        Request r = new Request("POST", "/iso-cap/_bulk?refresh=true");
        r.setJsonEntity(bulk);
        Map<String, Object> result = entityAsMap(client().performRequest(r));
        assertEquals(true, result.get("errors"));
        assertEquals("[400, 201]", statuses(result).toString());
        assertEquals(1, ((Number) call("GET", "/iso-cap/_count", null).get("count")).intValue());
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> statuses(Map<String, Object> bulk) {
        List<Integer> out = new ArrayList<>();
        for (Map<String, Object> item : (List<Map<String, Object>>) bulk.get("items")) {
            out.add(((Number) ((Map<String, Object>) item.values().iterator().next()).get("status")).intValue());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public void testTextsWithoutContentTokenAre400NamingTheField() throws Exception {
        createIndex("iso-empty");
        // each of these tokenizes to [CLS] [SEP] only; before, all got one identical vector that topped unrelated queries
        List<String> hollow = List.of("\u200B\u200B\u200B", "\u00A0 \u00A0", "\uFEFF", "\u0000\u0001\u0007", "\u0301\u0308", "\u200B\u00A0\uFEFF\u0301");
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < hollow.size(); i++) {
            bulk.append("{\"index\":{\"_id\":\"h").append(i).append("\"}}\n").append(json("text", hollow.get(i))).append('\n');
        }
        bulk.append("{\"index\":{\"_id\":\"real\"}}\n").append(json("text", corpus().get(1))).append('\n');
        bulk.append("{\"index\":{\"_id\":\"arr\"}}\n").append(json("text", List.of("fine words", "\u200B"))).append('\n');
        Request r = new Request("POST", "/iso-empty/_bulk?refresh=true");
        r.setJsonEntity(bulk.toString());
        Map<String, Object> result = entityAsMap(client().performRequest(r));
        List<Map<String, Object>> items = (List<Map<String, Object>>) result.get("items");
        for (int i = 0; i < hollow.size(); i++) {
            Map<String, Object> item = (Map<String, Object>) items.get(i).get("index");
            assertEquals(item.toString(), 400, item.get("status"));
            assertTrue(item.toString(), item.toString().contains("field [text] has no text to embed"));
        }
        assertEquals(201, ((Map<String, Object>) items.get(hollow.size()).get("index")).get("status"));
        Map<String, Object> arr = (Map<String, Object>) items.get(hollow.size() + 1).get("index");
        assertEquals(arr.toString(), 400, arr.get("status"));
        assertTrue(arr.toString(), arr.toString().contains("field [text[1]] has no text to embed"));
        assertEquals(1, ((Number) call("GET", "/iso-empty/_count", null).get("count")).intValue());

        String q = badRequest("POST", "/iso-empty/_search", "{\"query\": {\"binary_knn\": {\"field\": \"embedding\", \"query_text\": \"\\u200B\\uFEFF\"}}}");
        assertTrue(q, q.contains("[query_text] has no text to embed"));
        String e = badRequest("POST", MODELS + "/" + BGE + "/_embed", "{\"texts\": [\"ok\", \"\\u00A0\\u0301\"]}");
        assertTrue(e, e.contains("[texts][1] has no text to embed"));
        // text with real words among the invisible characters is fine
        Map<String, Object> ok = call("POST", MODELS + "/" + BGE + "/_embed", json("texts", List.of("\u200Bnerve\u00A0cells\uFEFF")));
        assertEquals(1, ((List<?>) ok.get("embeddings")).size());
    }

    public void testMaxTextCharsCountsCodePoints() throws Exception {
        // 60,000 emoji: 120,000 UTF-16 units but 60,000 characters, under the 100,000 default
        String emoji = "nerve cells " + "\uD83D\uDE00".repeat(60_000);
        Map<String, Object> ok = call("POST", MODELS + "/" + BGE + "/_embed", json("texts", List.of(emoji)));
        assertEquals(1, ((List<?>) ok.get("embeddings")).size());
        String tooLong = "\uD83D\uDE00".repeat(100_001);
        String body = badRequest("POST", MODELS + "/" + BGE + "/_embed", json("texts", List.of(tooLong)));
        assertTrue(body, body.contains("has 100001 characters, more than the limit of 100000"));
    }

    /**
     * While a pipeline bulk of 2,000 passages keeps the ingest lane busy for minutes, every {@code binary_knn}
     * {@code query_text} search (each a new text, so no cache hit) answers within 1 s: it does not queue behind the
     * bulk. 1 s is a functional bound, not a performance figure: before the query lane, a query waited for every
     * queued ingest batch (39 s behind one large document).
     */
    @SuppressWarnings("unchecked")
    public void testQueryTextSearchesDoNotQueueBehindPipelineBulk() throws Exception {
        createIndex("iso-bulk");
        List<String> corpus = corpus();
        int docs = 2_000;
        int perBulk = 250;
        // a warm-up query: the model is loaded and the index exists
        call("POST", "/iso-bulk/_search", "{\"query\": {\"binary_knn\": {\"field\": \"embedding\", \"query_text\": \"warm up\"}}}");

        AtomicReference<Exception> bulkFailure = new AtomicReference<>();
        List<Integer> bulkErrors = new ArrayList<>();
        Thread bulker = new Thread(() -> {
            try {
                for (int from = 0; from < docs; from += perBulk) {
                    StringBuilder body = new StringBuilder();
                    for (int i = from; i < from + perBulk; i++) {
                        String text = corpus.get(i % 150) + " " + corpus.get((i * 7 + 3) % 150);
                        body.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n").append(json("text", text)).append('\n');
                    }
                    Request r = new Request("POST", "/iso-bulk/_bulk");
                    r.setJsonEntity(body.toString());
                    Map<String, Object> result = entityAsMap(client().performRequest(r));
                    if (Boolean.TRUE.equals(result.get("errors"))) {
                        bulkErrors.add(from);
                    }
                }
            } catch (Exception e) {
                bulkFailure.set(e);
            }
        }, "iso-bulk");
        long textsBefore = bgeTexts();
        bulker.start();
        List<Long> latencies = new ArrayList<>();
        int n = 0;
        while (bulker.isAlive()) {
            Thread.sleep(300);
            String text = "how do nerve cells pass signals, variant " + (n++);
            long t0 = System.nanoTime();
            Map<String, Object> r = call("POST", "/iso-bulk/_search",
                "{\"size\": 3, \"query\": {\"binary_knn\": {\"field\": \"embedding\", \"query_text\": \"" + text + "\"}}}");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertNotNull(r.get("hits"));
            if (bulker.isAlive()) { // only queries that overlapped the bulk count
                latencies.add(ms);
            }
        }
        bulker.join();
        assertNull(bulkFailure.get());
        assertEquals(List.of(), bulkErrors);
        call("POST", "/iso-bulk/_refresh", null);
        assertEquals(docs, ((Number) call("GET", "/iso-bulk/_count", null).get("count")).intValue());
        assertTrue(bgeTexts() - textsBefore >= docs);
        logger.info("binary_knn query_text latencies (ms) during the bulk: {}", latencies);
        assertTrue("too few queries overlapped the bulk: " + latencies, latencies.size() >= 10);
        for (long ms : latencies) {
            assertTrue("a query took " + ms + " ms while the bulk ran: " + latencies, ms < 1_000);
        }
    }
}
